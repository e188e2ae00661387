/**
 * A lab's health without running anything in it: pod readiness on
 * Kubernetes, Docker's own health checks (the readiness probes) on Docker.
 * Fast enough for every `status`; the functional probes are `--deep`.
 */
import type { KubeConfig, V1Pod } from "@kubernetes/client-node";
import { execFile } from "child_process";
import { promisify } from "util";
import { LabPlan } from "../components/lab/plan";
import { containerNames } from "../components/platform/docker/naming";
import { ServiceState, ServiceStatus } from "./class/grid";
import type { KubeTarget } from "../lab-workloads/access/kube-client";

const run = promisify(execFile);

/** A workload as one list of pods and its controller's replicas show it. */
export interface WorkloadView {
  readonly name: string;
  /** The StatefulSet's or Deployment's `spec.replicas`; undefined when there is no controller. */
  readonly desired: number | undefined;
  /** Pods labelled `bigdata-labs.io/workload=<name>`. */
  readonly pods: readonly V1Pod[];
}

export const podReady = (p: V1Pod) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp && (p.status.containerStatuses ?? []).length > 0 && p.status.containerStatuses!.every((c) => c.ready);

/** Why a pod is not ready, in a few words (`CrashLoopBackOff`, `Pending: 0/1 nodes are available...`). */
function notReadyReason(p: V1Pod): string {
  const cs = (p.status?.containerStatuses ?? []).find((c) => !c.ready);
  const waiting = cs?.state?.waiting;
  if (waiting?.reason) return waiting.reason;
  const term = cs?.state?.terminated ?? cs?.lastState?.terminated;
  if (term?.reason) return `${term.reason} (exit ${term.exitCode})`;
  const unschedulable = p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (unschedulable) return `${p.status?.phase ?? "Pending"}: ${(unschedulable.message ?? unschedulable.reason ?? "").slice(0, 120)}`;
  return p.status?.phase === "Running" ? "not ready" : (p.status?.phase ?? "unknown phase");
}

/** A workload's state from its pods (pure): asleep at 0 replicas, ok when enough pods are ready. */
export function workloadState(w: WorkloadView): ServiceStatus {
  if (w.desired === undefined) return { state: "failing", detail: `${w.name}: no StatefulSet or Deployment` };
  if (w.desired === 0) return { state: "asleep" };
  const ready = w.pods.filter(podReady).length;
  if (ready >= w.desired) return { state: "ok" };
  const bad = w.pods.find((p) => !podReady(p));
  return { state: "failing", detail: `${w.name}: ${ready}/${w.desired} ready${bad ? `, ${notReadyReason(bad)}` : ", no pod"}` };
}

const WORST: ServiceState[] = ["failing", "unknown", "expired", "asleep", "ok"];

/** A service's state from its workloads' (pure): the worst one, with every problem's detail. */
export function serviceState(states: readonly ServiceStatus[]): ServiceStatus {
  const state = WORST.find((s) => states.some((x) => x.state === s)) ?? "unknown";
  const details = states.filter((x) => x.state === state && x.detail).map((x) => x.detail!);
  return { state, ...(details.length > 0 ? { detail: details.join("; ") } : {}) };
}

/** A lab namespace's pods and every service's state, from one list of pods and controllers. */
export async function readKubeLab(kc: KubeConfig, namespace: string, plan: LabPlan): Promise<{ pods: V1Pod[]; services: Map<string, ServiceStatus> }> {
  // Loaded for a Kubernetes lab only: @kubernetes/client-node takes 0.3 s to load, which every command on a Docker lab would pay.
  const { AppsV1Api, CoreV1Api } = await import("@kubernetes/client-node");
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const [pods, sets, deps] = await Promise.all([core.listNamespacedPod({ namespace }), apps.listNamespacedStatefulSet({ namespace }), apps.listNamespacedDeployment({ namespace })]);
  const replicas = new Map<string, number>();
  for (const x of [...sets.items, ...deps.items]) if (x.metadata?.name) replicas.set(x.metadata.name, x.spec?.replicas ?? 1);
  const services = new Map(
    plan.specs.map((spec) => [
      spec.service,
      serviceState(spec.workloads.map((w) => workloadState({ name: w.name, desired: replicas.get(w.name), pods: pods.items.filter((p) => p.metadata?.labels?.["bigdata-labs.io/workload"] === w.name) }))),
    ]),
  );
  return { pods: pods.items, services };
}

/** Every service's state on Kubernetes. */
export async function kubeHealth(t: KubeTarget, namespace: string, plan: LabPlan): Promise<Map<string, ServiceStatus>> {
  const { loadKubeConfig } = await import("../lab-workloads/access/kube-client");
  return (await readKubeLab(loadKubeConfig(t), namespace, plan)).services;
}

/** A container's state as `docker inspect` reports it: `running|healthy`, `exited|`, ... */
export function containerStatus(name: string, state: string | undefined): ServiceStatus {
  if (state === undefined) return { state: "failing", detail: `${name}: no such container` };
  const [status, health] = state.split("|");
  if (status === "running" && (health === "healthy" || health === "")) return { state: "ok" };
  return { state: "failing", detail: `${name}: ${status}${health ? `, ${health}` : ""}` };
}

/** Every service's state on Docker, from one `docker inspect` of the lab's containers. */
export async function dockerHealth(lab: string, plan: LabPlan): Promise<Map<string, ServiceStatus>> {
  const names = plan.specs.flatMap((s) => s.workloads.flatMap((w) => containerNames(lab, w)));
  const states = new Map<string, string>();
  // One call for all; missing containers make docker exit 1 but it still prints the others.
  const r = await run("docker", ["inspect", "--format", "{{.Name}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}", ...names]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
  for (const line of r.stdout.split("\n").filter(Boolean)) {
    const [name, ...rest] = line.replace(/^\//, "").split("|");
    states.set(name!, rest.join("|"));
  }
  return new Map(plan.specs.map((spec) => [spec.service, serviceState(spec.workloads.flatMap((w) => containerNames(lab, w)).map((n) => containerStatus(n, states.get(n))))]));
}
