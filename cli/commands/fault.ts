/**
 * `labctl fault <module> <what> [--recover]`: guided fault injection. Kills
 * one process of a running lab (a Spark worker, the Kafka broker, the HDFS
 * DataNode, a Dask worker, MinIO) and says what the student should see;
 * `--recover` brings it back and waits until it is ready again.
 *
 * On Docker the container is killed (`docker kill`): Docker treats that as a
 * stop by hand, so its `unless-stopped` restart policy does not start it
 * again and the fault lasts until `--recover` starts it. On Kubernetes the
 * pod is deleted and its controller starts a new one; `--recover` waits
 * until it is ready.
 *
 * It acts on what was stood up: the lab, its plan and its cluster are read
 * from the module's stack ({@link readStack}), never re-derived.
 */
import { execFile } from "child_process";
import { parseArgs, promisify } from "util";
import { Target } from "../../components/config/schema";
import { WorkloadSpec } from "../../components/core/spec";
import { ModuleId, MODULES } from "../../components/lab/modules";
import { containerNames, readyTimeoutSeconds } from "../../components/platform/docker/naming";
import { openLabStack, stackName } from "../../lab-workloads/access/automation";
import { containerState } from "../../lab-workloads/access/docker-host";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { CoreV1Api } from "@kubernetes/client-node";
import { apiStatus, loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { answering, KubeTarget } from "../../lab-workloads/access/kube-host";
import { resolveModule, resolveTarget } from "../command-args";
import { planOfLab, readStack } from "../../lab-workloads/access/stack-lab";
import { Io } from "./shared";

const run = promisify(execFile);

/** A fault a student can inject: which service's workload, and what it does to the lab. */
interface FaultKind {
  readonly service: string;
  /** Picks the workload of the service (e.g. the worker, not the master). */
  readonly workload: RegExp;
  readonly label: string;
  /** What the student should observe while it is down, given the lab's UIs. */
  observe(uis: Readonly<Record<string, string>>): string;
  /** What happens once it is back. */
  readonly after: string;
}

const ui = (uis: Readonly<Record<string, string>>, key: string, what: string) => (uis[key] ? `${what} (${uis[key]})` : what);

/** The faults, by the name given on the command line. */
export const FAULTS: Readonly<Record<string, FaultKind>> = {
  "spark-worker": {
    service: "spark",
    workload: /^spark-worker/,
    label: "the Spark worker",
    observe: (u) => `${ui(u, "spark.ui", "the Spark master UI")} lists the worker as DEAD and 0 cores free; a running job keeps waiting for executors (its stages do not fail)`,
    after: "the worker registers again, the application gets a new executor and the lost tasks are run again",
  },
  kafka: {
    service: "kafka",
    workload: /^kafka-0$/,
    label: "the Kafka broker",
    // Seen in test:reliability: on Docker the name kafka-0 stops resolving while the container is down.
    observe: () =>
      'producers and consumers log connection errors to kafka-0:19092 (127.0.0.1 from your machine); on Docker the name kafka-0 stops resolving while the broker is down, so a Structured Streaming query fails with "No resolvable bootstrap urls" and labctl check names the broker in its FAIL lines',
    after: "the broker reloads its log from its volume; consumers resume from their committed offsets, no record is lost",
  },
  datanode: {
    service: "hdfs",
    workload: /datanode/,
    label: "the HDFS DataNode",
    observe: (u) => `reads fail with "Could not obtain block" and writes with "could only be written to 0 of the 1 minReplication nodes"; ${ui(u, "hdfs.ui", "the NameNode UI")} marks the node dead after its heartbeat timeout`,
    after: "the DataNode reports its blocks from its volume and reads succeed again",
  },
  "dask-worker": {
    service: "dask",
    workload: /worker/,
    label: "a Dask worker",
    observe: (u) => `${ui(u, "dask.dashboard", "the Dask dashboard")} (Workers) shows one worker fewer; the scheduler moves that worker's tasks to the others and recomputes what it held`,
    after: "the worker connects to the scheduler again and takes new tasks",
  },
  minio: {
    service: "minio",
    workload: /./,
    label: "MinIO",
    observe: (u) => `S3 calls (s3a:// in Spark, boto3, pandas) fail with connection refused and ${ui(u, "minio.console", "the MinIO console")} does not answer`,
    after: "MinIO serves the same buckets and objects from its volume",
  },
};

/** Other spellings accepted on the command line. */
const ALIASES: Readonly<Record<string, string>> = {
  worker: "spark-worker",
  "kafka-broker": "kafka",
  broker: "kafka",
  "hdfs-datanode": "datanode",
  s3: "minio",
};

/** Options of `labctl fault`. */
export interface FaultOptions {
  readonly module: ModuleId;
  /** @default "docker" */
  readonly target: Target;
  /** A key of {@link FAULTS} or an alias. */
  readonly what: string;
  /** Bring it back (and wait until ready) instead of killing it. @default false */
  readonly recover: boolean;
  readonly json: boolean;
}

/** Parses `fault` arguments; every problem is a one-line {@link UserError} (exit 2). */
export function parseFaultArgs(argv: readonly string[]): FaultOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { target: { type: "string" }, recover: { type: "boolean", default: false }, json: { type: "boolean", default: false }, debug: { type: "boolean", default: false } },
  });
  const [moduleArg, what, ...rest] = positionals;
  const module = resolveModule(moduleArg);
  if (!what) throw new UserError(`fault: say what to break: ${Object.keys(FAULTS).join(", ")} (e.g. labctl fault ${module} spark-worker)`);
  if (rest.length > 0) throw new UserError(`fault: unexpected argument "${rest[0]}"; use labctl fault <module> <what> [--recover]`);
  return { module, what, target: resolveTarget(values.target), recover: values.recover, json: values.json };
}

