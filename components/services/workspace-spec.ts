import { HOST_PORT_SLOTS, hostPort, secretNamesOf, SpecContext, urlOf } from "../core/context";
import { DEFAULT_PROBE_TIMING, EnvValue, resources, ServiceSpec, WorkloadSpec } from "../core/spec";
import { fromMebibytes, parseMemory } from "../core/units";
import { SPARK_DRIVER_PORTS } from "./spark-spec";

/** Arguments of the JupyterLab workspace. */
export interface WorkspaceArgs {
  /** Memory limit: the notebook kernels plus a Spark driver. @default "1280Mi" */
  readonly memory?: string;
  /** Size of the notebooks volume. @default "2Gi" */
  readonly storage?: string;
}

/** Secret name of the Jupyter token. */
export const JUPYTER_TOKEN_SECRET = "jupyter-token";

/** A resolved workspace. */
export interface WorkspaceSpec extends ServiceSpec {
  /** JupyterLab URL on the student's machine (without the token). */
  readonly hostUrl?: string;
}

/**
 * Builds `PYSPARK_SUBMIT_ARGS` from a Spark client configuration, so a plain
 * `SparkSession.builder.getOrCreate()` joins the lab's cluster.
 */
export function pysparkSubmitArgs(conf: Readonly<Record<string, string>>): string {
  return [...Object.entries(conf).map(([k, v]) => `--conf ${k}=${v}`), "pyspark-shell"].join(" ");
}

/**
 * Describes JupyterLab, wired to the lab by env: `labEnv` carries the
 * services' endpoints and credentials, `sparkConf` (if the lab has Spark)
 * makes the notebook a client-mode driver reachable by name.
 */
export function resolveWorkspaceSpec(
  args: WorkspaceArgs,
  ctx: SpecContext,
  labEnv: Readonly<Record<string, EnvValue>>,
  sparkConf?: Readonly<Record<string, string>>,
): WorkspaceSpec {
  const f = `${ctx.fieldPrefix}.workspace`;
  const memory = parseMemory(`${f}.memory`, args.memory ?? "1280Mi");
  const storage = parseMemory(`${f}.storage`, args.storage ?? "2Gi");
  const jupyterPort = hostPort(ctx, HOST_PORT_SLOTS.jupyter);
  const sparkUiPort = hostPort(ctx, HOST_PORT_SLOTS.sparkAppUi);
  const sparkEnv: Record<string, EnvValue> = sparkConf
    ? { PYSPARK_SUBMIT_ARGS: pysparkSubmitArgs({ ...sparkConf, "spark.driver.host": "workspace" }), SPARK_MASTER_URL: sparkConf["spark.master"] ?? "" }
    : {};
  const workload: WorkloadSpec = {
    name: "workspace",
    component: "jupyterlab",
    image: ctx.images.workspace,
    command: ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--ServerApp.root_dir=/home/jovyan/work"],
    env: { JUPYTER_TOKEN: { secret: JUPYTER_TOKEN_SECRET }, ...labEnv, ...sparkEnv },
    ports: [
      { name: "http", port: 8888, hostPort: jupyterPort, ui: "http", uiPath: "/lab" },
      ...(sparkConf
        ? [
            { name: "spark-driver", port: SPARK_DRIVER_PORTS.driver },
            { name: "spark-blocks", port: SPARK_DRIVER_PORTS.blockManager },
            { name: "spark-ui", port: SPARK_DRIVER_PORTS.ui, hostPort: sparkUiPort, ui: "http" as const },
          ]
        : []),
    ],
    volumes: [{ name: "work", mountPath: "/home/jovyan/work", sizeBytes: storage }],
    readiness: { kind: "http", port: 8888, path: "/api" },
    liveness: { kind: "tcp", port: 8888 },
    probeTiming: { ...DEFAULT_PROBE_TIMING, initialDelaySeconds: 5 },
    resources: resources(200, 2000, fromMebibytes(384), memory),
    replicas: 1,
    stateful: true,
    runAsUser: 1000,
    terminationGraceSeconds: 10,
    after: [],
  };
  const hostUrl = urlOf(jupyterPort, "/lab");
  return {
    service: "workspace",
    app: "jupyterlab",
    version: "4",
    workloads: [workload],
    secretNames: secretNamesOf([workload]),
    endpoints: [
      { name: "jupyter", inLab: "http://workspace:8888/lab", host: hostUrl, ui: true },
      ...(sparkConf ? [{ name: "sparkAppUi", inLab: "http://workspace:4040", host: urlOf(sparkUiPort), ui: true }] : []),
    ],
    ...(hostUrl ? { hostUrl } : {}),
  };
}
