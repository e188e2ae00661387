import * as pulumi from "@pulumi/pulumi";
import { ResourceSpec, ServiceSpec } from "../core/spec";

/** The targets a lab can be rendered on. */
export type TargetKind = "docker" | "kubernetes";

/** What a platform needs to open a lab. */
export interface LabScopeArgs {
  /** Lab name: Docker network and container prefix, or Kubernetes namespace. */
  readonly lab: string;
  /** Course module number (1–5), recorded in labels. */
  readonly module: number;
  /** Sum of the lab's requests and limits (becomes a ResourceQuota on Kubernetes). */
  readonly totals: ResourceSpec;
  /** The student whose lab this is, in a class. @default none */
  readonly student?: string;
}

/** Secret values a service's env refers to, by secret name. */
export type SecretValues = Readonly<Record<string, pulumi.Input<string>>>;

/** Options for rendering one service. */
export interface RenderOptions {
  /** The component that owns the rendered resources. */
  readonly parent: pulumi.Resource;
  /** Resources (other services) that must be ready first. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** What rendering a service produced. */
export interface RenderedService {
  /** The resources that are ready when the service is (what dependents wait on). */
  readonly ready: pulumi.Resource[];
}

/** An opened lab on one platform: renders services into it. */
export interface LabScope {
  readonly target: TargetKind;
  readonly lab: string;
  /** Docker network name or Kubernetes namespace name. */
  readonly location: pulumi.Output<string>;
  /** A kubeconfig that reaches only this lab, for its student (a class on Kubernetes), a secret. */
  readonly studentKubeconfig?: pulumi.Output<string>;
  /** Turns a neutral service spec into the platform's resources. */
  render(spec: ServiceSpec, secrets: SecretValues, opts: RenderOptions): RenderedService;
}

/** A place labs run: local Docker or a Kubernetes cluster. */
export interface Platform {
  readonly target: TargetKind;
  /** Creates the lab's own resources (network or namespace) under `parent`. */
  openLab(args: LabScopeArgs, parent: pulumi.Resource): LabScope;
}

/** Label keys shared by both platforms. */
export const LABEL = {
  lab: "io.bigdata-labs.lab",
  module: "io.bigdata-labs.module",
  service: "io.bigdata-labs.service",
  workload: "io.bigdata-labs.workload",
  managedBy: "io.bigdata-labs.managed-by",
} as const;

/**
 * Checks rules every platform relies on: unique workload names, no host port
 * on a replicated workload (two copies cannot publish one port), no workload
 * awaiting a port of its own (it would wait for itself forever).
 */
export function checkRenderable(spec: ServiceSpec): void {
  const names = new Set<string>();
  for (const w of spec.workloads) {
    if (names.has(w.name)) throw new Error(`${spec.service}: workload name ${w.name} is used twice`);
    names.add(w.name);
    if (w.replicas > 1 && w.ports.some((p) => p.hostPort !== undefined)) {
      throw new Error(`${spec.service}: workload ${w.name} has ${w.replicas} replicas and a host port; only single-replica workloads can publish ports`);
    }
    if (w.awaits.some((a) => a.host === w.name)) throw new Error(`${spec.service}: workload ${w.name} awaits a port of its own`);
  }
}