/** `labctl fault ...`: arguments after the word `fault`. */
export function faultCommand(argv: readonly string[], io: Io): Promise<number> {
  return fault(parseFaultArgs(argv), io);
}

/** The fault kind named `what` that the module's lab can have, or a one-line error listing those it can. */
export function faultFor(what: string, services: readonly string[], module: ModuleId): { key: string; kind: FaultKind } {
  const key = ALIASES[what] ?? what;
  const possible = Object.entries(FAULTS).filter(([, f]) => services.includes(f.service)).map(([k]) => k);
  const kind = FAULTS[key];
  if (!kind) throw new UserError(`fault: unknown fault "${what}"; use one of module ${module}'s: ${possible.join(", ")}`);
  if (!services.includes(kind.service)) throw new UserError(`fault: module ${module}'s lab has no ${kind.service}; use one of its faults: ${possible.join(", ")}`);
  return { key, kind };
}

/** Injects or recovers a fault in the module's running lab. */
export async function fault(opts: FaultOptions, io: Io): Promise<number> {
  // A fault the module cannot have is refused before the stack is read.
  faultFor(opts.what, Object.keys(MODULES[opts.module].services).map((s) => (s === "objectStore" ? "minio" : s)), opts.module);
  const stood = await readStack(await openLabStack({ module: opts.module, target: opts.target }));
  const lab = Object.keys(stood.labs)[0];
  if (!lab) throw new UserError(`fault: no lab of module ${opts.module} is running on ${opts.target} (stack ${stackName(opts.module, opts.target)}); start it with labctl up ${opts.module}`);
  const plan = planOfLab(stood.cfg, lab);
  const { key, kind } = faultFor(opts.what, plan.specs.map((s) => s.service), opts.module);
  const spec = plan.specs.find((s) => s.service === kind.service)!;
  const w = spec.workloads.find((x) => kind.workload.test(x.name));
  if (!w) throw new UserError(`fault: ${kind.service} of lab ${lab} has no workload for ${key}`);
  const uis = stood.labs[lab]!.uis ?? {};
  const t0 = Date.now();
  const done = (action: string, what: string) => {
    const seconds = (Date.now() - t0) / 1000;
    if (opts.json) io.out(JSON.stringify({ lab, module: opts.module, target: opts.target, fault: key, action, workload: w.name, seconds }));
    else io.out(what);
    return EXIT.ok;
  };
  if (stood.cfg.target === "docker") {
    const container = containerNames(lab, w)[0]!;
    if (opts.recover) {
      const before = await containerState(container);
      if (before === "missing") throw new UserError(`fault: container ${container} is gone; run labctl up ${opts.module} to recreate it`, EXIT.failed);
      if (!before.startsWith("running")) await run("docker", ["start", container]);
      await waitDockerHealthy(container, readyTimeoutSeconds(w, 60));
      return done("recovered", `${kind.label} (${container}) is back and healthy after ${((Date.now() - t0) / 1000).toFixed(0)}s: ${kind.after}.`);
    }
    const state = await containerState(container);
    if (!state.startsWith("running")) throw new UserError(`fault: ${container} is not running (${state}); bring it back with labctl fault ${opts.module} ${key} --recover`);
    await run("docker", ["kill", container]);
    return done("injected", `Killed ${kind.label} (${container}). Observe: ${kind.observe(uis)}. It stays down until: labctl fault ${opts.module} ${key} --recover`);
  }
  const kube: KubeTarget = stood.kube ?? {};
  const selector = `bigdata-labs.io/workload=${w.name}`;
  if (opts.recover) {
    await waitKubeReady(kube, lab, selector, w, readyTimeoutSeconds(w, 120));
    return done("recovered", `${kind.label} (${w.name} in namespace ${lab}) is ready after ${((Date.now() - t0) / 1000).toFixed(0)}s: ${kind.after}.`);
  }
  const pods = await kubePods(kube, lab, selector);
  const victim = pods.find((p) => p.ready) ?? pods[0];
  if (!victim) throw new UserError(`fault: no pod of ${w.name} in namespace ${lab}; wait for it with labctl fault ${opts.module} ${key} --recover`);
  await answering(loadKubeConfig(kube).makeApiClient(CoreV1Api).deleteNamespacedPod({ name: victim.name, namespace: lab, gracePeriodSeconds: 1 })).catch((err: unknown) => {
    if (apiStatus(err) !== 404) throw err; // already gone: its controller is starting a new one
  });
  return done(
    "injected",
    `Deleted pod ${victim.name} (${kind.label}); its ${w.stateful ? "StatefulSet" : "Deployment"} starts a new one (kubectl -n ${lab} get pods -w). Observe until it is ready: ${kind.observe(uis)}. Wait for it: labctl fault ${opts.module} ${key} --target kubernetes --recover`,
  );
}

