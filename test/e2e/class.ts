/**
 * A class on the project's own Kubernetes node, through labctl as an
 * instructor and students run it: bad rosters refused, `labctl class up` of
 * three students of module 2, every lab's probes and driver check, the
 * handout, a cross-student attack suite (from inside student A's lab and with
 * A's kubeconfig), `labctl connect` running a cell with only A's kubeconfig,
 * the same attacks with isolation turned off (the control), sleep and wake,
 * the janitor (idle labs sleep, a busy one does not, expiry, extend), and
 * `labctl class down` verified empty.
 *
 *   npm run test:e2e:class [-- --keep]
 *
 * Prints `attacks: N attempts, 0 succeeded`, `control: N attempts, N succeeded`,
 * `janitor: <lab> scaled to zero after idle, woken with data intact` and ends with `N passed, N failed`.
 */
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { labProbes } from "../../components/lab/probes";
import { formatBytes } from "../../components/core/units";
import { selectLabStack } from "../../lab-workloads/access/automation";
import { classStackName } from "../../cli/class/stacks";
import { loadKubeConfig, podExec, workloadPod } from "../../lab-workloads/access/kube-client";
import { kubePodMemory } from "../../lab-workloads/access/kube-host";
import { planOfLab, readStack, StoodUp } from "../../lab-workloads/access/stack-lab";
import { openStackLab } from "../../lab-workloads/common/lab";
import { LabS3 } from "../../lab-workloads/common/s3";
import { apiAttacks, Attempt } from "./class/api-attacks";
import { runCell } from "./class/jupyter";
import { janitorProof } from "./class/janitor";
import { labctl, log, REPO, sh, Tally } from "./harness";

const run = promisify(execFile);
const NODE = path.join(REPO, "scripts", "kube", "node.sh");
const CLASS = "e2e";
const MODULE = 2;
const STUDENTS = [
  { name: "alice", email: "alice@example.org" },
  { name: "bob", email: "bob@example.org" },
  { name: "carol", email: "" },
];
const lab = (s: string) => `${CLASS}-${s}`;

const tally = new Tally();
const check = (name: string, ok: boolean, detail: string) => tally.check(name, ok, detail);
const secs = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

/** Starts the project's node and loads the module's images, as the Kubernetes end-to-end does. */
async function prepareNode(images: string[]): Promise<void> {
  const t0 = Date.now();
  const { stdout } = await run("bash", [NODE, "start"], { timeout: 900_000 });
  log(`  ${stdout.trim().split("\n").pop()}`);
  process.env["KUBECONFIG"] = (await run("bash", [NODE, "kubeconfig"])).stdout.trim();
  process.env["PATH"] = `${path.join(path.dirname(process.env["KUBECONFIG"]), "bin")}${path.delimiter}${process.env["PATH"] ?? ""}`;
  const loaded = await run("bash", [NODE, "load", ...images], { timeout: 1_800_000 });
  log(`  ${loaded.stdout.trim().split("\n").pop()} (node ready in ${secs(t0)} s)`);
}

async function classNamespaces(kc: KubeConfig): Promise<string[]> {
  return (await kc.makeApiClient(CoreV1Api).listNamespace({ labelSelector: `bigdata-labs.io/class=${CLASS}` })).items.map((n) => n.metadata!.name!);
}

