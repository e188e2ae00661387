import { HOST_PORT_SLOTS, hostAddress, hostPort, intArg, secretNamesOf, SpecContext, urlOf } from "../core/context";
import { LabConfigError } from "../core/errors";
import { DEFAULT_PROBE_TIMING, EnvValue, portOf, resources, ServiceSpec, urlEndpoint, WorkloadSpec } from "../core/spec";
import { fromMebibytes, jvmSize, mebibytes, parseMemory } from "../core/units";

/** Arguments of a Spark standalone cluster. */
export interface SparkArgs {
  /** Number of workers. @default 1 */
  readonly workers?: number;
  /** CPU cores of each worker; each application gets this many task slots per worker (`spark.cores.max`). @default 2 */
  readonly workerCores?: number;
  /**
   * Applications that hold executors at the same time: a notebook session
   * and a `labctl check` job, or two notebooks, instead of the second one
   * waiting for the first to stop. Each worker offers `workerCores ×
   * applications` task slots (`--cores`) on its `workerCores` CPUs, so an
   * application alone still runs `workerCores` tasks at once, and two share
   * the CPUs. @default 2
   */
  readonly applications?: number;
  /**
   * Memory each worker offers to executors (`--memory`, never the host's
   * RAM); at least `applications × executorMemory`. @default room for
   * `applications` executors plus 128Mi ("1152Mi" with the other defaults)
   */
  readonly workerMemory?: string;
  /** Heap of the master and worker daemons (`SPARK_DAEMON_MEMORY`). @default "160m" */
  readonly daemonMemory?: string;
  /** Heap of each executor (`spark.executor.memory`); 450m to `workerMemory`. @default "512m" */
  readonly executorMemory?: string;
  /** Heap of a notebook or job driver (`spark.driver.memory`); Spark needs at least 450m. @default "512m" */
  readonly driverMemory?: string;
  /** Run a history server reading event logs from the lab's object store. @default false */
  readonly history?: boolean;
  /**
   * How drivers and executors compile: `"quick"` stops the JIT at its first
   * tier and uses the serial collector (`-XX:TieredStopAtLevel=1
   * -XX:+UseSerialGC`), which halves the CPU a lab-sized job spends on
   * compiling and collecting; `"full"` keeps the JVM's defaults, for long
   * jobs on large data. Set in spark-defaults.conf: a notebook's
   * `.config("spark.executor.extraJavaOptions", ...)` still wins; the
   * driver's options are fixed once its JVM runs (set them with `--conf` or
   * PYSPARK_SUBMIT_ARGS). @default "quick"
   */
  readonly jit?: SparkJit;
}

/** JIT settings of drivers and executors ({@link SparkArgs.jit}). */
export const SPARK_JIT = ["quick", "full"] as const;
export type SparkJit = (typeof SPARK_JIT)[number];

/** JVM options of drivers and executors for each {@link SparkJit}. */
export const SPARK_JIT_OPTIONS: Readonly<Record<SparkJit, string | undefined>> = {
  quick: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
  full: undefined,
};

/**
 * The class-data sharing archive the spark image builds (images/spark/cds): drivers and
 * executors put its classpath jar first and map the archive, which holds the ~20,000 classes a
 * lab job loads already parsed and verified (a third less CPU to start a driver, measured in
 * docs/measurements.md). The daemons get the same from the image's env. A JVM that does not
 * match the archive (another image or JDK, a heap over 32 GB) starts without it, as before.
 * `ArchiveRelocationMode=0` maps the archive at the address it was built for instead of a
 * random one, which this JDK would otherwise do by rewriting the whole archive into each JVM's
 * private memory (+130 MB a JVM). The address of class metadata is then predictable; these
 * JVMs run the students' own code by design, so that hardening guards nothing here.
 */
export const SPARK_CLASS_SHARING = {
  classPath: "/opt/spark/cds/classpath.jar",
  javaOptions: "-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:SharedArchiveFile=/opt/spark/cds/spark.jsa",
} as const;

/** The lab's S3 store as Spark sees it (from the object store spec). */
export interface S3Access {
  /** In-lab endpoint URL, e.g. `http://minio:9000`. */
  readonly endpoint: string;
  /** Bucket that holds Spark event logs when the history server is on. */
  readonly eventsBucket: string;
  /** Env that gives S3 credentials (AWS_ACCESS_KEY_ID, ...). */
  readonly env: Readonly<Record<string, EnvValue>>;
}

