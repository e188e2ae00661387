import { HOST_PORT_SLOTS, hostAddress, hostPort, intArg, SpecContext, urlOf } from "../core/context";
import { DEFAULT_PROBE_TIMING, EnvValue, portOf, resources, ServiceSpec, WorkloadSpec } from "../core/spec";
import { fromMebibytes, jvmSize, parseMemory } from "../core/units";

/** Arguments of an HDFS cluster. */
export interface HdfsArgs {
  /** Number of DataNodes. @default 1 */
  readonly dataNodes?: number;
  /** NameNode heap (`HADOOP_HEAPSIZE_MAX`). @default "192m" */
  readonly nameNodeHeap?: string;
  /** DataNode heap. @default "160m" */
  readonly dataNodeHeap?: string;
  /** Size of each DataNode's volume. @default "4Gi" */
  readonly dataNodeStorage?: string;
  /** Block replication; at most the number of DataNodes. @default min(3, dataNodes) */
  readonly replication?: number;
  /** Heap of the HttpFS gateway (WebHDFS REST through one process, for clients on the student's machine). @default "96m" */
  readonly httpFsHeap?: string;
}

/** A resolved HDFS cluster. */
export interface HdfsSpec extends ServiceSpec {
  /** `hdfs://hdfs-namenode:8020`. */
  readonly defaultFs: string;
  /** WebHDFS base URL inside the lab. */
  readonly webHdfs: string;
  /**
   * The HttpFS gateway's WebHDFS base URL inside the lab; it serves file
   * data itself instead of redirecting to a DataNode.
   */
  readonly httpFs: string;
  /** The same on the student's machine (`http://127.0.0.1:30037/webhdfs/v1`), if exposed. */
  readonly hostHttpFs?: string;
  /**
   * DataNode host names and where their WebHDFS port is published, so a
   * client on the student's machine can follow the NameNode's redirects.
   */
  readonly dataNodeHostHttp: Readonly<Record<string, string>>;
}

const NAMENODE = "hdfs-namenode";
const HTTPFS = "hdfs-httpfs";
/** HttpFS's port (Hadoop's default). */
export const HTTPFS_PORT = 14000;
const HADOOP_UID = 1002;
/** The user the hadoop image runs as: HttpFS acts for its callers as this user's proxy. */
const HADOOP_USER = "hadoop";

/**
 * JVM options of the HDFS daemons: the JIT stops at its first tier, as the
 * Spark daemons' do. A lone NameNode's first start (format included) took
 * 6.3 s of CPU and 3.8 s to answer with the JVM's defaults, 3.8 s and 2.9 s
 * with this; a lab's daemons start side by side on a student's few cores.
 */
const DAEMON_JVM_OPTIONS = "-XX:TieredStopAtLevel=1";

/** `core-site.xml` and `hdfs-site.xml` entries in the image's env convention. */
function siteEnv(core: Record<string, string>, hdfs: Record<string, string>): Record<string, EnvValue> {
  const env: Record<string, EnvValue> = {};
  for (const [k, v] of Object.entries(core)) env[`CORE-SITE.XML_${k}`] = v;
  for (const [k, v] of Object.entries(hdfs)) env[`HDFS-SITE.XML_${k}`] = v;
  return env;
}

