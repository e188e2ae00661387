/**
 * How a class scales in Pulumi: a real `pulumi preview` of the project's
 * program (stacks/index.ts) for a class of N students on the project's
 * Kubernetes node, through the Automation API on a scratch file backend
 * (the stack is removed after each run; a preview creates nothing). Per
 * class size: the preview's time, its time per planned resource, how many
 * resources it plans to create, and the peak memory (VmHWM, sampled every
 * 200 ms from /proc) of the program, the CLI and the Kubernetes provider.
 *
 *   flock /tmp/labs-real.lock npm run bench -- --sections class --class-sizes 10,30,100 --runs 1
 *
 * Each stack is seeded as labctl seeds the stacks it creates (`lab:secretSeed`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT, pulumiCommand, pulumiEnv, setSecretSeed } from "../../lab-workloads/access/automation";
import { labConfigEntries } from "../../lab-workloads/access/stack-settings";
import { MODULES } from "../../components/lab/modules";
import { Figure, textTable } from "./table";
import { BENCH_MODULE, classStackConfig, CPU_REQUEST_SCALE, studentNames } from "./class-config";
import { NODE_KUBECONFIG } from "../reliability/node";
import { mib, Peaks, startPeakSampler } from "./proc-tree";
import { previewEvents } from "../reliability/preview";

/** Scratch state of the benchmark's previews (never the checkout's own state). */
export const BENCH_STATE = path.join(os.tmpdir(), "bigdata-labs-bench", "state");

/** The goal for a class of 100: a preview within a minute (median). */
export const PREVIEW_GOAL_SECONDS = 60;

/** What one preview did. */
export interface PreviewRun {
  readonly seconds: number;
  /** Resources the preview planned to create, besides the stack itself. */
  readonly planned: number;
  readonly failed: boolean;
  readonly errors: string[];
  readonly peaks: Peaks;
  /** Every sampled process: kind, command line, peak. */
  readonly processes: string[];
  /** The program's capacity check refused the class and the run was repeated without it. */
  readonly capacityCheckSkipped?: string;
}

/** The capacity check's refusal (stacks/config.ts checkClassFits), from a preview's error lines. */
export function capacityRefusal(errors: readonly string[]): string | undefined {
  return errors.find((e) => e.includes("lab:students") && /more than the cluster's .* can allocate/.test(e));
}

/**
 * One real `pulumi preview` of a fresh stack with `config` (the only part
 * timed and sampled), the stack removed afterwards.
 */
async function previewOnce(stackName: string, config: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string>>): Promise<Omit<PreviewRun, "capacityCheckSkipped">> {
  fs.mkdirSync(BENCH_STATE, { recursive: true });
  const envVars = { ...pulumiEnv(PROJECT_ROOT), PULUMI_BACKEND_URL: `file://${BENCH_STATE}`, PULUMI_CONFIG_PASSPHRASE: "bench", ...env };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: PROJECT_ROOT }, { envVars, pulumiCommand: await pulumiCommand() });
  try {
    // Seeded as labctl seeds the stacks it creates (the labs' credentials derived, no dynamic provider).
    await setSecretSeed(stack);
    await stack.setAllConfig(labConfigEntries(config));
    const events = previewEvents();
    const errors = events.errors;
    let failed = false;
    const sampler = startPeakSampler(process.pid, 200);
    const t0 = process.hrtime.bigint();
    try {
      await stack.preview({ onEvent: events.onEvent });
    } catch (err) {
      failed = true;
      if (errors.length === 0) errors.push(String((err as Error).message).trim().split("\n").slice(-3).join(" | "));
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const peaks = sampler.stop();
    return { seconds, planned: events.planned(), failed, errors, peaks, processes: sampler.commands() };
  } finally {
    await stack.workspace.removeStack(stackName, { force: true });
  }
}

/**
 * A preview of a class of `students` of the bench module on the project's
 * node. When the program's capacity check refuses the class (it does not
 * fit the node's allocatable CPU and memory), the preview is run again with
 * that check off (LABS_SKIP_CLUSTER_CHECK=1) and says so.
 */