/** A resolved Spark cluster: the neutral spec plus what clients need. */
export interface SparkSpec extends ServiceSpec {
  /** `spark://spark-master:7077`. */
  readonly masterUrl: string;
  /**
   * `--conf` settings for a driver in client mode (a notebook or a job
   * container): master, memory, fixed driver ports executors connect back
   * to, a core cap so one idle session cannot take every core, and S3A.
   */
  readonly clientConf: Readonly<Record<string, string>>;
  /** Heap of a driver, for sizing the containers drivers run in. */
  readonly driverMemoryBytes: number;
  /**
   * Env for a client container: the master URL and its web UI, whose
   * `/json/` lists what each worker offers executors, so a client can refuse,
   * in one line, an executor request no worker can hold.
   */
  readonly clientEnv: Readonly<Record<string, string>>;
}

/** Driver ports executors connect back to (fixed, so they can be opened). */
export const SPARK_DRIVER_PORTS = { driver: 7078, blockManager: 7079, ui: 4040 } as const;

/** The smallest heap Spark accepts for a driver or an executor (1.5 × its 300 MiB reserve). */
export const SPARK_MIN_HEAP = 471_859_200;

/** Spark image version label. */
export const SPARK_VERSION_LABEL = "4";

const MASTER = "spark-master";
const SPARK_UID = 185;

