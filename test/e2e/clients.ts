/**
 * End-to-end: every way a student talks to the lab, without flags, on real
 * labs on Docker: from a notebook (a kernel over the Jupyter API), from
 * JupyterLab's terminal (its WebSocket pty) and from the student's machine
 * (this host: Node itself, or the workspace image's Python with
 * `--network host`, the same versions as the lab). One lab per module that
 * has the service: 2 (Spark, MinIO, JupyterLab itself, pip --user), 4 (Kafka),
 * 1 (Dask), 5 (HDFS); each is stood up, tried and destroyed.
 *
 *   npm run test:e2e:clients [-- --module 2,4,1,5]
 *
 * Prints PASS/FAIL per path and ends with `N passed, N failed`.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { openLabStack } from "../../lab-workloads/access/automation";
import { containerState, dockerLeftovers } from "../../lab-workloads/access/docker-host";
import { planModuleLab } from "../../cli/lab-args";
import { readStack } from "../../lab-workloads/access/stack-lab";
import { MODULES, ModuleId } from "../../components/lab/modules";
import { LabPlan } from "../../components/lab/plan";
import { LabHandle, openStackLab } from "../../lab-workloads/common/lab";
import { runCell } from "./class/jupyter";
import { jupyterGet, JupyterTerminal, putFile } from "./clients/jupyter-terminal";
import { log, sh, Tally } from "./harness";

const tally = new Tally();
const SCRIPTS = path.join(__dirname, "clients");
const DIR = "clients-check"; // in the student's folder
const secs = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);
/**
 * The labs' ports on this machine: not 30000-30049, which a lab on the
 * project's Kubernetes node also takes (kube-proxy's NodePorts on
 * 127.0.0.1 would answer instead). Own stacks, so labctl's are untouched.
 */
const PORT_BASE = 31000;

/** A running lab as the checks use it. */
interface Lab {
  readonly module: ModuleId;
  readonly plan: LabPlan;
  readonly handle: LabHandle;
  /** JupyterLab on this machine, `http://127.0.0.1:30000`. */
  readonly base: string;
  readonly token: string;
  /** Runs `code` in a new kernel; throws when the cell fails to run at all. */
  cell(code: string, timeoutMs?: number): Promise<{ ok: boolean; output: string }>;
}

/** RESULT {json} printed by the check scripts, or undefined. */
function result<T>(output: string): T | undefined {
  const m = output.match(/RESULT (\{.*\}|\[.*\])/);
  return m ? (JSON.parse(m[1]!) as T) : undefined;
}

const brief = (text: string) => text.trim().split("\n").filter(Boolean).slice(-3).join(" | ").slice(-500);

/** One check that never throws: an exception is a FAIL with its message. */
async function attempt(name: string, body: () => Promise<[boolean, string]>): Promise<void> {
  const t0 = Date.now();
  try {
    const [ok, detail] = await body();
    tally.check(name, ok, `${detail} [${secs(t0)} s]`);
  } catch (err) {
    tally.check(name, false, `${String((err as Error).message).split("\n")[0]} [${secs(t0)} s]`);
  }
}

/** The workspace image's Python on this machine's network (a student's own Python with the lab's versions). */
function hostPython(lab: Lab, args: readonly string[], dockerArgs: readonly string[] = ["--network", "host"]) {
  return sh("docker", ["run", "--rm", "--user", "1000", ...dockerArgs, "-v", `${SCRIPTS}:/clients:ro`, lab.plan.context.images.workspace, "python3", ...args], { timeoutSeconds: 300 });
}

