/**
 * The ways a student talks to the lab, as the specs and the workspace image
 * set them up: Spark's client settings in spark-defaults.conf (and the image
 * script that writes it), the executor-fit check, HDFS's HttpFS gateway,
 * Kafka's host listener and Dask's published scheduler. The end-to-end proof
 * is test/e2e/clients.ts.
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_PORT_SLOTS, HOST_PORTS_PER_LAB } from "../components/core/context";
import { MODULES, ModuleId } from "../components/lab/modules";
import { planLab } from "../components/lab/plan";
import { HTTPFS_PORT, resolveHdfsSpec } from "../components/services/hdfs-spec";
import { resolveKafkaSpec } from "../components/services/kafka-spec";
import { resolveSparkSpec } from "../components/services/spark-spec";
import { resolveWorkspaceSpec, SPARK_DEFAULTS_ENV_PREFIX, sparkDefaultsEnv } from "../components/services/workspace-spec";
import { parseMemory } from "../components/core/units";
import { context } from "./helpers/fixtures";

const ctx = context();
const IMAGE = path.join(__dirname, "..", "images", "workspace");
const ids = Object.keys(MODULES).map(Number) as ModuleId[];

describe("Spark clients in the workspace", () => {
  it("get every client setting as spark-defaults.conf entries, with the workspace as driver host, and no PYSPARK_SUBMIT_ARGS", () => {
    const spark = resolveSparkSpec({}, ctx, { endpoint: "http://minio:9000", eventsBucket: "datasets", env: {} });
    const env = resolveWorkspaceSpec({}, ctx, {}, spark.clientConf).workloads[0]!.env;
    for (const [k, v] of Object.entries(spark.clientConf)) expect(env[`${SPARK_DEFAULTS_ENV_PREFIX}${k}`]).toBe(v);
    expect(env["SPARK-DEFAULTS.CONF_spark.master"]).toBe("spark://spark-master:7077");
    expect(env["SPARK-DEFAULTS.CONF_spark.driver.host"]).toBe("workspace");
    expect(env["SPARK-DEFAULTS.CONF_spark.hadoop.fs.s3a.endpoint"]).toBe("http://minio:9000");
    // PYSPARK_SUBMIT_ARGS would come after a builder's .config() on the launch line and beat it.
    expect(env["PYSPARK_SUBMIT_ARGS"]).toBeUndefined();
  });

  it("a workspace without Spark gets no Spark defaults (Spark stays local there)", () => {
    const env = resolveWorkspaceSpec({}, ctx, {}).workloads[0]!.env;
    expect(Object.keys(env).filter((k) => k.startsWith(SPARK_DEFAULTS_ENV_PREFIX))).toEqual([]);
  });

  it("names env variables Kubernetes accepts", () => {
    for (const k of Object.keys(sparkDefaultsEnv(resolveSparkSpec({}, ctx).clientConf))) expect(k).toMatch(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/);
  });

  it.each(ids.filter((id) => MODULES[id].services.spark))("module %i: executors and the driver fit what the lab gives them", (id) => {
    const plan = planLab({ name: `m${id}`, module: id, context: ctx });
    const spark = plan.spark!;
    const worker = spark.workloads.find((w) => w.name === "spark-worker")!;
    const offered = parseMemory("w", `${worker.command[worker.command.indexOf("--memory") + 1]!.replace(/m$/, "Mi")}`);
    const cores = Number(worker.command[worker.command.indexOf("--cores") + 1]);
    expect(parseMemory("e", spark.clientConf["spark.executor.memory"]!)).toBeLessThanOrEqual(offered);
    expect(Number(spark.clientConf["spark.cores.max"])).toBeLessThanOrEqual(cores * worker.replicas);
    // The driver's heap lives in the workspace container, next to JupyterLab and the kernel.
    expect(spark.driverMemoryBytes + 512 * 1024 * 1024).toBeLessThanOrEqual(plan.workspace!.workloads[0]!.resources.memoryLimitBytes);
    // The fit check reads the master's /json/ at this address; it must be the master's UI port.
    const ui = spark.workloads.find((w) => w.name === "spark-master")!.ports.find((p) => p.name === "ui")!;
    expect(plan.clientEnv["SPARK_MASTER_UI_URL"]).toBe(`http://spark-master:${ui.port}`);
    expect(plan.workspace!.workloads[0]!.env["SPARK_MASTER_UI_URL"]).toBe(`http://spark-master:${ui.port}`);
  });

  it("more worker memory does not change the workspace (JupyterLab is not restarted; the check asks the master)", () => {
    const a = planLab({ name: "m2", module: 2, context: ctx }).workspace!.workloads[0]!.env;
    const b = planLab({ name: "m2", module: 2, context: ctx, services: { spark: { workerMemory: "1500Mi" } } }).workspace!.workloads[0]!.env;
    expect(b).toEqual(a);
  });
});

describe("workspace image: workspace-entrypoint writes spark-defaults.conf", () => {
  const run = (env: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-conf-"));
    const r = spawnSync("bash", [path.join(IMAGE, "workspace-entrypoint"), "bash", "-c", "echo ran-$0", "cmd"], {
      env: { PATH: process.env["PATH"] ?? "", HOME: dir, SPARK_CONF_DIR: path.join(dir, "conf"), BIGDATA_LABS_LIB: IMAGE, ...env },
      encoding: "utf8",
    });
    return { r, dir: path.join(dir, "conf") };
  };

  it("one line per SPARK-DEFAULTS.CONF_ variable, sorted, with the fit rule in its header, then runs the command", () => {
    const { r, dir } = run({ "SPARK-DEFAULTS.CONF_spark.master": "spark://spark-master:7077", "SPARK-DEFAULTS.CONF_spark.executor.memory": "512m", OTHER: "x" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("ran-cmd");
    const text = fs.readFileSync(path.join(dir, "spark-defaults.conf"), "utf8");
    expect(text.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(["spark.executor.memory 512m", "spark.master spark://spark-master:7077"]);
    expect(text).toMatch(/^# .*must fit one worker/m);
    expect(fs.readFileSync(path.join(dir, "spark-env.sh"), "utf8")).toContain("spark-fit-check");
  });

  it("writes nothing when the lab has no Spark", () => {
    const { r, dir } = run({});
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, "spark-defaults.conf"))).toBe(false);
  });
});

describe("workspace image: JupyterLab's terminal is a login shell", () => {
  it("gets the lab's tools back on PATH after /etc/profile resets it (pyspark, spark-submit, spark-sql, pip --user scripts)", () => {
    const r = spawnSync("bash", ["-c", `PATH=/usr/local/bin:/usr/bin:/bin; . ${path.join(IMAGE, "profile-path.sh")}; echo "$PATH"`], { env: {}, encoding: "utf8" });
    expect(r.stdout.trim().split(":").slice(0, 4)).toEqual(["/home/jovyan/work/.local/bin", "/opt/venv/bin", "/opt/spark/bin", "/opt/spark/sbin"]);
    expect(fs.readFileSync(path.join(IMAGE, "Dockerfile"), "utf8")).toMatch(/^COPY profile-path\.sh \/etc\/profile\.d\/[\w-]+\.sh$/m);
  });
});

const python = spawnSync("python3", ["--version"]).status === 0;

describe.runIf(python)("workspace image: spark-fit-check", () => {
  let server: http.Server;
  let state: unknown;
  let ui = "";
  const conf = fs.mkdtempSync(path.join(os.tmpdir(), "fit-"));
  fs.writeFileSync(path.join(conf, "spark-defaults.conf"), "# x\nspark.master spark://spark-master:7077\nspark.executor.memory 512m\n");
  const worker = (memory: number, free: number, cores: number, coresFree: number) => ({ state: "ALIVE", memory, memoryfree: free, cores, coresfree: coresFree });
  // Asynchronous: the fake master answers from this process's event loop.
  const check = (...args: string[]) =>
    new Promise<{ code: number; err: string }>((resolve) => {
      execFile("python3", [path.join(IMAGE, "spark-fit-check"), ...args], { env: { SPARK_CONF_DIR: conf, SPARK_MASTER_UI_URL: ui } }, (error, _out, err) => {
        resolve({ code: error ? Number(error.code ?? -1) : 0, err: String(err).trim() });
      });
    });
  beforeAll(async () => {
    server = http.createServer((req, res) => res.end(req.url === "/json/" ? JSON.stringify(state) : "no"));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    ui = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  it("lets through what fits (the lab's own defaults)", async () => {
    state = { workers: [worker(640, 640, 2, 2)], activeapps: [] };
    expect(await check("org.apache.spark.deploy.SparkSubmit", "pyspark-shell")).toEqual({ code: 0, err: "" });
  });

  it.each([
    [["--conf", "spark.executor.memory=2g", "pyspark-shell"], /spark\.executor\.memory=2g is more than a Spark worker of this lab offers \(640m\).*lab:services\.spark\.workerMemory/],
    [["--executor-memory", "700m", "app.py"], /spark\.executor\.memory=700m/],
    [["--class", "org.apache.spark.sql.hive.thriftserver.SparkSQLCLIDriver", "-e", "select 1", "--executor-cores", "3"], /spark\.executor\.cores=3 is more than a Spark worker of this lab has \(2\).*workerCores/],
  ])("refuses %j in one line", async (args, message) => {
    state = { workers: [worker(640, 640, 2, 2)], activeapps: [] };
    const r = await check("org.apache.spark.deploy.SparkSubmit", ...args);
    expect(r.code).toBe(1);
    expect(r.err.split("\n")).toHaveLength(1);
    expect(r.err).toMatch(message);
  });

  it("reads the application's own arguments as its own, and leaves local masters alone", async () => {
    state = { workers: [worker(640, 640, 2, 2)], activeapps: [] };
    expect((await check("org.apache.spark.deploy.SparkSubmit", "app.py", "--conf", "spark.executor.memory=9g")).code).toBe(0);
    expect((await check("org.apache.spark.deploy.SparkSubmit", "--master", "local[2]", "--executor-memory", "9g", "pyspark-shell")).code).toBe(0);
  });

  it("warns, without failing, when running applications hold the workers", async () => {
    state = { workers: [worker(640, 128, 2, 0)], activeapps: [{ name: "PySparkShell" }] };
    const r = await check("org.apache.spark.deploy.SparkSubmit", "app.py");
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^spark-fit-check: warning: the lab's Spark workers are busy with PySparkShell; this application waits/);
  });
});

describe("HDFS from the student's machine: the HttpFS gateway", () => {
  const spec = resolveHdfsSpec({}, ctx);
  const httpfs = spec.workloads.find((w) => w.name === "hdfs-httpfs")!;
  const nn = spec.workloads.find((w) => w.name === "hdfs-namenode")!;

  it("runs beside the NameNode, published on the lab's HttpFS slot", () => {
    expect(httpfs.command).toEqual(["hdfs-entrypoint", "httpfs"]);
    expect(httpfs.awaits).toEqual([{ host: "hdfs-namenode", port: 8020 }]);
    expect(httpfs.ports).toEqual([{ name: "http", port: HTTPFS_PORT, hostPort: 30000 + HOST_PORT_SLOTS.hdfsHttpFs }]);
    expect(httpfs.env["CORE-SITE.XML_fs.defaultFS"]).toBe("hdfs://hdfs-namenode:8020");
    expect(httpfs.env["HADOOP_HEAPSIZE_MAX"]).toBe("96m");
    expect(httpfs.readiness).toMatchObject({ kind: "http", port: HTTPFS_PORT, path: expect.stringMatching(/^\/webhdfs\/v1\/\?op=GETFILESTATUS/) });
    expect(spec.hostHttpFs).toBe("http://127.0.0.1:30037/webhdfs/v1");
    expect(spec.endpoints.find((e) => e.name === "httpfs")).toEqual({ name: "httpfs", inLab: "http://hdfs-httpfs:14000/webhdfs/v1", host: "http://127.0.0.1:30037/webhdfs/v1", ui: false });
  });

  it("the NameNode lets the gateway's user act for the caller", () => {
    expect(nn.env["CORE-SITE.XML_hadoop.proxyuser.hadoop.hosts"]).toBe("*");
    expect(nn.env["CORE-SITE.XML_hadoop.proxyuser.hadoop.groups"]).toBe("*");
  });

  it("takes its heap from lab:services.hdfs.httpFsHeap", () => {
    const w = resolveHdfsSpec({ httpFsHeap: "128m" }, ctx).workloads.find((x) => x.name === "hdfs-httpfs")!;
    expect(w.env["HADOOP_HEAPSIZE_MAX"]).toBe("128m");
    expect(() => resolveHdfsSpec({ httpFsHeap: "lots" }, ctx)).toThrow(/^lab:services\.hdfs\.httpFsHeap: cannot read/);
  });

  it("exposes nothing when the lab publishes no ports", () => {
    const none = resolveHdfsSpec({}, context({ hostPortBase: undefined }));
    expect(none.hostHttpFs).toBeUndefined();
    expect(none.workloads.find((w) => w.name === "hdfs-httpfs")!.ports[0]!.hostPort).toBeUndefined();
  });
});

describe("host ports", () => {
  it.each(ids)("module %i, every service at its largest: no two workloads share a host port, all inside the lab's range", (id) => {
    const big = { spark: { workers: 8 }, kafka: { brokers: 5 }, hdfs: { dataNodes: 5 }, dask: { workers: 8 } };
    const services = Object.fromEntries(Object.entries(big).filter(([k]) => MODULES[id].services[k as keyof typeof big]));
    const plan = planLab({ name: `m${id}`, module: id, context: ctx, services });
    const ports = plan.specs.flatMap((s) => s.workloads.flatMap((w) => w.ports.map((p) => p.hostPort))).filter((p): p is number => p !== undefined);
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) expect(p - 30000).toBeLessThan(HOST_PORTS_PER_LAB);
  });

  it("Kafka advertises to the student's machine exactly the port it publishes (consumer groups find their coordinator there)", () => {
    const spec = resolveKafkaSpec({ brokers: 2 }, ctx, "lab");
    for (const w of spec.workloads) {
      const published = w.ports.find((p) => p.name === "external")!.hostPort;
      expect(w.env["KAFKA_CFG_ADVERTISED_LISTENERS"]).toContain(`EXTERNAL://127.0.0.1:${published}`);
    }
    expect(spec.hostBootstrap).toBe("127.0.0.1:30010,127.0.0.1:30011");
  });

  it("Dask's scheduler is published for a Client on the student's machine", () => {
    const plan = planLab({ name: "m1", module: 1, context: ctx });
    expect(plan.dask!.hostSchedulerAddress).toBe("tcp://127.0.0.1:30040");
    expect(plan.dask!.workloads[0]!.ports.find((p) => p.name === "scheduler")).toEqual({ name: "scheduler", port: 8786, hostPort: 30040 });
  });
});
