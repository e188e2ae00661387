/**
 * How long `labctl class status` takes: (a) a real class of 3 students of
 * module 1 on the project's Kubernetes node (class up, status `runs` times,
 * class down verified empty), and (b) a class of 30 against a SIMULATED
 * Kubernetes API (test/bench/fake-kube.ts) with a class stack whose state
 * is imported (its config as `class up` sets it, its `classroom` output).
 * Each run is the wall time of `scripts/labctl class status` in its own
 * process, as an instructor runs it (the process's start included).
 *
 *   flock /tmp/labs-real.lock npx ts-node --transpile-only test/bench/status.ts --runs 3 [--real-only | --simulated-only]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { CoreV1Api } from "@kubernetes/client-node";
import { Deployment } from "@pulumi/pulumi/automation";
import { moduleImages } from "../../components/lab/modules";
import { labWorkspace, openLabStack } from "../../lab-workloads/access/automation";
import { labConfigEntries } from "../../lab-workloads/access/stack-settings";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { configOfStack, planOfLab } from "../../lab-workloads/access/stack-lab";
import { classNames, classStackName } from "../../cli/class/stacks";
import { REPO } from "../e2e/harness";
import { loadImageManifest } from "../../components/config/stack-values";
import { labctlTimed } from "./measure";
import { Figure, textTable } from "./table";
import { classStackConfig, rosterText, studentNames } from "./class-config";
import { NODE_KUBECONFIG } from "../reliability/node";
import { FAKE_CONTEXT, LabObjects, labObjects, selfSignedCert, startFakeKube, writeFakeKubeconfig } from "./fake-kube";

const run = promisify(execFile);
/** The goal: a class's status within 5 s (median). */
export const STATUS_GOAL_SECONDS = 5;

/** The lab reads' time class status prints on its last line (`... in 1.2 s`), pure; undefined when absent. */
export function printedSeconds(out: string): number | undefined {
  const m = /labs without failures.* in (\d+(?:\.\d+)?) s\s*$/m.exec(out.trim());
  return m ? Number(m[1]) : undefined;
}

/** The baseline of every status figure: `labctl --help`, the same process start (Node, the CLI's modules) doing nothing else. */
const START_BASELINE = "labctl --help";

/**
 * Times `class status` `runs` times, each after one `labctl --help` (the
 * baseline); a run that neither passes (0) nor reports a failing lab (1)
 * stops it.
 */
async function timeStatus(className: string, runs: number, log: (l: string) => void, label: string): Promise<{ wall: number[]; printed: number[]; codes: number[]; start: number[] }> {
  const wall: number[] = [];
  const printed: number[] = [];
  const codes: number[] = [];
  const start: number[] = [];
  for (let i = 0; i < runs; i++) {
    const help = await labctlTimed(["--help"], 120);
    if (help.code !== 0) throw new Error(`labctl --help exit ${help.code}: ${help.err.trim().split("\n").pop() ?? ""}`);
    start.push(help.seconds);
    const r = await labctlTimed(["class", "status", "--class", className], 300);
    const p = printedSeconds(r.out);
    log(`${label}: class status run ${i + 1}/${runs}: exit ${r.code} in ${r.seconds.toFixed(2)} s (it prints ${p ?? "?"} s; labctl --help ${help.seconds.toFixed(2)} s); ${r.out.trim().split("\n").pop() ?? ""}`);
    if (r.code !== 0) log(`${label}: class status printed:\n${r.out.trim().split("\n").slice(0, 6).join("\n")}`);
    if ((r.code !== 0 && r.code !== 1) || p === undefined) throw new Error(`${label}: class status exit ${r.code}: ${(r.err || r.out).trim().split("\n").slice(-3).join(" | ").slice(0, 400)}`);
    wall.push(r.seconds);
    printed.push(p);
    codes.push(r.code);
  }
  return { wall, printed, codes, start };
}

/** Namespaces of class `name` on the project's node. */
async function classNamespaces(name: string): Promise<string[]> {
  const core = loadKubeConfig({ kubeconfig: NODE_KUBECONFIG }).makeApiClient(CoreV1Api);
  return (await core.listNamespace({ labelSelector: `bigdata-labs.io/class=${name}` })).items.map((n) => n.metadata!.name!);
}

