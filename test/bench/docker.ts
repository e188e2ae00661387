/**
 * The Docker section of the benchmark, per module and run, through labctl as
 * a student runs it: `up` until every container passes its health check (and
 * the starter data is written), a no-op `up`, `status`, idle memory, the
 * module's check with its peak memory, and `down`. The baseline, in the same
 * run: the same containers from a compose file generated from the same specs
 * (compose-file.ts), `docker compose up --wait` and `down -v`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ModuleId } from "../../components/lab/modules";
import { labInstances } from "../../components/config/schema";
import { selectLabStack, stackName } from "../../lab-workloads/access/automation";
import { configOfStack, planOfLab } from "../../lab-workloads/access/stack-lab";
import { LabPlan } from "../../components/lab/plan";
import { dockerObjects } from "../reliability/preview";
import { pinImages } from "../reliability/pin-images";
import { composeDocument, randomSecrets } from "./compose-file";
import { containersMemoryMiB, labctlTimed, failureLine, keepFailureLog, MemorySampler, timed, Timed } from "./measure";
import { REPO } from "../e2e/harness";
import { Figure } from "./table";

/** Options of the Docker section. */
export interface DockerBenchOptions {
  readonly modules: readonly ModuleId[];
  readonly runs: number;
  /** Seconds after `up` before idle memory is read. @default 60 */
  readonly idleSeconds: number;
  /** The docker-compose binary (scripts/bench/compose.sh). */
  readonly compose: string;
  readonly log: (line: string) => void;
}

/** The samples of one module, by figure. */
type Samples = Record<"up" | "noop" | "status" | "idle" | "check" | "peak" | "down" | "composeUp" | "composeDown", number[]>;

function fail(what: string, r: Timed): never {
  throw new Error(`${what} failed (exit ${r.code}): ${failureLine(r)} (all it printed: ${path.relative(REPO, keepFailureLog(what, r))})`);
}

/** The plan of the lab labctl's stack of `module` stands up (its own config: images, ports, services). */
async function stackPlan(module: ModuleId): Promise<LabPlan> {
  const stack = await selectLabStack(stackName(module, "docker"));
  const cfg = configOfStack(await stack.getAllConfig());
  return planOfLab(cfg, labInstances(cfg)[0]!.name);
}

/**
 * One compose up/down of the lab's containers, planned as labctl's stack
 * planned them (read while it was up: `down` removes the stack); the lab
 * itself must be down.
 */