async function badRosters(kc: KubeConfig, dir: string): Promise<void> {
  log("bad input: one line, exit code 2, nothing created");
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const cases: [string, string[], RegExp][] = [
    ["duplicate student", ["class", "up", "2", "--roster", write("dup.csv", "alice\nbob\nalice\n"), "--name", CLASS], /^labctl: dup\.csv line 3: "alice" is listed twice \(first on line 1\)/],
    ["invalid name", ["class", "up", "2", "--roster", write("bad.csv", "alice\nBob Smith,bob@example.org\n"), "--name", CLASS], /^labctl: bad\.csv line 2: "Bob Smith" is not a DNS label/],
    ["unknown module", ["class", "up", "7", "--roster", write("ok.csv", "alice\n"), "--name", CLASS], /^labctl: unknown module "7"/],
    ["CPU scale out of range", ["class", "up", "2", "--roster", path.join(dir, "ok.csv"), "--name", CLASS, "--cpu-request-scale", "3"], /^labctl: lab:kubernetes\.cpuRequestScale: must be a number from 0\.05 to 1/],
    ["class that does not exist", ["class", "handout", "--class", "nosuch", "--out", path.join(dir, "x")], /^labctl: no class "nosuch" in this checkout/],
  ];
  for (const [what, args, want] of cases) {
    const r = labctl(args, { timeoutSeconds: 120 });
    const lines = r.err.trim().split("\n").filter(Boolean);
    check(`refused: ${what}`, r.code === 2 && lines.length === 1 && want.test(lines[0] ?? ""), `exit ${r.code}: ${lines.join(" | ").slice(0, 200)}`);
  }
  const left = await classNamespaces(kc);
  check("bad input created nothing", left.length === 0 && !fs.existsSync(path.join(dir, "x")), left.length ? `namespaces: ${left.join(", ")}` : "no namespace of the class, no handout folder");
}

/**
 * Ports of the victim's Services that its own workspace can open (what an
 * attacker could aim at), each by the Service's name and by the pod's own IP.
 */
async function openPorts(kc: KubeConfig, victim: string, attackPy: string): Promise<[string, number][]> {
  const core = kc.makeApiClient(CoreV1Api);
  const services = (await core.listNamespacedService({ namespace: victim })).items;
  const pods = (await core.listNamespacedPod({ namespace: victim })).items;
  const all: [string, number][] = services.flatMap((s) => {
    const selector = s.spec?.selector ?? {};
    const pod = pods.find((p) => Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v));
    return (s.spec?.ports ?? []).flatMap((p) => [
      [`${s.metadata!.name}.${victim}.svc.cluster.local`, p.port] as [string, number],
      ...(pod?.status?.podIP ? [[pod.status.podIP, p.port] as [string, number]] : []),
    ]);
  });
  const pod = (await workloadPod(kc, victim, "workspace")).metadata!.name!;
  const r = await podExec(kc, victim, pod, ["python3", "-c", attackPy, JSON.stringify({ tcp: all })], { timeoutMs: 120_000 });
  const reached = new Set(parseAttempts(r.stdout).filter((a) => a.ok).map((a) => a.attack));
  return all.filter(([h, p]) => reached.has(`tcp ${h}:${p}`));
}

function parseAttempts(text: string): Attempt[] {
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Attempt);
}

/** The whole suite from A against B; `creds` are the credentials the attacker holds. */
async function attackSuite(
  attackerKc: KubeConfig,
  admin: KubeConfig,
  a: string,
  b: string,
  targets: [string, number][],
  creds: { token: string; key: string; secret: string },
  attackPy: string,
): Promise<Attempt[]> {
  const plan = {
    tcp: targets,
    jupyter: { url: `http://workspace.${b}.svc.cluster.local:8888`, token: creds.token },
    s3: { endpoint: `http://minio.${b}.svc.cluster.local:9000`, key: creds.key, secret: creds.secret },
    spark: { master: `spark://spark-master.${b}.svc.cluster.local:7077`, timeout: 150 },
  };
  const attackerPod = (await workloadPod(attackerKc, a, "workspace")).metadata!.name!;
  const r = await podExec(attackerKc, a, attackerPod, ["python3", "-c", attackPy, JSON.stringify(plan)], { timeoutMs: 600_000 });
  const network = parseAttempts(r.stdout);
  if (network.length === 0) network.push({ attack: "network attacks ran", ok: false, detail: `${r.reason} ${r.stderr.slice(-200)}` });
  const victimPod = (await workloadPod(admin, b, "workspace")).metadata!.name!;
  const api = await apiAttacks(attackerKc, b, victimPod, "workspace-credentials");
  const core = admin.makeApiClient(CoreV1Api);
  for (const p of api.created) await core.deleteNamespacedPod({ namespace: p.namespace, name: p.name, gracePeriodSeconds: 0 }).catch(() => undefined);
  return [...network, ...api.attempts];
}