export async function previewClass(students: number, run: number): Promise<PreviewRun> {
  const names = studentNames(students);
  const config = classStackConfig({
    module: BENCH_MODULE,
    name: "bench",
    students: names.map((n) => ({ name: n, email: `${n}@example.org` })),
    kubeconfig: NODE_KUBECONFIG,
    context: "bigdata-labs",
    cpuRequestScale: CPU_REQUEST_SCALE,
  });
  const stack = `bench-class-${students}-${run}`;
  const first = await previewOnce(stack, config, {});
  const refusal = first.failed ? capacityRefusal(first.errors) : undefined;
  if (!refusal) return first;
  return { ...(await previewOnce(stack, config, { LABS_SKIP_CLUSTER_CHECK: "1" })), capacityCheckSkipped: refusal };
}

/** The figures of one class size from its runs (pure). */
export function sizeFigures(students: number, runs: readonly PreviewRun[]): Figure[] {
  const section = `class preview m${BENCH_MODULE}`;
  const who = `${students} students`;
  const skipped = runs.find((r) => r.capacityCheckSkipped)?.capacityCheckSkipped;
  const asked = skipped ? /request (\S+ CPU) and (\S+ \S+?),/.exec(skipped) : undefined;
  const base = `module ${BENCH_MODULE}: ${Object.keys(MODULES[BENCH_MODULE].services).join("+")}, the most resources per lab; real preview on the project's node, nothing created`;
  const note = skipped ? `${base}; capacity check off, it refuses the class${asked ? ` (${asked[1]}, ${asked[2]} requested)` : ""}` : base;
  const peak = (k: keyof Peaks) => runs.map((r) => mib(r.peaks[k].bytes));
  return [
    { section, name: `${who}: preview`, unit: "s", samples: runs.map((r) => r.seconds), ...(students === 100 ? { goals: [{ max: PREVIEW_GOAL_SECONDS, on: "median" as const }] } : {}), note },
    { section, name: `${who}: per planned resource`, unit: "ms", samples: runs.map((r) => (r.planned > 0 ? (r.seconds * 1000) / r.planned : NaN)) },
    { section, name: `${who}: resources planned`, unit: "count", samples: runs.map((r) => r.planned), note: "creates the preview plans, the stack itself not counted" },
    { section, name: `${who}: program peak`, unit: "MiB", samples: peak("program"), note: "VmHWM of the node process running stacks/index.ts, sampled every 200 ms" },
    { section, name: `${who}: CLI peak`, unit: "MiB", samples: peak("cli"), note: "VmHWM of the pulumi process" },
    { section, name: `${who}: Kubernetes provider peak`, unit: "MiB", samples: peak("provider"), note: "VmHWM of pulumi-resource-kubernetes" },
    // A stack without lab:secretSeed generates its labs' secrets in a dynamic provider (a Node.js process); seeded stacks start none.
    ...(runs.some((r) => r.peaks["dynamic-provider"].processes > 0)
      ? [{ section, name: `${who}: dynamic provider peak`, unit: "MiB" as const, samples: peak("dynamic-provider"), note: "VmHWM of the node process of the program's generated secrets" }]
      : []),
  ];
}

/** Previews classes of every size, `runs` times each; a failed preview stops the section with its error. */
export async function classScaleFigures(opts: { sizes: number[]; runs: number; log: (l: string) => void }): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const students of opts.sizes) {
    const runs: PreviewRun[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const r = await previewClass(students, i);
      const p = r.peaks;
      opts.log(
        `class preview: ${students} students, run ${i + 1}/${opts.runs}: ${r.failed ? "FAILED" : "ok"} in ${r.seconds.toFixed(1)} s, ${r.planned} resources planned; ` +
          `peak MiB program ${mib(p.program.bytes).toFixed(0)} (${p.program.processes} proc), CLI ${mib(p.cli.bytes).toFixed(0)}, language host ${mib(p["language-host"].bytes).toFixed(0)}, ` +
          `provider ${mib(p.provider.bytes).toFixed(0)} (${p.provider.processes} proc), dynamic provider ${mib(p["dynamic-provider"].bytes).toFixed(0)}, other ${mib(p.other.bytes).toFixed(0)} (${p.other.processes} proc)` +
          `${r.capacityCheckSkipped ? "; capacity check skipped after it refused the class" : ""}; load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
      );
      if (i === 0) opts.log(`  processes: ${r.processes.join("; ")}`);
      if (r.failed) throw new Error(`preview of a class of ${students} failed: ${r.errors.join(" | ").slice(0, 400)}`);
      runs.push(r);
    }
    figures.push(...sizeFigures(students, runs));
  }
  return figures;
}