/** Applies HDFS defaults, validates, and describes the NameNode and one workload per DataNode. */
export function resolveHdfsSpec(args: HdfsArgs, ctx: SpecContext): HdfsSpec {
  const f = `${ctx.fieldPrefix}.hdfs`;
  const dataNodes = intArg(`${f}.dataNodes`, args.dataNodes, 1, 1, 5);
  const replication = intArg(`${f}.replication`, args.replication, Math.min(3, dataNodes), 1, dataNodes);
  const nnHeap = parseMemory(`${f}.nameNodeHeap`, args.nameNodeHeap ?? "192m");
  const dnHeap = parseMemory(`${f}.dataNodeHeap`, args.dataNodeHeap ?? "160m");
  const storage = parseMemory(`${f}.dataNodeStorage`, args.dataNodeStorage ?? "4Gi");
  const httpFsHeap = parseMemory(`${f}.httpFsHeap`, args.httpFsHeap ?? "96m");
  const defaultFs = `hdfs://${NAMENODE}:8020`;
  const core = { "fs.defaultFS": defaultFs, "hadoop.http.staticuser.user": "hdfs" };
  const common = {
    "dfs.replication": String(replication),
    "dfs.permissions.enabled": "false",
    "dfs.webhdfs.enabled": "true",
    // Clients and DataNodes use host names, which resolve inside the lab on both platforms.
    "dfs.client.use.datanode.hostname": "true",
    "dfs.datanode.use.datanode.hostname": "true",
  };
  const timing = { ...DEFAULT_PROBE_TIMING, initialDelaySeconds: 5 };
  const nameNode: WorkloadSpec = {
    name: NAMENODE,
    component: "namenode",
    image: ctx.images.hadoop,
    command: ["hdfs-entrypoint", "namenode"],
    env: {
      HADOOP_HEAPSIZE_MAX: jvmSize(nnHeap),
      HADOOP_OPTS: DAEMON_JVM_OPTIONS,
      // HttpFS (running as HADOOP_USER) may act for any user from any host of the lab.
      ...siteEnv({ ...core, [`hadoop.proxyuser.${HADOOP_USER}.hosts`]: "*", [`hadoop.proxyuser.${HADOOP_USER}.groups`]: "*" }, {
        ...common,
        "dfs.namenode.name.dir": "/hadoop/dfs/name",
        "dfs.namenode.rpc-bind-host": "0.0.0.0",
        "dfs.namenode.http-bind-host": "0.0.0.0",
        "dfs.namenode.servicerpc-bind-host": "0.0.0.0",
        // Writable as soon as the block threshold is met, not 30 s later.
        "dfs.namenode.safemode.extension": "0",
        // Container IPs do not reverse-resolve; accept DataNodes by the names they give.
        "dfs.namenode.datanode.registration.ip-hostname-check": "false",
      }),
    },
    ports: [
      { name: "rpc", port: 8020, hostPort: hostPort(ctx, HOST_PORT_SLOTS.hdfsNameNodeRpc) },
      { name: "ui", port: 9870, hostPort: hostPort(ctx, HOST_PORT_SLOTS.hdfsNameNodeUi), ui: "http" },
    ],
    volumes: [{ name: "name", mountPath: "/hadoop/dfs/name", sizeBytes: fromMebibytes(1024) }],
    readiness: { kind: "http", port: 9870, path: "/webhdfs/v1/?op=GETFILESTATUS" },
    liveness: { kind: "tcp", port: 8020 },
    probeTiming: timing,
    resources: resources(100, 1000, nnHeap + fromMebibytes(96), nnHeap + fromMebibytes(192)),
    replicas: 1,
    stateful: true,
    runAsUser: HADOOP_UID,
    terminationGraceSeconds: 20,
    awaits: [],
  };
  const dataNodeWorkloads: WorkloadSpec[] = Array.from({ length: dataNodes }, (_, i) => {
    const name = `hdfs-datanode-${i}`;
    return {
      name,
      component: "datanode",
      image: ctx.images.hadoop,
      command: ["hdfs-entrypoint", "datanode"],
      env: {
        HADOOP_HEAPSIZE_MAX: jvmSize(dnHeap),
        HADOOP_OPTS: DAEMON_JVM_OPTIONS,
        ...siteEnv(core, {
          ...common,
          // A directory inside the volume, made by the DataNode itself: it insists on owning its
          // data directory (mode 700), and hostPath-backed volumes (local-path on kind) are
          // root-owned 0777 with no fsGroup support.
          "dfs.datanode.data.dir": "/hadoop/dfs/data/blocks",
          "dfs.datanode.hostname": name,
          "dfs.datanode.address": "0.0.0.0:9866",
          "dfs.datanode.http.address": "0.0.0.0:9864",
          "dfs.datanode.ipc.address": "0.0.0.0:9867",
        }),
      },
      ports: [
        { name: "data", port: 9866 },
        { name: "http", port: 9864, hostPort: hostPort(ctx, HOST_PORT_SLOTS.hdfsDataNodeHttp + i) },
        { name: "ipc", port: 9867 },
      ],
      volumes: [{ name: "data", mountPath: "/hadoop/dfs/data", sizeBytes: storage }],
      readiness: { kind: "http", port: 9864, path: "/" },
      liveness: { kind: "tcp", port: 9866 },
      probeTiming: timing,
      resources: resources(100, 1000, dnHeap + fromMebibytes(96), dnHeap + fromMebibytes(192)),
      replicas: 1,
      stateful: true,
      runAsUser: HADOOP_UID,
      terminationGraceSeconds: 20,
      // It registers with the NameNode over RPC.
      awaits: [portOf(nameNode, "rpc")],
    };
  });
  const httpFsPort = hostPort(ctx, HOST_PORT_SLOTS.hdfsHttpFs);
  // WebHDFS's REST API in one process: reads and writes stream through it, so a client on the
  // student's machine never follows a redirect to a DataNode name that only resolves in the lab.
  const httpFs: WorkloadSpec = {
    name: HTTPFS,
    component: "httpfs",
    image: ctx.images.hadoop,
    command: ["hdfs-entrypoint", "httpfs"],
    env: {
      HADOOP_HEAPSIZE_MAX: jvmSize(httpFsHeap),
      HADOOP_OPTS: DAEMON_JVM_OPTIONS,
      ...siteEnv(core, { ...common }),
    },
    ports: [{ name: "http", port: HTTPFS_PORT, hostPort: httpFsPort }],
    volumes: [],
    readiness: { kind: "http", port: HTTPFS_PORT, path: "/webhdfs/v1/?op=GETFILESTATUS&user.name=hdfs" },
    liveness: { kind: "tcp", port: HTTPFS_PORT },
    probeTiming: timing,
    resources: resources(50, 500, httpFsHeap + fromMebibytes(96), httpFsHeap + fromMebibytes(160)),
    replicas: 1,
    stateful: false,
    runAsUser: HADOOP_UID,
    terminationGraceSeconds: 10,
    // Every request it serves goes to the NameNode over RPC.
    awaits: [portOf(nameNode, "rpc")],
  };
  const dataNodeHostHttp: Record<string, string> = {};
  for (const w of dataNodeWorkloads) {
    const addr = hostAddress(w.ports.find((p) => p.name === "http")?.hostPort);
    if (addr) dataNodeHostHttp[w.name] = addr;
  }
  return {
    service: "hdfs",
    app: "hdfs",
    version: "3.4",
    workloads: [nameNode, ...dataNodeWorkloads, httpFs],
    secretNames: [],
    endpoints: [
      { name: "namenode", inLab: defaultFs, host: hostAddress(nameNode.ports[0]!.hostPort)?.replace(/^/, "hdfs://"), ui: false },
      { name: "ui", inLab: `http://${NAMENODE}:9870`, host: urlOf(nameNode.ports[1]!.hostPort), ui: true },
      { name: "webhdfs", inLab: `http://${NAMENODE}:9870/webhdfs/v1`, host: urlOf(nameNode.ports[1]!.hostPort, "/webhdfs/v1"), ui: false },
      { name: "httpfs", inLab: `http://${HTTPFS}:${HTTPFS_PORT}/webhdfs/v1`, host: urlOf(httpFsPort, "/webhdfs/v1"), ui: false },
    ],
    defaultFs,
    webHdfs: `http://${NAMENODE}:9870/webhdfs/v1`,
    httpFs: `http://${HTTPFS}:${HTTPFS_PORT}/webhdfs/v1`,
    ...(httpFsPort !== undefined ? { hostHttpFs: urlOf(httpFsPort, "/webhdfs/v1")! } : {}),
    dataNodeHostHttp,
  };
}