function summary(label: string, attempts: Attempt[]): void {
  const ok = attempts.filter((x) => x.ok);
  log(`${label}: ${attempts.length} attempts, ${ok.length} succeeded`);
  for (const x of attempts) log(`    ${x.ok ? "SUCCEEDED" : "failed   "} ${x.attack}: ${x.detail}`);
}

/** A kubeconfig for a ServiceAccount of A's namespace bound cluster-wide: what a class without RBAC isolation hands out. */
async function clusterWideAttacker(admin: KubeConfig, a: string): Promise<KubeConfig> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const name = "control-attacker";
  await core.createNamespacedServiceAccount({ namespace: a, body: { metadata: { name } } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `${CLASS}-control-attacker`, labels: { "bigdata-labs.io/class": CLASS } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name, namespace: a }],
    },
  });
  const token = (await core.createNamespacedServiceAccountToken({ namespace: a, name, body: { spec: { expirationSeconds: 3600, audiences: [] } } })).status!.token;
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: "u", token }],
    contexts: [{ name: "x", cluster: "c", user: "u", namespace: a }],
    currentContext: "x",
  });
  return kc;
}

async function removeClusterWideAttacker(admin: KubeConfig): Promise<void> {
  await admin.makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: `${CLASS}-control-attacker` }).catch(() => undefined);
}

async function connectAndRunCell(kubeconfig: string): Promise<void> {
  const t0 = Date.now();
  const child: ChildProcess = spawn(path.join(REPO, "scripts", "labctl"), ["connect", "--kubeconfig", kubeconfig, "--json", "--port-base", "39100"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`no answer within 120 s: ${err.trim().split("\n").pop() ?? ""}`)), 120_000);
      child.stdout!.on("data", (b: Buffer) => {
        out += b.toString("utf8");
        if (out.includes("\n")) {
          clearTimeout(timer);
          resolve(out.split("\n")[0]!);
        }
      });
      child.stderr!.on("data", (b: Buffer) => (err += b.toString("utf8")));
      child.on("exit", (code) => reject(new Error(`labctl connect exited ${code}: ${err.trim().split("\n").pop() ?? ""}`)));
    });
    const info = JSON.parse(first) as { lab: string; jupyter: string; token: string; uis: { name: string; url: string }[] };
    check("connect: JupyterLab and UIs forwarded to 127.0.0.1 with the token", !!info.token && info.uis.every((u) => u.url.startsWith("http://127.0.0.1:")), `${info.uis.map((u) => u.name).join(", ")} in ${secs(t0)} s`);
    const base = new URL(info.jupyter).origin;
    const cell = await runCell(base, info.token, "import os, socket\nprint(6 * 7, os.environ['LAB_NAME'])");
    check("connect: a cell runs in the student's own lab", cell.ok && cell.output.includes(`42 ${info.lab}`), cell.output.trim().slice(0, 120));
  } catch (err) {
    check("connect: a cell runs with only the student's kubeconfig", false, String((err as Error).message).slice(0, 200));
  } finally {
    child.kill("SIGTERM");
  }
}

/**
 * `labctl class check` grades every lab with each student's own files: alice
 * and carol hand in the reference solutions, bob only a word count that is
 * off by one (his missing groupBy file runs the reference job:
 * `--unsubmitted reference`). The gradebooks must show bob's failed exercise
 * and everyone else's passes.
 */