/** Spark: the four clients, the fit check, s3a; JupyterLab's settings; pip --user across a restart. */
async function sparkAndWorkspace(lab: Lab): Promise<void> {
  for (const f of ["spark_check.py", "make_wheel.py"]) await putFile(lab.base, lab.token, `${DIR}/${f}`, fs.readFileSync(path.join(SCRIPTS, f), "utf8"));
  type Spark = { master: string; app: string; driverHost: string; executorHosts: string[]; executorMemory: string; driverMemory: string; rows: number; sum: number };
  const onCluster = (r: Spark | undefined): [boolean, string] => {
    const ok = !!r && r.master === "spark://spark-master:7077" && r.executorHosts.length > 0 && !r.executorHosts.includes(r.driverHost) && r.executorMemory === "512m" && r.rows === 100 && r.sum === 5050;
    return [ok, r ? `master ${r.master}, app ${r.app}, tasks ran on ${r.executorHosts.join(",")} (driver ${r.driverHost}), executor ${r.executorMemory}, driver ${r.driverMemory}, s3a rows ${r.rows} sum ${r.sum}` : "no RESULT line"];
  };
  await attempt("spark: notebook SparkSession.builder.getOrCreate()", async () => {
    const c = await lab.cell(
      [
        "import boto3",
        `boto3.client("s3").put_object(Bucket="datasets", Key="${DIR}/numbers.csv", Body="n\\n" + "\\n".join(str(i) for i in range(1, 101)) + "\\n")`,
        `exec(open("${DIR}/spark_check.py").read())`,
        "spark.stop()",
      ].join("\n"),
      240_000,
    );
    const [ok, detail] = onCluster(result<Spark>(c.output));
    return [c.ok && ok, c.ok ? detail : brief(c.output)];
  });
  await attempt("spark: notebook request too big for a worker is refused in one line", async () => {
    const c = await lab.cell(
      'from pyspark.sql import SparkSession\ntry:\n    SparkSession.builder.config("spark.executor.memory", "2g").getOrCreate()\n    print("STARTED")\nexcept Exception as e:\n    print("NOT STARTED", type(e).__name__)\nimport sys, time\nsys.stderr.flush(); time.sleep(2)',
      120_000,
    );
    const line = c.output.split("\n").find((l) => l.startsWith("spark-fit-check:")) ?? "";
    return [/NOT STARTED/.test(c.output) && /spark\.executor\.memory=2g .*lab:services\.spark\.workerMemory/.test(line), line || brief(c.output)];
  });
  const term = await JupyterTerminal.open(lab.base, lab.token);
  try {
    await attempt("spark: terminal pyspark shell", async () => {
      const r = await term.run("pyspark", 300_000, [
        { expect: /SparkSession available as 'spark'[\s\S]*>>> /, send: `exec(open("${DIR}/spark_check.py").read())` },
        { expect: /RESULT \{.*\}/, send: "exit()" },
      ]);
      return onCluster(result<Spark>(r.output));
    });
    await attempt("spark: terminal spark-submit app.py", async () => {
      const r = await term.run(`spark-submit ${DIR}/spark_check.py`);
      const [ok, detail] = onCluster(result<Spark>(r.output));
      return [r.code === 0 && ok, r.code === 0 ? detail : `exit ${r.code}: ${brief(r.output)}`];
    });
    await attempt("spark: terminal spark-sql -e 'select 1' and an s3a:// table", async () => {
      const r = await term.run(`spark-sql -e 'SET spark.master; SELECT 1; SELECT count(*), sum(try_cast(_c0 AS INT)) FROM csv.\`s3a://datasets/${DIR}/numbers.csv\`'`);
      const ok = r.code === 0 && /spark\.master\s+spark:\/\/spark-master:7077/.test(r.output) && /^1$/m.test(r.output) && /^101\s+5050$/m.test(r.output);
      return [ok, ok ? "spark.master spark://spark-master:7077; select 1 -> 1; csv over s3a -> 101 rows, sum 5050" : `exit ${r.code}: ${brief(r.output)}`];
    });
    await attempt("spark: terminal spark-submit too big for a worker is refused in one line", async () => {
      const r = await term.run(`spark-submit --executor-memory 2g ${DIR}/spark_check.py`, 120_000);
      const lines = r.output.split("\n").filter((l) => l.startsWith("spark-fit-check:"));
      return [r.code !== 0 && lines.length === 1 && r.seconds < 60 && !/RESULT/.test(r.output), `exit ${r.code} after ${r.seconds.toFixed(1)} s: ${lines[0] ?? brief(r.output)}`];
    });
    await attempt("spark: every client above registered with the lab's master", async () => {
      const ui = lab.handle.hostEndpoint("spark", "ui");
      const state = (await (await fetch(`${ui}/json/`)).json()) as { completedapps: { name: string }[] };
      const names = state.completedapps.map((a) => a.name);
      const want = [/^pyspark-shell$/, /^PySparkShell$/, /^spark_check\.py$/, /^SparkSQL::/];
      return [want.every((w) => names.some((n) => w.test(n))), `completed applications on the master: ${names.join(", ")}`];
    });
    await attempt("jupyterlab: no news feed, no update check, no prompt about them", async () => {
      const s = (await jupyterGet(lab.base, lab.token, "/lab/api/settings/@jupyterlab/apputils-extension:notification")) as { schema: { properties: Record<string, { default: unknown }> } };
      const fetchNews = s.schema.properties["fetchNews"]?.default;
      const updates = s.schema.properties["checkForUpdates"]?.default;
      const news = (await jupyterGet(lab.base, lab.token, "/lab/api/news")) as { news: unknown[] };
      const update = (await jupyterGet(lab.base, lab.token, "/lab/api/update")) as { notification: unknown };
      const page = await (await fetch(`${lab.base}/lab`, { headers: { authorization: `token ${lab.token}` } })).text();
      const disabled = /"news":\s*\{\s*"disabled":\s*true\s*\}/.test(page);
      // The server's answers decide (no news, no update notice); the page's own flag is printed for reference.
      return [fetchNews === "false" && updates === false && news.news.length === 0 && update.notification === null,
        `fetchNews ${JSON.stringify(fetchNews)}, checkForUpdates ${updates}; /lab/api/news ${news.news.length} items, /lab/api/update ${JSON.stringify(update.notification)}; page news disabled ${disabled}`];
    });
    await attempt("pip install --user in the terminal, importable from a notebook", async () => {
      const r = await term.run(`python3 ${DIR}/make_wheel.py /tmp/wheels && pip install --user --no-index --find-links /tmp/wheels labs_clients_probe`, 120_000);
      const c = await lab.cell('import json, labs_clients_probe\nprint("RESULT", json.dumps({"file": labs_clients_probe.__file__}))');
      const file = result<{ file: string }>(c.output)?.file ?? "";
      return [r.code === 0 && c.ok && file.startsWith("/home/jovyan/work/.local/"), `pip exit ${r.code} (${brief(r.output).split(" | ").pop()}); imported from ${file || brief(c.output)}`];
    });
  } finally {
    await term.close();
  }
  await attempt("pip --user package survives a workspace restart (student's volume)", async () => {
    const name = `${lab.plan.name}-workspace`;
    const restart = sh("docker", ["restart", name], { timeoutSeconds: 120 });
    let state = "";
    for (let i = 0; i < 60 && state !== "running/healthy"; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      state = await containerState(name);
    }
    const c = await lab.cell("import labs_clients_probe\nprint('VALUE', labs_clients_probe.VALUE)");
    return [restart.code === 0 && state === "running/healthy" && c.ok && /VALUE installed with pip --user/.test(c.output), `docker restart exit ${restart.code}, then ${state}; import: ${brief(c.output)}`];
  });
}