/** Polls a container until its health check passes; one line when it does not in time. */
async function waitDockerHealthy(container: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let state = await containerState(container);
  while (state !== "running/healthy" && Date.now() < deadline) {
    if (state.startsWith("exited")) throw new UserError(`fault: ${container} exited while starting; see docker logs ${container}`, EXIT.failed);
    await new Promise((r) => setTimeout(r, 1000));
    state = await containerState(container);
  }
  if (state !== "running/healthy") throw new UserError(`fault: ${container} is ${state} after ${seconds}s; see docker logs ${container}`, EXIT.failed);
}

/** A pod of a workload: ready, or being deleted. */
interface PodState {
  readonly name: string;
  readonly ready: boolean;
  readonly terminating: boolean;
}

async function kubePods(kube: KubeTarget, namespace: string, selector: string): Promise<PodState[]> {
  const list = await answering(loadKubeConfig(kube).makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: selector }));
  return list.items.map((p) => ({
    name: p.metadata?.name ?? "?",
    terminating: p.metadata?.deletionTimestamp !== undefined,
    ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  }));
}

/** Waits until every replica of a workload has a ready pod and no pod of it is being deleted. */
async function waitKubeReady(kube: KubeTarget, namespace: string, selector: string, w: WorkloadSpec, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const pods = await kubePods(kube, namespace, selector);
    const ready = pods.filter((p) => p.ready && !p.terminating);
    if (ready.length >= w.replicas && !pods.some((p) => p.terminating)) return;
    if (Date.now() > deadline) throw new UserError(`fault: ${w.name} has ${ready.length} of ${w.replicas} pods ready after ${seconds}s; see kubectl -n ${namespace} describe pods -l ${selector}`, EXIT.failed);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