async function classCheck(dir: string): Promise<void> {
  const solutions = path.join(dir, "solutions");
  const jobs = path.join(REPO, "lab-workloads", `m${MODULE}`, "jobs");
  for (const s of STUDENTS) fs.mkdirSync(path.join(solutions, s.name), { recursive: true });
  for (const s of ["alice", "carol"]) for (const f of ["wordcount.py", "sales_agg.py"]) fs.copyFileSync(path.join(jobs, f), path.join(solutions, s, f));
  const wrong = fs.readFileSync(path.join(jobs, "wordcount.py"), "utf8").replace(".reduceByKey(lambda a, b: a + b)", ".reduceByKey(lambda a, b: a + b).mapValues(lambda c: c + 1)");
  if (!wrong.includes("c + 1")) throw new Error("could not make bob's wrong word count");
  fs.writeFileSync(path.join(solutions, "bob", "wordcount.py"), wrong);
  const out = path.join(dir, "grades");
  const r = labctl(["class", "check", "--class", CLASS, "--solutions", solutions, "--unsubmitted", "reference", "--seed", "42", "--parallel", "2", "--out", out], { timeoutSeconds: 1800 });
  const summary = /class check: (\d+)\/(\d+) students passed/.exec(r.out);
  log(`  ${summary?.[0] ?? "no summary line"} [${r.seconds.toFixed(1)} s]`);
  if (!summary) log(`  class check printed:\n${r.out.slice(-1500)}\n  and on stderr:\n${r.err.slice(-3000)}`);
  check("class check: bob's wrong file fails, the others pass", r.code === 1 && summary?.[1] === "2" && summary?.[2] === "3", `exit ${r.code}: ${(summary?.[0] ?? r.err.trim().split("\n").pop() ?? "").slice(0, 160)}`);
  const nb = fs.existsSync(path.join(out, "nbgrader.csv")) ? fs.readFileSync(path.join(out, "nbgrader.csv"), "utf8").trim().split("\n") : [];
  const header = "assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,late_submission_penalty,score,max_score";
  const rows = nb.slice(1).map((l) => l.split(","));
  const exercises = new Set(rows.map((c) => c[0])).size;
  const score = (student: string, exercise: string) => rows.find((c) => c[3] === student && c[0]!.includes(exercise))?.[9];
  check(
    "gradebook: nbgrader rows per student per exercise",
    nb[0] === header && exercises >= 2 && rows.length === STUDENTS.length * exercises && score("bob", "word") === "0.0" && score("alice", "word") === "1.0" && score("carol", "groupby") === "1.0" && score("bob", "groupby") === "1.0",
    `${rows.length} rows (${exercises} exercises); bob word count ${score("bob", "word")}, alice word count ${score("alice", "word")}, carol groupBy ${score("carol", "groupby")}, bob groupBy ${score("bob", "groupby")}`,
  );
  const canvas = fs.existsSync(path.join(out, "canvas.csv")) ? fs.readFileSync(path.join(out, "canvas.csv"), "utf8") : "";
  const feedback = fs.existsSync(path.join(out, "feedback", "bob.md")) ? fs.readFileSync(path.join(out, "feedback", "bob.md"), "utf8") : "";
  check("gradebook: Canvas CSV and bob's feedback name the failure", /Points Possible/.test(canvas) && /bob/.test(canvas) && /word count/i.test(feedback), `canvas ${canvas.split("\n").length - 1} lines; feedback: ${feedback.split("\n").find((l) => /word count/i.test(l))?.slice(0, 100) ?? "(none)"}`);
  const unknown = labctl(["class", "reset", "--class", CLASS, "--student", "nosuch"], { timeoutSeconds: 120 });
  check("class reset of an unknown student: one line, nothing changed", unknown.code === 2 && unknown.err.trim().split("\n").length === 1, unknown.err.trim());
  const reset = labctl(["class", "reset", "--class", CLASS, "--student", "alice"], { timeoutSeconds: 600 });
  check("class reset --student alice", reset.code === 0, `${reset.seconds.toFixed(1)} s: ${(reset.code === 0 ? reset.out : reset.err).trim().split("\n").pop()}`);
}