async function composeRun(plan: LabPlan | undefined, compose: string, s: Samples, log: (l: string) => void): Promise<void> {
  if (!plan) throw new Error("no plan of the lab to compose: its labctl run failed before the stack was read");
  const project = `bench-${plan.name}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bigdata-labs-bench-"));
  const file = path.join(dir, "compose.yaml");
  // The file holds fresh random credentials: readable by its owner only, removed afterwards.
  fs.writeFileSync(file, stringify(composeDocument(plan, project, randomSecrets(plan.specs))), { mode: 0o600 });
  const args = ["-f", file, "-p", project];
  try {
    const up = await timed(compose, [...args, "up", "--wait", "--quiet-pull"], { timeoutSeconds: 900 });
    if (up.code !== 0) fail("docker compose up --wait", up);
    const down = await timed(compose, [...args, "down", "-v", "--timeout", "30"], { timeoutSeconds: 600 });
    if (down.code !== 0) fail("docker compose down -v", down);
    s.composeUp.push(up.seconds);
    s.composeDown.push(down.seconds);
    log(`    compose: up --wait ${up.seconds.toFixed(1)} s, down -v ${down.seconds.toFixed(1)} s`);
  } finally {
    await timed(compose, [...args, "down", "-v", "--timeout", "10"], { timeoutSeconds: 300 });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One labctl run of the module: up, no-op up, status, idle memory, check
 * with peak memory, down. Returns the plan of the lab the stack stood up.
 */
async function labctlRun(module: ModuleId, lab: string, idleSeconds: number, s: Samples, log: (l: string) => void): Promise<LabPlan> {
  const up = await labctlTimed(["up", String(module), "--json"]);
  if (up.code !== 0) fail(`labctl up ${module}`, up);
  const plan = await stackPlan(module);
  const noop = await labctlTimed(["up", String(module), "--json"]);
  if (noop.code !== 0) fail(`second labctl up ${module}`, noop);
  const status = await labctlTimed(["status"]);
  if (status.code !== 0) fail("labctl status", status);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idle = await containersMemoryMiB(`${lab}-`);
  const sampler = new MemorySampler(`${lab}-`);
  const check = await labctlTimed(["check", String(module)], 1800);
  const peak = await sampler.stop();
  if (check.code !== 0) fail(`labctl check ${module}`, check);
  const down = await labctlTimed(["down", String(module)]);
  if (down.code !== 0) fail(`labctl down ${module}`, down);
  const left = await dockerObjects(lab);
  if (left > 0) throw new Error(`labctl down ${module} left ${left} Docker object(s) of ${lab}`);
  s.up.push(up.seconds);
  s.noop.push(noop.seconds);
  s.status.push(status.seconds);
  s.idle.push(idle);
  s.check.push(check.seconds);
  s.peak.push(peak.peakMiB);
  s.down.push(down.seconds);
  log(`    labctl: up ${up.seconds.toFixed(1)} s, no-op up ${noop.seconds.toFixed(1)} s, status ${status.seconds.toFixed(1)} s, idle ${idle.toFixed(0)} MiB, check ${check.seconds.toFixed(1)} s (peak ${peak.peakMiB.toFixed(0)} MiB over ${peak.samples} samples), down ${down.seconds.toFixed(1)} s`);
  return plan;
}

/** Figures of one module from its samples. */
export function moduleFigures(module: ModuleId, s: Samples): Figure[] {
  const section = `docker m${module}`;
  const compose = (samples: number[]) => (samples.length > 0 ? { baseline: { name: "compose", samples } } : {});
  return [
    { section, name: "up to ready", unit: "s", samples: s.up, ...compose(s.composeUp), goals: [{ max: 30, on: "median" }, { max: 1.3, on: "ratio" }], note: "labctl up, starter data included; baseline compose up --wait" },
    { section, name: "no-op up", unit: "s", samples: s.noop, goals: [{ max: 6, on: "median" }] },
    { section, name: "status", unit: "s", samples: s.status, goals: [{ max: 5, on: "median" }] },
    { section, name: "check", unit: "s", samples: s.check, goals: [{ max: 60, on: "median" }], note: "labctl check, wall" },
    { section, name: "destroy", unit: "s", samples: s.down, ...compose(s.composeDown), note: "labctl down, verified" },
    { section, name: "idle memory", unit: "MiB", samples: s.idle },
    { section, name: "peak memory in check", unit: "MiB", samples: s.peak, note: "sampled each 1 s, job containers included" },
  ].filter((f) => f.samples.length > 0) as Figure[];
}

/** Runs the Docker section; a failed run is reported and left out, the others still count. */
export async function dockerFigures(opts: DockerBenchOptions): Promise<{ figures: Figure[]; failures: string[] }> {
  const figures: Figure[] = [];
  const failures: string[] = [];
  for (const module of opts.modules) {
    const lab = `bigdata-m${module}`;
    const s: Samples = { up: [], noop: [], status: [], idle: [], check: [], peak: [], down: [], composeUp: [], composeDown: [] };
    // The plan of the last lab labctl stood up (compose goes first in even runs, after run 1 read it).
    let plan: LabPlan | undefined;
    for (let run = 1; run <= opts.runs; run++) {
      opts.log(`docker m${module}: run ${run}/${opts.runs}`);
      await labctlTimed(["down", String(module)]);
      await pinImages(module, (l) => opts.log(`    ${l}`));
      // Alternate which tool goes first, so neither always meets a warmer page cache.
      const steps = [
        async () => {
          plan = await labctlRun(module, lab, opts.idleSeconds, s, opts.log);
        },
        () => composeRun(plan, opts.compose, s, opts.log),
      ];
      for (const step of run % 2 === 1 ? steps : steps.reverse()) {
        try {
          await step();
        } catch (err) {
          const line = `docker m${module} run ${run}: ${(err as Error).message.split("\n")[0]}`;
          failures.push(line);
          opts.log(`    FAILED ${line}`);
          await labctlTimed(["down", String(module)]);
        }
      }
    }
    figures.push(...moduleFigures(module, s));
  }
  return { figures, failures };
}
