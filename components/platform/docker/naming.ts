import { WorkloadSpec } from "../../core/spec";
import { startWindowSeconds } from "./health";

/*
 * What the Docker renderer names and how long it waits, free of the Pulumi
 * SDKs: labctl finds, checks and removes a lab's containers with these
 * without loading @pulumi/docker.
 */

/** The value of {@link LABEL.managedBy} on objects this renderer creates. */
export const MANAGED_BY = "pulumi-docker";

/** Seconds `pulumi up` waits for a workload's health check: its probe budget plus `slack`. */
export function readyTimeoutSeconds(w: WorkloadSpec, slack: number): number {
  return startWindowSeconds(w) + slack;
}

/** Container names of a workload: `<lab>-<workload>`, or `-<i>` per replica. */
export function containerNames(lab: string, w: WorkloadSpec): string[] {
  if (w.replicas === 1) return [`${lab}-${w.name}`];
  return Array.from({ length: w.replicas }, (_, i) => `${lab}-${w.name}-${i}`);
}
