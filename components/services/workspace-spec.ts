import { HOST_PORT_SLOTS, hostPort, secretNamesOf, SpecContext, urlOf } from "../core/context";
import { LabConfigError } from "../core/errors";
import { DEFAULT_PROBE_TIMING, EnvValue, resources, SeedFileSpec, ServiceSpec, WorkloadSpec } from "../core/spec";
import { fromMebibytes, parseMemory } from "../core/units";
import { SPARK_DRIVER_PORTS } from "./spark-spec";

/** Arguments of the JupyterLab workspace. */
export interface WorkspaceArgs {
  /** Memory limit: the notebook kernels plus a Spark driver. @default "1280Mi" */
  readonly memory?: string;
  /** Size of the notebooks volume. @default "2Gi" */
  readonly storage?: string;
  /**
   * Files copied into the notebooks folder at start when no file of that
   * name is there (the module's starter notebooks); a student's edited copy
   * is never overwritten. @default []
   */
  readonly seedFiles?: readonly SeedFileSpec[];
}

/** The student's folder: the workspace volume, JupyterLab's root. */
export const WORK_DIR = "/home/jovyan/work";

/** Where the platform puts the seed files, read-only. */
export const SEED_DIR = "/opt/bigdata-labs/seed";

/**
 * Most seed bytes a workspace takes: they travel in a Kubernetes ConfigMap
 * (1 MiB at most, keys included) and in the Docker container's state.
 */
export const MAX_SEED_BYTES = 900 * 1024;

const SEED_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** The JupyterLab server the workspace runs. */
export const JUPYTER_COMMAND = ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", `--ServerApp.root_dir=${WORK_DIR}`] as const;

/**
 * Shell run before JupyterLab: copies each seed file into the student's
 * folder unless a file of that name is already there (`cp -n`), then `exec`s
 * its arguments (the server), so the server stays the container's main
 * process. Needs no image change: bash and cp are in every image.
 */
export const SEED_THEN_EXEC = [
  `for f in ${SEED_DIR}/*; do`,
  `[ -f "$f" ] || continue;`,
  `t=${WORK_DIR}/"\${f##*/}";`,
  `[ -e "$t" ] || cp -n "$f" "$t" || echo "seed: could not copy $f to $t" >&2;`,
  `done;`,
  `exec "$@"`,
].join(" ");

/** `YYYYmmdd-HHMMSS` in UTC: the suffix of a student's copy kept by a restore. */
export function restoreStamp(at: Date): string {
  return at.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
}

/**
 * Shell that puts every seed file back into the student's folder: a copy that
 * differs from the original is first renamed `<name>.orig-<stamp>.ipynb`
 * (kept, never deleted). Prints one line per file: `restored`, `kept <copy>`
 * or `unchanged`.
 */
export function restoreSeedScript(stamp: string): string {
  if (!/^\d{8}-\d{6}$/.test(stamp)) throw new Error(`restore stamp ${JSON.stringify(stamp)}: use YYYYmmdd-HHMMSS (restoreStamp)`);
  return [
    `cd ${WORK_DIR} || exit 1;`,
    `for f in ${SEED_DIR}/*; do`,
    `[ -f "$f" ] || continue;`,
    `n="\${f##*/}"; b="\${n%.ipynb}";`,
    `if [ -e "$n" ] && ! cmp -s "$f" "$n"; then k="$b.orig-${stamp}\${n#"$b"}"; mv "$n" "$k" || exit 1; echo "kept $n as $k"; fi;`,
    `if [ -e "$n" ]; then echo "unchanged $n"; else cp "$f" "$n" || exit 1; echo "restored $n"; fi;`,
    `done`,
  ].join(" ");
}

