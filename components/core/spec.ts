/**
 * The neutral description of a lab service. Every service (Spark, Kafka, ...)
 * is resolved into these plain data types by a pure `resolve…Spec` function;
 * a platform renderer (Docker or Kubernetes) turns them into resources. No
 * type here knows which platform it will run on.
 */

/** An environment value: a literal, or a key of the service's secrets. */
export type EnvValue = string | { readonly secret: string };

/** A port a workload listens on. */
export interface PortSpec {
  /** Short name, unique in the workload (`ui`, `rpc`, `external`). */
  readonly name: string;
  /** Port inside the container. */
  readonly port: number;
  /**
   * Port on the student's machine (published on 127.0.0.1 by Docker, a
   * NodePort on Kubernetes); absent for in-lab-only ports.
   */
  readonly hostPort?: number;
  /** Scheme for a browser URL when the port is a web UI (`http`). */
  readonly ui?: "http";
  /** Path to append to a UI URL. @default "/" */
  readonly uiPath?: string;
}

/** A persistent volume mounted into a workload. */
export interface VolumeSpec {
  /** Short name, unique in the workload (`data`). */
  readonly name: string;
  readonly mountPath: string;
  /** Requested size in bytes (PVC size on Kubernetes; Docker ignores it). */
  readonly sizeBytes: number;
}

/**
 * A file a workload is given read-only at start (a starter notebook). The
 * platform puts every seed file of a workload in {@link WorkloadSpec.seedFiles}
 * `mountPath` (Docker: uploaded into the container; Kubernetes: a ConfigMap
 * volume); the workload's command decides what to do with them.
 */
export interface SeedFileSpec {
  /** File name, no directories (`01-rdds.ipynb`); also a ConfigMap key. */
  readonly name: string;
  /** UTF-8 text of the file. */
  readonly content: string;
}

/** The seed files of a workload and where the platform puts them. */
export interface SeedFilesSpec {
  /** Read-only directory the files appear in (`/opt/bigdata-labs/seed`). */
  readonly mountPath: string;
  readonly files: readonly SeedFileSpec[];
}

/** How a platform decides that a workload is ready or alive. */
export type ProbeSpec =
  | { readonly kind: "http"; readonly port: number; readonly path: string }
  | { readonly kind: "tcp"; readonly port: number }
  | { readonly kind: "exec"; readonly command: readonly string[] };

