import { HOST_PORT_SLOTS, hostAddress, hostPort, intArg, secretNamesOf, SpecContext, urlOf } from "../core/context";
import { DEFAULT_PROBE_TIMING, EnvValue, portOf, resources, ServiceSpec, WorkloadSpec } from "../core/spec";
import { fromMebibytes, parseMemory } from "../core/units";

/** Arguments of a Dask cluster. */
export interface DaskArgs {
  /** Number of worker processes (one container each). @default 1 */
  readonly workers?: number;
  /** Threads per worker. @default 2 */
  readonly workerThreads?: number;
  /** Memory limit of each worker container; Dask's own limit is 85% of it. @default "512Mi" */
  readonly workerMemory?: string;
  /** Memory limit of the scheduler. @default "256Mi" */
  readonly schedulerMemory?: string;
}

/** A resolved Dask cluster. */
export interface DaskSpec extends ServiceSpec {
  /** `tcp://dask-scheduler:8786`. */
  readonly schedulerAddress: string;
  readonly hostSchedulerAddress?: string;
}

const SCHEDULER = "dask-scheduler";
const DASK_UID = 1004;

/** Applies Dask defaults, validates, and describes scheduler and workers. */
export function resolveDaskSpec(args: DaskArgs, ctx: SpecContext, workerEnv: Readonly<Record<string, EnvValue>> = {}): DaskSpec {
  const f = `${ctx.fieldPrefix}.dask`;
  const workers = intArg(`${f}.workers`, args.workers, 1, 1, 8);
  const threads = intArg(`${f}.workerThreads`, args.workerThreads, 2, 1, 16);
  const workerMemory = parseMemory(`${f}.workerMemory`, args.workerMemory ?? "512Mi");
  const schedulerMemory = parseMemory(`${f}.schedulerMemory`, args.schedulerMemory ?? "256Mi");
  const schedulerAddress = `tcp://${SCHEDULER}:8786`;
  const timing = { ...DEFAULT_PROBE_TIMING, initialDelaySeconds: 3, periodSeconds: 3 };
  const scheduler: WorkloadSpec = {
    name: SCHEDULER,
    component: "scheduler",
    image: ctx.images.dask,
    command: ["dask", "scheduler", "--host", "0.0.0.0", "--port", "8786", "--dashboard-address", ":8787"],
    env: { MALLOC_TRIM_THRESHOLD_: "65536" },
    ports: [
      { name: "scheduler", port: 8786, hostPort: hostPort(ctx, HOST_PORT_SLOTS.daskScheduler) },
      { name: "dashboard", port: 8787, hostPort: hostPort(ctx, HOST_PORT_SLOTS.daskDashboard), ui: "http", uiPath: "/status" },
    ],
    volumes: [],
    readiness: { kind: "http", port: 8787, path: "/health" },
    liveness: { kind: "tcp", port: 8786 },
    probeTiming: timing,
    resources: resources(100, 1000, fromMebibytes(128), schedulerMemory),
    replicas: 1,
    stateful: false,
    runAsUser: DASK_UID,
    terminationGraceSeconds: 10,
    awaits: [],
  };
  const worker: WorkloadSpec = {
    name: "dask-worker",
    component: "worker",
    image: ctx.images.dask,
    command: [
      "dask", "worker", schedulerAddress,
      "--nworkers", "1",
      "--nthreads", String(threads),
      "--memory-limit", String(Math.floor(workerMemory * 0.85)),
      "--dashboard-address", ":8789",
      "--local-directory", "/tmp/dask-worker-space",
    ],
    env: { MALLOC_TRIM_THRESHOLD_: "65536", ...workerEnv },
    ports: [{ name: "dashboard", port: 8789 }],
    volumes: [],
    readiness: { kind: "http", port: 8789, path: "/health" },
    liveness: { kind: "tcp", port: 8789 },
    probeTiming: timing,
    resources: resources(200, 1000, fromMebibytes(192), workerMemory),
    replicas: workers,
    stateful: false,
    runAsUser: DASK_UID,
    terminationGraceSeconds: 10,
    // It connects to the scheduler.
    awaits: [portOf(scheduler, "scheduler")],
  };
  const hostSched = hostAddress(scheduler.ports[0]!.hostPort);
  return {
    service: "dask",
    app: "dask",
    version: "2026",
    workloads: [scheduler, worker],
    secretNames: secretNamesOf([scheduler, worker]),
    endpoints: [
      { name: "scheduler", inLab: schedulerAddress, host: hostSched?.replace(/^/, "tcp://"), ui: false },
      { name: "dashboard", inLab: `http://${SCHEDULER}:8787/status`, host: urlOf(scheduler.ports[1]!.hostPort, "/status"), ui: true },
    ],
    schedulerAddress,
    ...(hostSched ? { hostSchedulerAddress: `tcp://${hostSched}` } : {}),
  };
}