/** Checks seed file names and their total size; one line naming the field on a problem. */
function checkSeedFiles(field: string, files: readonly SeedFileSpec[]): void {
  const seen = new Set<string>();
  let bytes = 0;
  for (const f of files) {
    if (!SEED_NAME.test(f.name)) throw new LabConfigError(field, `file name ${JSON.stringify(f.name)} is not a plain file name`, "Use letters, digits, '.', '_' and '-' only, no folders");
    if (seen.has(f.name)) throw new LabConfigError(field, `file ${f.name} is listed twice`, "Give each seed file its own name");
    seen.add(f.name);
    bytes += Buffer.byteLength(f.name) + Buffer.byteLength(f.content);
  }
  if (bytes > MAX_SEED_BYTES) {
    throw new LabConfigError(field, `the seed files take ${bytes} bytes, more than ${MAX_SEED_BYTES} (a Kubernetes ConfigMap holds 1 MiB)`, "Clear the notebooks' outputs (jupyter nbconvert --clear-output) or ship fewer files");
  }
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
 * `SparkSession.builder.getOrCreate()` joins the lab's cluster. PySpark splits
 * the variable as a POSIX shell would (`shlex.split`), so a value with spaces
 * or quotes (JVM options) is single-quoted.
 */
export function pysparkSubmitArgs(conf: Readonly<Record<string, string>>): string {
  return [...Object.entries(conf).map(([k, v]) => `--conf ${shellWord(`${k}=${v}`)}`), "pyspark-shell"].join(" ");
}

/** A word as a POSIX shell reads it back: as is when plain, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** Prefix of the env variables the workspace image writes into `spark-defaults.conf` at start. */
export const SPARK_DEFAULTS_ENV_PREFIX = "SPARK-DEFAULTS.CONF_";

/**
 * One env variable per Spark property (`SPARK-DEFAULTS.CONF_spark.master`),
 * which the workspace image's entrypoint writes into
 * `$SPARK_CONF_DIR/spark-defaults.conf` at every start: the file every Spark
 * client in the container reads (a notebook's `getOrCreate()`, `pyspark`,
 * `spark-submit`, `spark-sql`), at the lowest priority, so a builder
 * `.config()` or `--conf` still wins.
 */
export function sparkDefaultsEnv(conf: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(conf).map(([k, v]) => [`${SPARK_DEFAULTS_ENV_PREFIX}${k}`, v]));
}

/**
 * Describes JupyterLab, wired to the lab by env: `labEnv` carries the
 * services' endpoints and credentials, `sparkConf` (if the lab has Spark)
 * becomes the container's `spark-defaults.conf`, which makes every Spark
 * client in it a client-mode driver of the lab's cluster, reachable by name.
 */
export function resolveWorkspaceSpec(
  args: WorkspaceArgs,
  ctx: SpecContext,
  labEnv: Readonly<Record<string, EnvValue>>,
  sparkConf?: Readonly<Record<string, string>>,
): WorkspaceSpec {
  const f = `${ctx.fieldPrefix}.workspace`;
  const seedFiles = [...(args.seedFiles ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  checkSeedFiles(`${f}.seedFiles`, seedFiles);
  const memory = parseMemory(`${f}.memory`, args.memory ?? "1280Mi");
  const storage = parseMemory(`${f}.storage`, args.storage ?? "2Gi");
  const jupyterPort = hostPort(ctx, HOST_PORT_SLOTS.jupyter);
  const sparkUiPort = hostPort(ctx, HOST_PORT_SLOTS.sparkAppUi);
  const sparkEnv: Record<string, EnvValue> = sparkConf
    ? { ...sparkDefaultsEnv({ ...sparkConf, "spark.driver.host": "workspace" }), SPARK_MASTER_URL: sparkConf["spark.master"] ?? "" }
    : {};
  const workload: WorkloadSpec = {
    name: "workspace",
    component: "jupyterlab",
    image: ctx.images.workspace,
    command: ["bash", "-c", SEED_THEN_EXEC, "seed-then-exec", ...JUPYTER_COMMAND],
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
    volumes: [{ name: "work", mountPath: WORK_DIR, sizeBytes: storage }],
    readiness: { kind: "http", port: 8888, path: "/api" },
    liveness: { kind: "tcp", port: 8888 },
    probeTiming: { ...DEFAULT_PROBE_TIMING, initialDelaySeconds: 5 },
    resources: resources(200, 2000, fromMebibytes(384), memory),
    replicas: 1,
    stateful: true,
    runAsUser: 1000,
    terminationGraceSeconds: 10,
    awaits: [],
    ...(seedFiles.length > 0 ? { seedFiles: { mountPath: SEED_DIR, files: seedFiles } } : {}),
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