/** Applies Spark defaults, validates, and describes the cluster as workloads. */
export function resolveSparkSpec(args: SparkArgs, ctx: SpecContext, s3?: S3Access): SparkSpec {
  const f = `${ctx.fieldPrefix}.spark`;
  const workers = intArg(`${f}.workers`, args.workers, 1, 1, 8);
  const cores = intArg(`${f}.workerCores`, args.workerCores, 2, 1, 16);
  const applications = intArg(`${f}.applications`, args.applications, 2, 1, 8);
  const daemon = parseMemory(`${f}.daemonMemory`, args.daemonMemory ?? "160m");
  const executor = parseMemory(`${f}.executorMemory`, args.executorMemory ?? "512m");
  const driver = parseMemory(`${f}.driverMemory`, args.driverMemory ?? "512m");
  const workerMemory = args.workerMemory === undefined
    ? applications * executor + fromMebibytes(128)
    : parseMemory(`${f}.workerMemory`, args.workerMemory);
  for (const [key, bytes] of [["driverMemory", driver], ["executorMemory", executor]] as const) {
    // Spark refuses to start a driver or executor with less (INVALID_DRIVER_MEMORY / INVALID_EXECUTOR_MEMORY).
    if (bytes < SPARK_MIN_HEAP) throw new LabConfigError(`${f}.${key}`, `${jvmSize(bytes)} is below the 450m Spark needs`, 'Set at least "450m" (default "512m")');
  }
  if (executor > workerMemory) {
    throw new LabConfigError(`${f}.executorMemory`, `${jvmSize(executor)} is more than a worker offers (${jvmSize(workerMemory)}), so no executor could start`, `Lower it or raise ${f}.workerMemory`);
  }
  if (applications * executor > workerMemory) {
    throw new LabConfigError(`${f}.workerMemory`, `${jvmSize(workerMemory)} holds ${Math.floor(workerMemory / executor)} executor(s) of ${jvmSize(executor)}, not the ${applications} applications at once that ${f}.applications asks for`,
      `Raise it to at least ${jvmSize(applications * executor)}, or lower ${f}.applications`);
  }
  if (args.history && !s3) {
    throw new LabConfigError(`${f}.history`, "needs the lab's object store for event logs, and this module has none", "Remove history or use a module with an object store");
  }
  const jit = args.jit ?? "quick";
  if (!SPARK_JIT.includes(jit)) throw new LabConfigError(`${f}.jit`, `"${String(jit)}" is not a JIT setting`, `Set "quick" (default) or "full"`);
  const jvmOptions = [SPARK_JIT_OPTIONS[jit], SPARK_CLASS_SHARING.javaOptions].filter(Boolean).join(" ");
  const masterUrl = `spark://${MASTER}:7077`;
  const timing = { ...DEFAULT_PROBE_TIMING, initialDelaySeconds: 5 };
  const daemonEnv: Record<string, EnvValue> = {
    SPARK_NO_DAEMONIZE: "true",
    SPARK_DAEMON_MEMORY: jvmSize(daemon),
    SPARK_WORKER_DIR: "/opt/spark-work",
  };
  const master: WorkloadSpec = {
    name: MASTER,
    component: "master",
    image: ctx.images.spark,
    command: ["spark-class", "org.apache.spark.deploy.master.Master", "--host", MASTER, "--port", "7077", "--webui-port", "8080"],
    env: daemonEnv,
    ports: [
      { name: "rpc", port: 7077, hostPort: hostPort(ctx, HOST_PORT_SLOTS.sparkMaster) },
      { name: "ui", port: 8080, hostPort: hostPort(ctx, HOST_PORT_SLOTS.sparkMasterUi), ui: "http" },
    ],
    volumes: [],
    readiness: { kind: "http", port: 8080, path: "/json/" },
    liveness: { kind: "tcp", port: 7077 },
    probeTiming: timing,
    resources: resources(100, 1000, daemon + fromMebibytes(96), daemon + fromMebibytes(192)),
    replicas: 1,
    stateful: false,
    runAsUser: SPARK_UID,
    terminationGraceSeconds: 10,
    awaits: [],
  };
  const worker: WorkloadSpec = {
    name: "spark-worker",
    component: "worker",
    image: ctx.images.spark,
    command: ["spark-class", "org.apache.spark.deploy.worker.Worker", "--cores", String(cores * applications), "--memory", `${mebibytes(workerMemory)}m`, "--webui-port", "8081", masterUrl],
    env: { ...daemonEnv, ...(s3?.env ?? {}) },
    ports: [{ name: "ui", port: 8081 }],
    volumes: [],
    readiness: { kind: "http", port: 8081, path: "/json/" },
    liveness: { kind: "tcp", port: 8081 },
    probeTiming: timing,
    // The daemon heap, the executors' heaps, ~256 MiB of JVM and Python overhead for the first
    // executor and 128 MiB for each other one (two executors of a check run peaked at 886 MiB in all).
    resources: resources(250, 2000, daemon + fromMebibytes(256), daemon + workerMemory + fromMebibytes(256 + 128 * (applications - 1))),
    replicas: workers,
    stateful: false,
    runAsUser: SPARK_UID,
    terminationGraceSeconds: 10,
    // It registers with the master over RPC.
    awaits: [portOf(master, "rpc")],
  };
  const s3Conf: Record<string, string> = s3
    ? {
        "spark.hadoop.fs.s3a.endpoint": s3.endpoint,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
      }
    : {};
  const history: WorkloadSpec[] = args.history && s3
    ? [{
        name: "spark-history",
        component: "history",
        image: ctx.images.spark,
        command: ["spark-class", "org.apache.spark.deploy.history.HistoryServer"],
        env: {
          ...daemonEnv,
          ...s3.env,
          SPARK_HISTORY_OPTS: [
            `-Dspark.history.fs.logDirectory=s3a://${s3.eventsBucket}/`,
            ...Object.entries(s3Conf).map(([k, v]) => `-D${k}=${v}`),
          ].join(" "),
        },
        ports: [{ name: "ui", port: 18080, ui: "http" }],
        volumes: [],
        readiness: { kind: "http", port: 18080, path: "/" },
        probeTiming: timing,
        resources: resources(50, 500, daemon + fromMebibytes(96), daemon + fromMebibytes(192)),
        replicas: 1,
        stateful: false,
        runAsUser: SPARK_UID,
        terminationGraceSeconds: 10,
        // It reads the event logs from the object store from its first second.
        awaits: [urlEndpoint(s3.endpoint)],
      }]
    : [];
  const clientConf: Record<string, string> = {
    "spark.master": masterUrl,
    "spark.driver.memory": jvmSize(driver),
    "spark.driver.bindAddress": "0.0.0.0",
    "spark.driver.port": String(SPARK_DRIVER_PORTS.driver),
    "spark.blockManager.port": String(SPARK_DRIVER_PORTS.blockManager),
    "spark.executor.memory": jvmSize(executor),
    "spark.cores.max": String(workers * cores),
    "spark.sql.shuffle.partitions": String(Math.max(2, workers * cores * 2)),
    "spark.driver.extraClassPath": SPARK_CLASS_SHARING.classPath,
    "spark.executor.extraClassPath": SPARK_CLASS_SHARING.classPath,
    "spark.driver.extraJavaOptions": jvmOptions,
    "spark.executor.extraJavaOptions": jvmOptions,
    ...s3Conf,
    ...(args.history && s3 ? { "spark.eventLog.enabled": "true", "spark.eventLog.dir": `s3a://${s3.eventsBucket}/` } : {}),
  };
  return {
    service: "spark",
    app: "spark",
    version: SPARK_VERSION_LABEL,
    workloads: [master, worker, ...history],
    secretNames: secretNamesOf([worker, ...history]),
    endpoints: [
      { name: "master", inLab: masterUrl, host: hostAddress(master.ports[0]!.hostPort)?.replace(/^/, "spark://"), ui: false },
      { name: "ui", inLab: `http://${MASTER}:8080`, host: urlOf(master.ports[1]!.hostPort), ui: true },
      ...(history.length ? [{ name: "history", inLab: "http://spark-history:18080", ui: true }] : []),
    ],
    masterUrl,
    clientConf,
    driverMemoryBytes: driver,
    clientEnv: { SPARK_MASTER_URL: masterUrl, SPARK_MASTER_UI_URL: `http://${MASTER}:8080` },
  };
}