/** Kafka: the notebook on the in-lab bootstrap; the host listener with a consumer group. */
async function kafka(lab: Lab): Promise<void> {
  await attempt("kafka: notebook producer and consumer on KAFKA_BOOTSTRAP_SERVERS", async () => {
    const c = await lab.cell(
      [
        "import os, json",
        "from kafka import KafkaProducer, KafkaConsumer",
        'b = os.environ["KAFKA_BOOTSTRAP_SERVERS"]',
        "p = KafkaProducer(bootstrap_servers=b, acks='all')",
        'for i in range(10): p.send("clients-notebook", f"n{i}".encode())',
        "p.flush(); p.close()",
        'c = KafkaConsumer("clients-notebook", bootstrap_servers=b, group_id="clients-notebook", auto_offset_reset="earliest", consumer_timeout_ms=30000)',
        "got = []",
        "for m in c:",
        "    got.append(m.value.decode())",
        "    if len(got) == 10: break",
        "c.close()",
        'print("RESULT", json.dumps({"bootstrap": b, "got": sorted(got)}))',
      ].join("\n"),
    );
    const r = result<{ bootstrap: string; got: string[] }>(c.output);
    const want = Array.from({ length: 10 }, (_, i) => `n${i}`).sort();
    return [!!r && JSON.stringify(r.got) === JSON.stringify(want), r ? `${r.got.length} of 10 records back through ${r.bootstrap}` : brief(c.output)];
  });
  await attempt("kafka: host listener, consumer group joins, commits, re-joins and resumes", async () => {
    const bootstrap = lab.handle.hostEndpoint("kafka", "bootstrap");
    const run = hostPython(lab, ["/clients/kafka_host.py", bootstrap, "clients-host"]);
    const r = result<{ group: string; first: string[]; committed: Record<string, number | null>; rest: string[] }>(run.out);
    const m = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);
    const ok = !!r && JSON.stringify(r.first) === JSON.stringify(m(0, 8)) && JSON.stringify(r.rest) === JSON.stringify(m(8, 20)) && Object.values(r.committed).includes(8);
    return [ok, r ? `${bootstrap}: group ${r.group} took ${r.first.join(",")}, committed ${JSON.stringify(r.committed)}; re-joined and resumed at ${r.rest[0]} (${r.rest.length} more)` : `exit ${run.code}: ${brief(run.out + run.err)}`];
  });
}

