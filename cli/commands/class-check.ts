import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { BatchV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { openStackLab } from "../../lab-workloads/common/lab";
import { exerciseFiles } from "../../lab-workloads/common/jobs";
import { hasDriver, jobsDirOf, runWorkloadOn } from "../../lab-workloads/run";
import { labsDir } from "../../lab-workloads/access/automation";
import { canvasCsv, exerciseNames, feedbackMarkdown, GradebookRun, marksOf, nbgraderCsv, StudentGrade } from "../class/gradebook";
import { checkGrid, renderGrid } from "../class/grid";
import { runPool } from "../class/pool";
import { openClass } from "../class/stacks";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";
import { kubeCpuMillis } from "../../components/core/units";

/** Options of `labctl class check`. */
export interface ClassCheckOptions {
  readonly className?: string;
  /** Folder with one sub-folder per student (`DIR/<student>/*.py`). @default none: the reference jobs run in every lab */
  readonly solutions?: string;
  /** Time limit of one lab's whole check, in seconds. @default 1200 */
  readonly timeoutSeconds?: number;
  /** Labs checked at once. @default 2, up to 8 on clusters with more than 8 allocatable CPUs (one per 4 CPUs) */
  readonly parallel?: number;
  /** Seed of the generated data, the same for every student. @default a random seed, printed */
  readonly seed?: number;
  /**
   * What runs for an exercise file a student did not hand in: a job that
   * fails saying so, or the reference solution. @default "fail"
   */
  readonly unsubmitted?: "fail" | "reference";
  /** Folder for the gradebook files. @default `.labs/grades/<class>-<UTC timestamp>/` */
  readonly out?: string;
  readonly json: boolean;
}

/** What a student handed in, sorted against the module's exercise files (pure). */
export function sortSubmission(files: readonly string[], exercises: readonly string[]): { used: string[]; ignored: string[] } {
  const sorted = [...files].sort();
  return { used: sorted.filter((f) => exercises.includes(f)), ignored: sorted.filter((f) => !exercises.includes(f)) };
}

/** Labs checked at once by default: one per 4 allocatable CPUs of the cluster, at least 2, at most 8. */
export async function defaultParallel(kc: KubeConfig): Promise<number> {
  try {
    const nodes = await kc.makeApiClient(CoreV1Api).listNode();
    const millis = nodes.items.reduce((sum, n) => sum + (kubeCpuMillis(n.status?.allocatable?.["cpu"] ?? "0") || 0), 0);
    return Math.min(8, Math.max(2, Math.floor(millis / 4000)));
  } catch {
    return 2;
  }
}

/** Deletes the check Jobs (and their ConfigMaps and Secrets) left running in a lab whose check was stopped. */
async function stopCheckJobs(kc: KubeConfig, lab: string): Promise<void> {
  const labelSelector = "app.kubernetes.io/component=check-job";
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.allSettled([
    kc.makeApiClient(BatchV1Api).deleteCollectionNamespacedJob({ namespace: lab, labelSelector, propagationPolicy: "Background" }),
    core.deleteCollectionNamespacedConfigMap({ namespace: lab, labelSelector }),
    core.deleteCollectionNamespacedSecret({ namespace: lab, labelSelector }),
  ]);
}

/** The job run for an exercise file a student did not hand in: it fails, saying why. */
export function unsubmittedJob(file: string): string {
  return `import sys\nprint(${JSON.stringify(`not handed in: ${file} (no such file in your folder), so this exercise counts as failed`)}, file=sys.stderr)\nsys.exit(3)\n`;
}

const stamp = (d: Date) => d.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");

function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/**
 * `labctl class check`: runs the module's checks in every student's lab, a
 * few labs at a time, each under a time limit, with each student's files
 * from `--solutions DIR/<student>/` in place of the reference jobs of the
 * same name; prints a grid (a row per student, a column per exercise) and
 * writes nbgrader.csv, canvas.csv, feedback/<student>.md and the job logs
 * (all 0600). Exit 1 unless every student passed every exercise.
 */
export async function classCheck(opts: ClassCheckOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const { cfg } = stood;
  const students = stood.classroom?.students ?? [];
  if (students.length === 0) throw new UserError(`class ${cfg.name} has no labs up; run labctl class up first`);
  if (!stood.kube) throw new UserError(`class ${cfg.name} has no recorded cluster (it is not on Kubernetes)`);
  if (!hasDriver(cfg.module)) throw new UserError(`module ${cfg.module} has no workload checks yet`);
  const timeoutSeconds = opts.timeoutSeconds ?? 1200;
  if (!(timeoutSeconds > 0)) throw new UserError(`--timeout ${timeoutSeconds}: use a number of seconds above 0`);
  const exercises = exerciseFiles(jobsDirOf(cfg.module));

  // Each student's files, sorted before anything runs.
  const handedIn = new Map<string, { used: string[]; ignored: string[] }>();
  if (opts.solutions !== undefined) {
    if (!fs.existsSync(opts.solutions) || !fs.statSync(opts.solutions).isDirectory()) throw new UserError(`--solutions ${opts.solutions}: no such folder; give a folder with one sub-folder per student (DIR/<student>/*.py)`);
    for (const s of students) {
      const dir = path.join(opts.solutions, s.name);
      const files = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];
      handedIn.set(s.name, sortSubmission(files, exercises));
    }
    const strangers = fs.readdirSync(opts.solutions).filter((f) => fs.statSync(path.join(opts.solutions!, f)).isDirectory() && !students.some((s) => s.name === f));
    if (strangers.length > 0 && !opts.json) io.out(`Ignored folders of ${opts.solutions} (no such student in class ${cfg.name}): ${strangers.join(", ")}`);
  }

  const kc = loadKubeConfig(stood.kube);
  const parallel = opts.parallel ?? (await defaultParallel(kc));
  const seed = opts.seed ?? crypto.randomInt(1, 1_000_000);
  const at = new Date();
  const out = path.resolve(opts.out ?? path.join(labsDir(), "grades", `${cfg.name}-${stamp(at)}`));
  makePrivateDir(out);
  makePrivateDir(path.join(out, "logs"));
  makePrivateDir(path.join(out, "feedback"));
  const unsubmitted = opts.unsubmitted ?? "fail";
  // Stand-ins for files not handed in (not secret: readable by the job's user).
  const standIns = path.join(out, "not-handed-in");
  if (opts.solutions !== undefined && unsubmitted === "fail") {
    fs.mkdirSync(standIns, { recursive: true });
    for (const f of exercises) fs.writeFileSync(path.join(standIns, f), unsubmittedJob(f), { mode: 0o644 });
  }
  const graded = students.filter((s) => opts.solutions === undefined || handedIn.get(s.name)!.used.length > 0);
  if (!opts.json) io.out(`Checking ${graded.length} of ${students.length} labs of class ${cfg.name} (module ${cfg.module}, seed ${seed}), ${parallel} at a time, ${timeoutSeconds} s each`);

  const settled = await runPool(
    graded.map((s) => async (signal: AbortSignal) => {
      const logFile = path.join(out, "logs", `${s.name}.log`);
      writePrivate(logFile, "");
      const log = (l: string) => fs.appendFileSync(logFile, `${new Date().toISOString().slice(11, 19)} ${l}\n`);
      const handle = await openStackLab(stood, s.lab);
      if (signal.aborted) {
        await handle.close();
        throw new Error("stopped before it started");
      }
      signal.addEventListener("abort", () => {
        log(`stopped: ${String((signal.reason as Error)?.message ?? "aborted")}`);
        void handle.close();
        void stopCheckJobs(kc, s.lab);
      });
      const own = handedIn.get(s.name)?.used ?? [];
      const solutions = [
        ...own.map((f) => path.resolve(opts.solutions!, s.name, f)),
        ...(opts.solutions !== undefined && unsubmitted === "fail" ? exercises.filter((f) => !own.includes(f)).map((f) => path.join(standIns, f)) : []),
      ];
      return runWorkloadOn(handle, { seed, size: "small", ...(solutions.length > 0 ? { solutions } : {}), log });
    }),
    {
      concurrency: parallel,
      timeoutMs: timeoutSeconds * 1000,
      onSettled: (i, r) => {
        if (opts.json) return;
        const name = graded[i]!.name;
        if (!r.ok) io.out(`  ${name}: FAILED, ${r.error} (${r.seconds.toFixed(0)} s)`);
        else {
          const results = r.value as { ok: boolean }[];
          io.out(`  ${name}: ${results.filter((x) => x.ok).length}/${results.length} checks passed (${r.seconds.toFixed(0)} s)`);
        }
      },
    },
  );

  const grades: StudentGrade[] = students.map((s) => {
    const i = graded.indexOf(s);
    const r = i >= 0 ? settled[i]! : undefined;
    const files = handedIn.get(s.name) ?? { used: [], ignored: [] };
    return {
      student: s.name,
      ...(s.email ? { email: s.email } : {}),
      lab: s.lab,
      results: r?.ok ? r.value : [],
      ...(r && !r.ok ? { error: r.error } : {}),
      used: files.used,
      ignored: files.ignored,
      submitted: i >= 0,
    };
  });
  const run: GradebookRun = { className: cfg.name, module: cfg.module, at, seed, exerciseFiles: opts.solutions !== undefined ? exercises : [], withSolutions: opts.solutions !== undefined, unsubmitted, students: grades };
  const names = exerciseNames(run);
  writePrivate(path.join(out, "nbgrader.csv"), nbgraderCsv(run));
  writePrivate(path.join(out, "canvas.csv"), canvasCsv(run));
  for (const g of grades) writePrivate(path.join(out, "feedback", `${g.student}.md`), feedbackMarkdown(run, g));
  const rows = grades.map((g) => ({ student: g.student, marks: names.length > 0 ? marksOf(g, names) : [], ...(g.error ? { note: g.error } : !g.submitted ? { note: "no file matching an exercise; not run" } : {}) }));
  const allPassed = (g: StudentGrade) => g.submitted && !g.error && names.length > 0 && marksOf(g, names).every((m) => m === "pass");
  const passed = grades.filter(allPassed).length;
  writePrivate(path.join(out, "results.json"), `${JSON.stringify({ class: cfg.name, module: cfg.module, at: at.toISOString(), seed, unsubmitted: opts.solutions !== undefined ? unsubmitted : null, exercises: names, students: grades }, null, 2)}\n`);

  if (opts.json) {
    io.out(JSON.stringify({ class: cfg.name, module: cfg.module, seed, out, unsubmitted: opts.solutions !== undefined ? unsubmitted : null, exercises: names, passed, students: grades.map((g) => ({ student: g.student, lab: g.lab, submitted: g.submitted, marks: names.length > 0 ? marksOf(g, names) : [], ...(g.error ? { error: g.error } : {}), used: g.used, ignored: g.ignored })) }, null, 2));
  } else {
    io.out(`\n${renderGrid(checkGrid(names, rows))}`);
    io.out(`\nGradebook files in ${out}: nbgrader.csv, canvas.csv, feedback/<student>.md, logs/<student>.log (0600)`);
    io.out(`class check: ${passed}/${students.length} students passed`);
  }
  return passed === students.length ? EXIT.ok : EXIT.failed;
}

/** A whole number option (`--timeout 600`, `--parallel 4`) within bounds, or one line naming the flag. */
export function intOption(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${flag} ${value}: use a whole number from ${min} to ${max}`);
  return n;
}
