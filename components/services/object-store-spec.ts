import { HOST_PORT_SLOTS, hostPort, secretNamesOf, SpecContext, urlOf } from "../core/context";
import { LabConfigError } from "../core/errors";
import { DEFAULT_PROBE_TIMING, EnvValue, resources, ServiceSpec, WorkloadSpec } from "../core/spec";
import { fromMebibytes, mebibytes, parseMemory } from "../core/units";

/** Arguments of the lab's S3-compatible object store (MinIO). */
export interface ObjectStoreArgs {
  /** Buckets created at start. @default the module's buckets */
  readonly buckets?: readonly string[];
  /**
   * Access key of the root user. @default generated per lab (like the secret
   * key), so no two labs share a user
   */
  readonly accessKey?: string;
  /** Size of the data volume. @default "5Gi" */
  readonly storage?: string;
  /** Memory limit; MinIO's Go heap is held just under it. @default "384Mi" */
  readonly memory?: string;
}

/** Secret names the object store's env refers to. */
export const OBJECT_STORE_SECRET = "s3-secret-key";
/** The generated access key, when none is configured. */
export const OBJECT_STORE_ACCESS_SECRET = "s3-access-key";

/** A resolved object store. */
export interface ObjectStoreSpec extends ServiceSpec {
  /** `http://minio:9000`. */
  readonly endpoint: string;
  /** The configured access key, or a reference to the generated one. */
  readonly accessKey: EnvValue;
  readonly buckets: readonly string[];
  /** Env that gives S3 clients (boto3, s3fs, S3A) the endpoint and credentials. */
  readonly clientEnv: Readonly<Record<string, EnvValue>>;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Applies defaults, validates bucket names and describes MinIO. */
export function resolveObjectStoreSpec(args: ObjectStoreArgs, ctx: SpecContext, moduleBuckets: readonly string[]): ObjectStoreSpec {
  const f = `${ctx.fieldPrefix}.objectStore`;
  const buckets = [...(args.buckets ?? moduleBuckets)];
  if (buckets.length === 0) throw new LabConfigError(`${f}.buckets`, "is empty", "List at least one bucket, or remove it to use the module's buckets");
  for (const b of buckets) {
    if (!BUCKET.test(b)) throw new LabConfigError(`${f}.buckets`, `"${b}" is not a valid S3 bucket name`, "Use 3-63 lower-case letters, digits, '.' and '-'");
  }
  if (args.accessKey !== undefined && !/^[A-Za-z0-9]{3,20}$/.test(args.accessKey)) {
    throw new LabConfigError(`${f}.accessKey`, `"${args.accessKey}" is not usable as a MinIO user`, "Use 3-20 letters and digits");
  }
  const accessKey: EnvValue = args.accessKey ?? { secret: OBJECT_STORE_ACCESS_SECRET };
  const memory = parseMemory(`${f}.memory`, args.memory ?? "384Mi");
  if (memory < fromMebibytes(256)) throw new LabConfigError(`${f}.memory`, "is under MinIO's 256Mi floor", 'Set at least "256Mi"');
  const storage = parseMemory(`${f}.storage`, args.storage ?? "5Gi");
  const endpoint = "http://minio:9000";
  const workload: WorkloadSpec = {
    name: "minio",
    component: "server",
    image: ctx.images.minio,
    command: ["minio-entrypoint"],
    env: {
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: { secret: OBJECT_STORE_SECRET },
      MINIO_BUCKETS: buckets.join(","),
      MINIO_BROWSER_REDIRECT: "false",
      GOMEMLIMIT: `${Math.floor(mebibytes(memory) * 0.8)}MiB`,
    },
    ports: [
      { name: "api", port: 9000, hostPort: hostPort(ctx, HOST_PORT_SLOTS.minioApi) },
      { name: "console", port: 9001, hostPort: hostPort(ctx, HOST_PORT_SLOTS.minioConsole), ui: "http" },
    ],
    volumes: [{ name: "data", mountPath: "/data", sizeBytes: storage }],
    // Ready only once its buckets exist: the entrypoint creates them after the server answers.
    readiness: { kind: "exec", command: ["minio-ready"] },
    liveness: { kind: "http", port: 9000, path: "/minio/health/live" },
    probeTiming: { ...DEFAULT_PROBE_TIMING, initialDelaySeconds: 2, periodSeconds: 3 },
    resources: resources(100, 1000, fromMebibytes(192), memory),
    replicas: 1,
    stateful: true,
    runAsUser: 1003,
    terminationGraceSeconds: 10,
    awaits: [],
  };
  return {
    service: "minio",
    app: "minio",
    version: "2026",
    workloads: [workload],
    secretNames: secretNamesOf([workload]),
    endpoints: [
      { name: "s3", inLab: endpoint, host: urlOf(workload.ports[0]!.hostPort), ui: false },
      { name: "console", inLab: "http://minio:9001", host: urlOf(workload.ports[1]!.hostPort), ui: true },
    ],
    endpoint,
    accessKey,
    buckets,
    clientEnv: {
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: { secret: OBJECT_STORE_SECRET },
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      S3_ENDPOINT: endpoint,
    },
  };
}