/** Dask: the notebook's Client() from env; a Client on the host; and one that cannot reach the workers. */
async function dask(lab: Lab): Promise<void> {
  await putFile(lab.base, lab.token, `${DIR}/dask_check.py`, fs.readFileSync(path.join(SCRIPTS, "dask_check.py"), "utf8"));
  type Dask = { scheduler: string; workers: string[]; reachableWorkers: string[]; squares: number[]; arraySum: number; direct: unknown };
  const good = (r: Dask | undefined) => !!r && JSON.stringify(r.squares) === JSON.stringify(Array.from({ length: 10 }, (_, i) => i * i)) && r.arraySum === 4_999_950_000;
  const say = (r: Dask | undefined) => (r ? `scheduler ${r.scheduler}, ${r.workers.length} workers (${r.reachableWorkers.length} reachable directly), gathered ${r.squares.length} results, array sum ${r.arraySum}` : "no RESULT line");
  await attempt("dask: notebook Client() from DASK_SCHEDULER_ADDRESS", async () => {
    const c = await lab.cell(`import sys\nsys.argv = ["dask_check.py"]\nexec(open("${DIR}/dask_check.py").read())`);
    const r = result<Dask>(c.output);
    return [c.ok && good(r), c.ok ? say(r) : brief(c.output)];
  });
  const scheduler = lab.handle.hostEndpoint("dask", "scheduler");
  await attempt("dask: Client on the host submits and gathers", async () => {
    const run = hostPython(lab, ["/clients/dask_check.py", scheduler]);
    const r = result<Dask>(run.out);
    return [good(r), r ? say(r) : `exit ${run.code}: ${brief(run.out + run.err)}`];
  });
  await attempt("dask: Client on the host with the workers unreachable (only the scheduler port) still gathers", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clients-dask-"));
    fs.chmodSync(dir, 0o777);
    const sock = path.join(dir, "scheduler.sock");
    const port = Number(new URL(scheduler).port);
    const server = net.createServer((c) => {
      const up = net.connect(port, "127.0.0.1");
      c.pipe(up).on("error", () => c.destroy());
      up.pipe(c).on("error", () => up.destroy());
      c.on("error", () => up.destroy());
      up.on("error", () => c.destroy());
    });
    await new Promise<void>((ok) => server.listen(sock, ok));
    fs.chmodSync(sock, 0o777);
    try {
      const run = await new Promise<ReturnType<typeof sh>>((resolve) => {
        // Asynchronous: this process forwards the container's connections meanwhile.
        const t0 = Date.now();
        execFile("docker", ["run", "--rm", "--user", "1000", "--network", "none", "-v", `${dir}:/fwd`, "-v", `${SCRIPTS}:/clients:ro`, lab.plan.context.images.workspace,
          "python3", "/clients/unix_forward.py", "/fwd/scheduler.sock", String(port), "/clients/dask_check.py", `tcp://127.0.0.1:${port}`], { timeout: 300_000, maxBuffer: 64 << 20 },
        (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: String(out), err: String(err), seconds: (Date.now() - t0) / 1000 }));
      });
      const r = result<Dask>(run.out);
      return [good(r) && r!.reachableWorkers.length === 0 && r!.workers.length > 0, r ? `${say(r)}; direct_to_workers ${JSON.stringify(r.direct)}` : `exit ${run.code}: ${brief(run.out + run.err)}`];
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** HDFS: hdfs dfs in the terminal; HttpFS from the host, no redirect; each sees what the other wrote. */
async function hdfs(lab: Lab): Promise<void> {
  const term = await JupyterTerminal.open(lab.base, lab.token);
  try {
    await attempt("hdfs: terminal hdfs dfs -put, -ls /", async () => {
      const r = await term.run(`hdfs dfs -mkdir -p /${DIR} && echo from-the-terminal | hdfs dfs -put -f - /${DIR}/terminal.txt && hdfs dfs -ls /`, 120_000);
      return [r.code === 0 && new RegExp(` /${DIR}$`, "m").test(r.output), `exit ${r.code}: ${brief(r.output)}`];
    });
    const httpfs = lab.handle.hostEndpoint("hdfs", "httpfs");
    const text = `from the host ${Date.now()}\n`;
    await attempt("hdfs: HttpFS on the host: create, open, list without a redirect", async () => {
      const q = (p: string, op: string) => `${httpfs}/${DIR}/${p}?op=${op}&user.name=student`;
      const put = await fetch(`${q("host.txt", "CREATE")}&data=true&overwrite=true`, { method: "PUT", body: text, headers: { "content-type": "application/octet-stream" }, redirect: "manual" });
      const open = await fetch(q("host.txt", "OPEN"), { redirect: "manual" });
      const got = await open.text();
      const other = await (await fetch(q("terminal.txt", "OPEN"), { redirect: "manual" })).text();
      const list = (await (await fetch(`${httpfs}/${DIR}?op=LISTSTATUS&user.name=student`)).json()) as { FileStatuses: { FileStatus: { pathSuffix: string }[] } };
      const names = list.FileStatuses.FileStatus.map((f) => f.pathSuffix).sort();
      const ok = put.status === 201 && open.status === 200 && got === text && other === "from-the-terminal\n" && names.includes("host.txt") && names.includes("terminal.txt");
      return [ok, `${httpfs}: CREATE ${put.status}, OPEN ${open.status} (${got === text ? "same bytes" : "different bytes"}), the terminal's file ${other === "from-the-terminal\n" ? "read" : "NOT read"}, LISTSTATUS ${names.join(",")}`];
    });
    await attempt("hdfs: the terminal reads what the host wrote through HttpFS", async () => {
      const r = await term.run(`hdfs dfs -cat /${DIR}/host.txt`, 120_000);
      return [r.code === 0 && r.output.includes(text.trim()), `exit ${r.code}: ${brief(r.output)}`];
    });
  } finally {
    await term.close();
  }
}

const CHECKS: Readonly<Record<ModuleId, ((lab: Lab) => Promise<void>) | undefined>> = { 1: dask, 2: sparkAndWorkspace, 3: undefined, 4: kafka, 5: hdfs };

/** Stands up the module's lab, runs its client checks, destroys it and checks nothing is left. */
async function withLab(module: ModuleId): Promise<void> {
  const plan = planModuleLab(module, "docker");
  log(`module ${module} (${MODULES[module].slug}): lab ${plan.name}, ${plan.specs.map((s) => s.service).join(", ")}; ports from ${PORT_BASE}`);
  const stack = await openLabStack({ module, target: "docker", stackName: `clients-m${module}`, config: { hostPortBase: PORT_BASE } });
  const up0 = Date.now();
  let up = false;
  try {
    await stack.up({ onEvent: (e) => e.diagnosticEvent?.severity === "error" && log(`  pulumi: ${e.diagnosticEvent.message.trim().split("\n")[0]}`) });
    up = tally.check(`module ${module}: up`, true, `${secs(up0)} s to every service ready`);
  } catch (err) {
    tally.check(`module ${module}: up`, false, `${secs(up0)} s: ${brief(String((err as Error).message))}`);
  }
  try {
    if (up) {
      const handle = await openStackLab(await readStack(stack), plan.name);
      const base = handle.hostEndpoint("workspace", "jupyter").replace(/\/lab$/, "");
      const token = handle.credentials.jupyterToken ?? "";
      const t0 = Date.now();
      try {
        await CHECKS[module]!({ module, plan: handle.plan, handle, base, token, cell: (code, timeoutMs) => runCell(base, token, code, timeoutMs) });
      } catch (err) {
        tally.check(`module ${module}: client checks`, false, `stopped: ${String((err as Error).message).split("\n")[0]}`);
      }
      log(`  module ${module} client checks took ${secs(t0)} s`);
      await handle.close();
    }
  } finally {
    const d0 = Date.now();
    await stack.destroy().catch((err: Error) => log(`  destroy: ${brief(err.message)}`));
    const left = await dockerLeftovers(plan.name);
    const n = left.containers.length + left.volumes.length + left.networks.length;
    tally.check(`module ${module}: destroyed, nothing left`, n === 0, n === 0 ? `${secs(d0)} s` : JSON.stringify(left));
    if (n === 0) await stack.workspace.removeStack(stack.name);
  }
}

async function main(): Promise<void> {
  let modules: ModuleId[] = [2, 4, 1, 5];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a.includes("=") ? a.split("=")[1]! : argv[++i];
    if (!a.startsWith("--module")) throw new Error(`unknown argument ${a}; use [--module 2,4,1,5]`);
    modules = (value ?? "").split(",").map((m) => Number(m.trim()) as ModuleId);
    for (const m of modules) if (!CHECKS[m]) throw new Error(`--module ${m}: client checks exist for modules 1, 2, 4 and 5`);
  }
  const t0 = Date.now();
  for (const m of modules) await withLab(m);
  log(`client paths: ${secs(t0)} s for modules ${modules.join(", ")}`);
  tally.finish();
}

main().catch((err) => {
  process.stderr.write(`clients: ${(err as Error).message}\n`);
  tally.check("run", false, String((err as Error).message));
  tally.finish();
});