/** (a) A real class of 3 of module 1 on the project's node: up, status `runs` times, down and verified empty. */
export async function realClassStatus(runs: number, log: (l: string) => void): Promise<Figure[]> {
  const name = "benchst";
  const module = 1;
  const manifest = loadImageManifest();
  const images = moduleImages(module).map((i) => `${manifest.registryPrefix}/${i}:${manifest.images[i as keyof typeof manifest.images]!.tag}`);
  const node = path.join(REPO, "scripts", "kube", "node.sh");
  log(`real: ${(await run("bash", [node, "start"], { timeout: 900_000 })).stdout.trim().split("\n").pop()}`);
  log(`real: ${(await run("bash", [node, "load", ...images, "registry.k8s.io/pause:3.10"], { timeout: 1_800_000 })).stdout.trim().split("\n").pop()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-status-"));
  const roster = path.join(dir, "students.csv");
  fs.writeFileSync(roster, rosterText(studentNames(3)));
  const up = await labctlTimed(["class", "up", String(module), "--roster", roster, "--name", name, "--cpu-request-scale", "0.25", "--kubeconfig", NODE_KUBECONFIG, "--json"], 1800);
  log(`real: class up ${name} (3 labs of module ${module}): exit ${up.code} in ${up.seconds.toFixed(1)} s`);
  let measured: Awaited<ReturnType<typeof timeStatus>> | undefined;
  let failure: unknown;
  try {
    if (up.code !== 0) throw new Error(`class up failed (exit ${up.code}): ${up.err.trim().split("\n").pop() ?? ""}`);
    measured = await timeStatus(name, runs, log, "real");
  } catch (err) {
    failure = err;
  } finally {
    const down = await labctlTimed(["class", "down", "--class", name], 1800);
    const left = await classNamespaces(name);
    const stacks = (await classNames(await labWorkspace())).filter((c) => c === name);
    log(`real: class down: exit ${down.code} in ${down.seconds.toFixed(1)} s: ${(down.code === 0 ? down.out : down.err).trim().split("\n").pop() ?? ""}; left: ${left.length} namespaces${left.length ? ` (${left.join(", ")})` : ""}, ${stacks.length} stack`);
    fs.rmSync(dir, { recursive: true, force: true });
    if (!failure && (down.code !== 0 || left.length > 0 || stacks.length > 0)) failure = new Error(`class down left ${left.length} namespaces and ${stacks.length} stack (exit ${down.code})`);
  }
  if (failure || !measured) throw failure instanceof Error ? failure : new Error(String(failure));
  const section = "class status";
  const exits = [...new Set(measured.codes)].join(",");
  return [
    { section, name: "3 labs, project's node", unit: "s", samples: measured.wall, baseline: { name: START_BASELINE, samples: measured.start }, goals: [{ max: STATUS_GOAL_SECONDS, on: "median" }], note: `real class of module 1 (cpu-request-scale 0.25), wall time of scripts/labctl class status, process start included, exit ${exits}` },
    { section, name: "3 labs, project's node: reads", unit: "s", samples: measured.printed, note: "the time class status prints: lab lists and Jupyter execs, after reading the stack" },
  ];
}

/** The class stack's deployment with one resource, the stack, whose outputs hold `classroom` (pure). */
export function classDeployment(base: Deployment, stackName: string, classroom: { name: string; module: number; students: { name: string; lab: string; email?: string }[] }): Deployment {
  const now = new Date().toISOString();
  const stackResource = { urn: `urn:pulumi:${stackName}::bigdata-labs::pulumi:pulumi:Stack::bigdata-labs-${stackName}`, custom: false, type: "pulumi:pulumi:Stack", outputs: { classroom }, created: now, modified: now };
  const inner = (base.deployment ?? {}) as Record<string, unknown>;
  return { version: base.version, deployment: { ...inner, resources: [stackResource] } };
}

/** (b) A class of `students` of module 1 against the simulated API, with an imported class stack. */
export async function simulatedClassStatus(students: number, runs: number, log: (l: string) => void): Promise<Figure[]> {
  const name = "benchsim";
  const module = 1;
  const stackName = classStackName(name);
  if ((await classNames(await labWorkspace())).includes(name)) throw new Error(`stack ${stackName} already exists in this checkout; remove it first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-status-sim-"));
  const kubeconfig = path.join(dir, "simulated.kubeconfig");
  const roster = studentNames(students).map((n) => ({ name: n, email: `${n}@example.org` }));
  const config = classStackConfig({ module, name, students: roster, kubeconfig, context: FAKE_CONTEXT, cpuRequestScale: 0.25 });
  const cfg = configOfStack(labConfigEntries(config));
  const created = new Date(Date.now() - 3600_000);
  const labs = new Map<string, LabObjects>(roster.map((s) => [`${name}-${s.name}`, labObjects(`${name}-${s.name}`, planOfLab(cfg, `${name}-${s.name}`), { className: name, created })]));
  const activity = JSON.stringify({ started: created.toISOString(), last_activity: new Date(Date.now() - 600_000).toISOString(), kernels: [new Date(Date.now() - 300_000).toISOString()] });
  const tls = selfSignedCert(dir);
  const api = await startFakeKube(labs, () => `${activity}\n`, tls);
  writeFakeKubeconfig(dir, api.url, tls.cert);
  const { module: _m, target: _t, ...rest } = config;
  const stack = await openLabStack({ module, target: "kubernetes", stackName, config: rest });
  try {
    const classroom = { name, module, students: roster.map((s) => ({ name: s.name, lab: `${name}-${s.name}`, email: s.email })) };
    await stack.importStack(classDeployment(await stack.exportStack(), stackName, classroom));
    const pods = [...labs.values()].reduce((a, l) => a + l.pods.length, 0);
    log(`simulated: ${labs.size} labs (${pods} pods) on a simulated API at ${api.url}; stack ${stackName} imported`);
    const before = new Map(api.calls);
    const measured = await timeStatus(name, runs, log, "simulated");
    const perRun = [...api.calls].map(([k, v]) => `${k} ${(v - (before.get(k) ?? 0)) / runs}`).join(", ");
    log(`simulated: API calls per status run: ${perRun}`);
    const section = "class status";
    const note = `SIMULATED Kubernetes API (local HTTPS server answering the reads and execs with 30 ready labs of module 1), class stack imported; per run: ${perRun}`;
    return [
      { section, name: `${students} labs, simulated API`, unit: "s", samples: measured.wall, baseline: { name: START_BASELINE, samples: measured.start }, goals: [{ max: STATUS_GOAL_SECONDS, on: "median" }], note },
      { section, name: `${students} labs, simulated API: reads`, unit: "s", samples: measured.printed, note: "the time class status prints (simulated API)" },
    ];
  } finally {
    await stack.workspace.removeStack(stackName, { force: true });
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Both parts: the real class of 3, then the simulated class of 30. */
export async function statusFigures(opts: { runs: number; log: (l: string) => void }): Promise<Figure[]> {
  const real = await realClassStatus(opts.runs, opts.log);
  const simulated = await simulatedClassStatus(30, opts.runs, opts.log);
  return [...real, ...simulated];
}