/** Course staff reach every lab of the class and nothing outside it. */
async function staffAccess(stood: StoodUp, admin: KubeConfig, someLab: string): Promise<void> {
  log("course staff: the class's staff kubeconfig");
  const staff = new KubeConfig();
  staff.loadFromString(stood.staffKubeconfig ?? "");
  const core = staff.makeApiClient(CoreV1Api);
  const inClass = await Promise.all(STUDENTS.map((s) => core.listNamespacedPod({ namespace: lab(s.name) }).then((l) => l.items.length, () => -1)));
  const pod = (await workloadPod(admin, someLab, "workspace")).metadata!.name!;
  const exec = await podExec(staff, someLab, pod, ["id", "-u"], { timeoutMs: 30_000 });
  check("staff read and exec in every lab of the class", inClass.every((n) => n > 0) && exec.ok, `pods per lab ${inClass.join(", ")}; exec in ${someLab}: ${exec.ok ? `uid ${exec.stdout.trim()}` : exec.reason}`);
  const outside = await Promise.all(
    ["kube-system", "default"].map((ns) => core.listNamespacedPod({ namespace: ns }).then(() => `${ns}: allowed`, (e: { code?: number }) => `${ns}: ${e.code ?? "error"}`)),
  );
  const secret = await core.readNamespacedSecret({ namespace: someLab, name: "workspace-credentials" }).then(() => "read", (e: { code?: number }) => String(e.code ?? "error"));
  check("staff reach nothing outside the class, and no secret", outside.every((o) => o.endsWith("403")) && secret === "403", `${outside.join(", ")}; secret in ${someLab}: ${secret}`);
  const r = sh(path.join(REPO, "scripts", "labctl"), ["class", "connect", STUDENTS[1]!.name, "--class", CLASS, "--json"], { timeoutSeconds: 30, killSignal: "SIGTERM" });
  const first = r.out.split("\n")[0] ?? "";
  let info: { lab?: string; token?: string } = {};
  try {
    info = JSON.parse(first) as typeof info;
  } catch {
    /* reported below */
  }
  check("labctl class connect STUDENT", info.lab === someLab && !!info.token, info.lab ? `forwarded ${info.lab} with its token` : `${r.err.trim().split("\n").pop() ?? ""}`.slice(0, 160));
}

/** A lab put to sleep frees its memory and wakes with its data: an S3 object and a notebook file. */
async function sleepAndWake(stood: StoodUp, admin: KubeConfig, student: string): Promise<void> {
  const name = lab(student);
  log(`sleep and wake: ${name}`);
  const handle = await openStackLab(stood, name);
  const s3 = new LabS3(handle);
  const marker = `kept-${Date.now()}`;
  try {
    await s3.put("outputs", "keep/marker.txt", marker);
  } finally {
    await handle.close();
  }
  const ws = (await workloadPod(admin, name, "workspace")).metadata!.name!;
  await podExec(admin, name, ws, ["sh", "-c", `echo '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "marker": "${marker}"}' > /home/jovyan/work/keep.ipynb`]);
  const before = [...(await kubePodMemory({}, name)).values()].reduce((a, b) => a + b, 0);
  const sleep = labctl(["class", "sleep", "--class", CLASS, "--student", student]);
  const pods = (await admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: name })).items.filter((p) => p.metadata?.labels?.["app.kubernetes.io/component"] !== "check-job").length;
  check("sleep: the lab scaled to zero", sleep.code === 0 && pods === 0, `${sleep.seconds.toFixed(1)} s, ${pods} pods left, ${formatBytes(before)} of working sets freed`);
  const wake = labctl(["class", "wake", "--class", CLASS, "--student", student]);
  const again = await openStackLab(stood, name);
  try {
    const got = Buffer.from(await new LabS3(again).get("outputs", "keep/marker.txt")).toString("utf8");
    const ws2 = (await workloadPod(admin, name, "workspace")).metadata!.name!;
    const nb = await podExec(admin, name, ws2, ["cat", "/home/jovyan/work/keep.ipynb"]);
    check("wake: back with its data", wake.code === 0 && got === marker && nb.stdout.includes(marker), `${wake.seconds.toFixed(1)} s; S3 object ${got === marker ? "intact" : "LOST"}, notebook file ${nb.stdout.includes(marker) ? "intact" : "LOST"}`);
  } finally {
    await again.close();
  }
}