/** Probe timing shared by readiness and liveness. */
export interface ProbeTiming {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/** CPU in millicores and memory in bytes, requested and limited. */
export interface ResourceSpec {
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestBytes: number;
  readonly memoryLimitBytes: number;
}

/** A TCP port another process of the lab listens on, by the host name it has in the lab. */
export interface AwaitSpec {
  /** Host name in the lab: a workload's name, or another service's host. */
  readonly host: string;
  readonly port: number;
}

/**
 * One kind of process of a service: a Spark master, the Spark workers, one
 * Kafka broker. `name` is also its host name inside the lab: Docker gives the
 * container that network alias and Kubernetes a headless Service of that
 * name, so `name` always resolves to the workload itself.
 */
export interface WorkloadSpec {
  /** DNS label, unique in the lab: `spark-master`, `kafka-0`. */
  readonly name: string;
  /** `app.kubernetes.io/component` value: `master`, `worker`, `broker`. */
  readonly component: string;
  /** Full image reference. */
  readonly image: string;
  /** Replaces the image's command (Docker `Cmd`, Kubernetes `args`). */
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly ports: readonly PortSpec[];
  readonly volumes: readonly VolumeSpec[];
  readonly readiness: ProbeSpec;
  readonly liveness?: ProbeSpec;
  readonly probeTiming: ProbeTiming;
  readonly resources: ResourceSpec;
  /** Identical copies; stateful workloads with an identity use 1 and one workload per member. */
  readonly replicas: number;
  /** Keeps data and identity across restarts (StatefulSet vs Deployment). */
  readonly stateful: boolean;
  /** Numeric user the process runs as (also owns the volumes). */
  readonly runAsUser: number;
  /** Seconds a process gets to stop before it is killed. @default 30 */
  readonly terminationGraceSeconds: number;
  /**
   * Ports this workload's process needs before it starts (the Spark worker
   * needs the master's RPC port). The container waits for them itself
   * ({@link launchCommand}), so platforms create every workload at once and
   * no start waits for another container's health-check tick. Empty for a
   * workload that needs nothing first.
   */
  readonly awaits: readonly AwaitSpec[];
  /** Files put read-only into the container at start. @default none */
  readonly seedFiles?: SeedFilesSpec;
}

/** A whole service: its workloads and the endpoints it offers. */
export interface ServiceSpec {
  /** Service name in the lab: `spark`, `kafka`, `hdfs`, `minio`, `dask`, `workspace`. */
  readonly service: string;
  /** `app.kubernetes.io/name` value, e.g. `spark`. */
  readonly app: string;
  /** Version shown in labels (`app.kubernetes.io/version`). */
  readonly version: string;
  readonly workloads: readonly WorkloadSpec[];
  /** Names of the secrets its env refers to. */
  readonly secretNames: readonly string[];
  readonly endpoints: readonly EndpointSpec[];
}

/** A named address a user or another service connects to. */
export interface EndpointSpec {
  /** Key in the stack outputs (`master`, `ui`, `bootstrap`). */
  readonly name: string;
  /** Address inside the lab network (`spark://spark-master:7077`). */
  readonly inLab: string;
  /** Address from the student's machine, if the port is exposed there. */
  readonly host?: string;
  /** True for web UIs a browser opens. */
  readonly ui: boolean;
}

/** Default probe timing: quick first check, ~2 minutes of failures allowed. */
export const DEFAULT_PROBE_TIMING: ProbeTiming = {
  initialDelaySeconds: 5,
  periodSeconds: 5,
  timeoutSeconds: 3,
  failureThreshold: 24,
};

/** Sum of the resources of every replica of every workload. */
export function totalResources(specs: readonly ServiceSpec[]): ResourceSpec {
  let cpuRequestMillis = 0;
  let cpuLimitMillis = 0;
  let memoryRequestBytes = 0;
  let memoryLimitBytes = 0;
  for (const s of specs) {
    for (const w of s.workloads) {
      cpuRequestMillis += w.resources.cpuRequestMillis * w.replicas;
      cpuLimitMillis += w.resources.cpuLimitMillis * w.replicas;
      memoryRequestBytes += w.resources.memoryRequestBytes * w.replicas;
      memoryLimitBytes += w.resources.memoryLimitBytes * w.replicas;
    }
  }
  return { cpuRequestMillis, cpuLimitMillis, memoryRequestBytes, memoryLimitBytes };
}

/** Builds a {@link ResourceSpec} from CPU millicores and memory bytes. */
export function resources(cpuRequestMillis: number, cpuLimitMillis: number, memoryRequestBytes: number, memoryLimitBytes: number): ResourceSpec {
  return { cpuRequestMillis, cpuLimitMillis, memoryRequestBytes, memoryLimitBytes };
}

/** A port of `w`, by its name in `w.ports`, as something another workload can await. */
export function portOf(w: Pick<WorkloadSpec, "name" | "ports">, portName: string): AwaitSpec {
  const p = w.ports.find((x) => x.name === portName);
  if (!p) throw new Error(`workload ${w.name} has no port named ${portName}`);
  return { host: w.name, port: p.port };
}

/** A URL's host and port (its scheme's default when it names none), as something a workload can await. */
export function urlEndpoint(url: string): AwaitSpec {
  const u = new URL(url);
  return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80 };
}

/**
 * Waits until every `host:port` argument accepts a TCP connection (0.25 s
 * between tries, a name that does not resolve yet counts as closed), then
 * runs the command after `--`. Run by bash, which every lab image has.
 */
const AWAIT_SCRIPT = [
  'answers() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }',
  'while [ "$1" != -- ]; do',
  '  if ! answers "$1"; then',
  '    echo "waiting for $1" >&2',
  '    until answers "$1"; do sleep 0.25; done',
  "  fi",
  "  shift",
  "done",
  "shift",
  'exec "$@"',
].join("\n");

/**
 * The command a platform runs for `w`: its own command, or with
 * `w.awaits`, that command started by a bash loop once each awaited port
 * accepts connections. The image's entrypoint (tini) still runs first.
 */
export function launchCommand(w: Pick<WorkloadSpec, "command" | "awaits">): string[] {
  if (w.awaits.length === 0) return [...w.command];
  return ["bash", "-c", AWAIT_SCRIPT, "labs-await", ...w.awaits.map((a) => `${a.host}:${a.port}`), "--", ...w.command];
}
