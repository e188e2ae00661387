/**
 * The reliability suite, with counts:
 *
 *   npm run test:reliability [-- --cycles N] [--only bad,cycles,faults] [--interrupt-at S] [--fault-modules 2,4,5]
 *
 * - bad inputs through labctl and a real `pulumi preview` of the program:
 *   `bad inputs: N tried, N one-line, 0 resources`;
 * - `up`/`down` cycles of module 2 on Docker and an interrupted `up`:
 *   `cycles: N/N clean`;
 * - faults injected with `labctl fault` during module checks, and data that
 *   must survive restarts: `faults: N injected, N recovered or clearly reported`.
 *
 * Ends with `N passed, N failed`. Sections that start containers must not
 * overlap other real runs: run it under `flock /tmp/labs-real.lock`.
 */
import { parseArgs } from "util";
import { ModuleId } from "../../components/lab/modules";
import { labctl, log, Tally } from "../e2e/harness";
import { BadInputResult, cliCases, configCases, pooled, runCliCase, runConfigCase } from "./bad-inputs";
import { NODE_KUBECONFIG, nodeAnswers } from "./node";
import { cycle, interruptedUp } from "./cycles";
import { FAULT_SEEN, faultDuringCheck, FaultResult, hdfsSurvives, kafkaSurvives, minioAndNotebookSurvive } from "./faults";
import { pinImages } from "./pin-images";
import { EXECUTOR_LOST } from "../../lab-workloads/common/job-error";

const SECTIONS = ["bad", "cycles", "faults"] as const;

async function badInputs(t: Tally): Promise<void> {
  const live = await nodeAnswers();
  const usesNode = (c: { env?: Record<string, string>; config?: unknown }) => JSON.stringify(c).includes(NODE_KUBECONFIG);
  const cliAll = cliCases();
  const cfgAll = configCases();
  const cliList = live ? cliAll : cliAll.filter((c) => !usesNode(c));
  const cfgList = live ? cfgAll : cfgAll.filter((c) => !usesNode(c));
  if (!live) log(`bad inputs: the project's Kubernetes node does not answer (npm run kube -- start); ${cliAll.length + cfgAll.length - cliList.length - cfgList.length} cases that ask it are left out`);
  log("bad inputs: labctl command lines");
  const cli = await pooled(cliList, 3, runCliCase);
  log("bad inputs: stack config through pulumi preview");
  const cfg = await pooled(cfgList, 3, runConfigCase);
  const all: BadInputResult[] = [...cli, ...cfg];
  for (const r of all) t.check(r.what, r.ok, r.detail);
  const oneLine = all.filter((r) => r.oneLine).length;
  const resources = all.reduce((a, r) => a + r.resources, 0);
  process.stdout.write(`bad inputs: ${all.length} tried, ${oneLine} one-line, ${resources} resources\n`);
}

/** Stands up a module's lab for a section (local builds in place of unbuilt manifest tags). */
async function up(module: ModuleId): Promise<boolean> {
  await pinImages(module, (l) => log(`  ${l}`));
  const r = labctl(["up", String(module)], { timeoutSeconds: 900 });
  if (r.code !== 0) log(`  labctl up ${module} failed (exit ${r.code}): ${(r.err || r.out).trim().split("\n").pop()}`);
  // The faults need the services, not the starter data (a check writes its own data).
  return r.code === 0 || /the lab is up but its starter data was not written/.test(r.err);
}

async function cycles(t: Tally, n: number, interruptAt: number): Promise<void> {
  const module: ModuleId = 2;
  const lab = `bigdata-m${module}`;
  let clean = 0;
  for (let i = 1; i <= n; i++) {
    await pinImages(module, () => undefined);
    const r = cycle(module, lab);
    if (t.check(`cycle ${i}/${n} of module ${module} (up, down, leftovers)`, r.clean, r.detail)) clean++;
  }
  process.stdout.write(`cycles: ${clean}/${n} clean\n`);
  await pinImages(module, () => undefined);
  const r = await interruptedUp(module, lab, interruptAt);
  t.check(`up of module ${module} interrupted (SIGINT, then SIGKILL), then up and down`, r.clean, r.detail);
}

async function faults(t: Tally, modules: readonly number[]): Promise<void> {
  const results: FaultResult[] = [];
  const section = async (module: ModuleId, steps: (() => Promise<FaultResult | FaultResult[]>)[]) => {
    if (!(await up(module))) {
      t.check(`module ${module}'s lab for the fault tests`, false, "labctl up failed");
      labctl(["down", String(module)], { timeoutSeconds: 600 });
      return;
    }
    for (const step of steps) {
      try {
        const r = await step();
        results.push(...(Array.isArray(r) ? r : [r]));
      } catch (err) {
        results.push({ name: `module ${module} fault step`, handled: false, detail: (err as Error).message.split("\n")[0]! });
      }
    }
    const d = labctl(["down", String(module)], { timeoutSeconds: 600 });
    t.check(`module ${module}'s lab down after the faults`, d.code === 0, `exit ${d.code}`);
  };
  // Module 2: injected as word count's first action starts; it counts as recovered only when a
  // running application lost its executor (Spark's "Lost executor" line) and the checks passed.
  // Module 4: injected at any job's first line. Judged by the line the check's own watch writes
  // on the faulted service (lab-workloads/common/watch.ts), never by a job's text.
  if (modules.includes(2)) await section(2, [() => faultDuringCheck(2, "spark-worker", /wordcount \| plan built/, 20, FAULT_SEEN.sparkWorker, EXECUTOR_LOST), () => minioAndNotebookSurvive(2)]);
  if (modules.includes(4)) await section(4, [() => faultDuringCheck(4, "kafka", / \| /, 15, FAULT_SEEN.kafka), () => kafkaSurvives(4)]);
  if (modules.includes(5)) await section(5, [() => hdfsSurvives(5)]);
  for (const r of results) t.check(r.name, r.handled, r.detail);
  process.stdout.write(`faults: ${results.length} injected, ${results.filter((r) => r.handled).length} recovered or clearly reported\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { cycles: { type: "string", default: "10" }, only: { type: "string" }, "interrupt-at": { type: "string" }, "fault-modules": { type: "string", default: "2,4,5" } } });
  const n = Number(values.cycles);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--cycles ${values.cycles}: use a whole number from 1`);
  const only = values.only ? values.only.split(",") : [...SECTIONS];
  const unknown = only.find((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown) throw new Error(`--only ${unknown}: use ${SECTIONS.join(", ")}`);
  const interruptAt = values["interrupt-at"] ? Number(values["interrupt-at"]) : 8 + Math.floor(Math.random() * 20);
  const t = new Tally();
  if (only.includes("bad")) await badInputs(t);
  if (only.includes("cycles")) await cycles(t, n, interruptAt);
  if (only.includes("faults")) await faults(t, values["fault-modules"].split(",").map(Number));
  t.finish();
}

main().catch((err: unknown) => {
  process.stderr.write(`test:reliability: ${(err as Error).message}\n`);
  process.exitCode = 2;
});