async function main(): Promise<void> {
  const keep = process.argv.includes("--keep");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-class-"));
  const attackPy = fs.readFileSync(path.join(__dirname, "class", "attack.py"), "utf8");
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "images", "manifest.json"), "utf8")) as { registryPrefix: string; images: Record<string, { tag: string }> };
  const images = ["minio", "spark", "workspace"].map((i) => `${manifest.registryPrefix}/${i}:${manifest.images[i]!.tag}`);
  log(`class ${CLASS}: ${STUDENTS.length} students of module ${MODULE} on the project's Kubernetes node`);
  await prepareNode([...images, "registry.k8s.io/pause:3.10"]);
  const admin = loadKubeConfig({});
  await badRosters(admin, dir);

  const roster = path.join(dir, "students.csv");
  fs.writeFileSync(roster, `name,email\n${STUDENTS.map((s) => (s.email ? `${s.name},${s.email}` : s.name)).join("\n")}\n`);
  const up = labctl(["class", "up", String(MODULE), "--roster", roster, "--name", CLASS, "--cpu-request-scale", "0.25", "--json"]);
  if (!check("class up", up.code === 0, `${up.seconds.toFixed(1)} s for ${STUDENTS.length} labs${up.code ? `: ${up.err.trim().split("\n").pop()}` : ""}`)) return;
  const stood: StoodUp = await readStack(await selectLabStack(classStackName(CLASS)));

  log("every lab: probes");
  const memory: Record<string, number> = {};
  for (const s of STUDENTS) {
    const name = lab(s.name);
    const plan = planOfLab(stood.cfg, name);
    const t0 = Date.now();
    const probes = await Promise.all(
      labProbes(plan).map(async (p) => {
        const pod = (await workloadPod(admin, name, p.workload)).metadata!.name!;
        return { p, r: await podExec(admin, name, pod, [...p.command], { timeoutMs: 180_000 }) };
      }),
    );
    check(`${name}: probes`, probes.every((x) => x.r.ok), `${probes.map((x) => `${x.p.service} ${x.r.ok ? "ok" : `FAILED (${x.r.reason}: ${x.r.stdout.trim().split("\n").pop() ?? ""})`}`).join(", ")} [${secs(t0)} s]`);
  }
  const status = labctl(["class", "status", "--class", CLASS]);
  check("class status: every lab ok", status.code === 0 && STUDENTS.every((s) => new RegExp(`${s.name}.*ok`).test(status.out)), `${status.seconds.toFixed(1)} s; ${status.out.trim().split("\n").length} lines`);
  await classCheck(dir);
  for (const s of STUDENTS) memory[lab(s.name)] = [...(await kubePodMemory({}, lab(s.name)).catch(() => new Map<string, number>())).values()].reduce((x, y) => x + y, 0);
  log(`memory per student lab (working sets after its check): ${Object.entries(memory).map(([l, b]) => `${l} ${formatBytes(b)}`).join(", ")}`);

  const out = path.join(dir, "handout");
  const handout = labctl(["class", "handout", "--class", CLASS, "--out", out]);
  const files = STUDENTS.flatMap((s) => ["kubeconfig", "credentials.env", "README.md"].map((f) => path.join(out, s.name, f)));
  const modes = files.map((f) => (fs.existsSync(f) ? fs.statSync(f).mode & 0o777 : -1));
  const roster0600 = fs.existsSync(path.join(out, "roster.csv")) && (fs.statSync(path.join(out, "roster.csv")).mode & 0o777) === 0o600;
  check("class handout", handout.code === 0 && modes.every((m) => m === 0o600) && roster0600 && !/token|BEGIN|AWS_SECRET/i.test(handout.out), `${files.length} files, modes ${[...new Set(modes.map((m) => m.toString(8)))].join(",")}, roster.csv ${roster0600 ? "0600" : "missing or open"}; printed: ${handout.out.trim().slice(0, 80)}`);

  const [a, b] = [lab(STUDENTS[0]!.name), lab(STUDENTS[1]!.name)];
  const aKc = loadKubeConfig({ kubeconfig: path.join(out, STUDENTS[0]!.name, "kubeconfig") });
  const targets = await openPorts(admin, b, attackPy);
  log(`attacks from ${a} (inside its workspace, with its kubeconfig) on ${b}: ${targets.length} open ports of ${b}'s Services, Jupyter, S3, Spark, the API`);
  const aCreds = stood.credentials[a]!;
  const attacks = await attackSuite(aKc, admin, a, b, targets, { token: aCreds.jupyterToken!, key: aCreds.s3AccessKey!, secret: aCreds.s3SecretKey! }, attackPy);
  summary("attacks", attacks);
  check("isolation holds", attacks.length >= 20 && attacks.every((x) => !x.ok), `${attacks.length} attempts, ${attacks.filter((x) => x.ok).length} succeeded`);

  await connectAndRunCell(path.join(out, STUDENTS[0]!.name, "kubeconfig"));

  log("control: isolation off (no NetworkPolicies, one set of credentials, a cluster-wide role), same attacks");
  const t2 = Date.now();
  const kubernetes = (await stood.stack.getConfig("lab:kubernetes")).value;
  await stood.stack.setConfig("lab:kubernetes", { value: JSON.stringify({ ...JSON.parse(kubernetes), networkPolicies: false }) });
  await stood.stack.up();
  log(`  NetworkPolicies removed by pulumi up in ${secs(t2)} s`);
  const bCreds = stood.credentials[b]!;
  const controlKc = await clusterWideAttacker(admin, a);
  try {
    const control = await attackSuite(controlKc, admin, a, b, targets, { token: bCreds.jupyterToken!, key: bCreds.s3AccessKey!, secret: bCreds.s3SecretKey! }, attackPy);
    summary("control", control);
    check("the suite can detect a breach", control.length === attacks.length && control.every((x) => x.ok), `${control.length} attempts, ${control.filter((x) => x.ok).length} succeeded`);
  } finally {
    await removeClusterWideAttacker(admin);
  }

  await staffAccess(stood, admin, lab(STUDENTS[1]!.name));
  await sleepAndWake(stood, admin, STUDENTS[2]!.name);
  await janitorProof({ className: CLASS, module: MODULE, roster, students: STUDENTS.map((s) => s.name), admin, tally, stood: async () => readStack(await selectLabStack(classStackName(CLASS))) });

  if (keep) {
    log(`--keep: class ${CLASS} left running; handout in ${out}`);
  } else {
    const down = labctl(["class", "down", "--class", CLASS]);
    check("class down: nothing of the class left", down.code === 0, `${down.seconds.toFixed(1)} s: ${(down.code === 0 ? down.out : down.err).trim().split("\n").pop()}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main()
  .catch((err: unknown) => {
    check("class end-to-end", false, String((err as Error)?.stack ?? err).split("\n").slice(0, 3).join(" | "));
    // Never leave a half-tested class on the cluster for the next run.
    if (!process.argv.includes("--keep")) labctl(["class", "down", "--class", CLASS], { timeoutSeconds: 900 });
  })
  .finally(() => tally.finish());
