import * as fs from "fs";
import * as path from "path";
import { Target } from "../../components/config/schema";
import { ModuleId } from "../../components/lab/modules";
import { formatResults } from "../../lab-workloads/common/check";
import { exerciseFiles } from "../../lab-workloads/common/jobs";
import { hasDriver, jobsDirOf, runWorkload } from "../../lab-workloads/run";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl check`. */
export interface CheckOptions {
  readonly module: ModuleId;
  /** @default "docker" */
  readonly target: Target;
  /**
   * A student's job files or folders of them, each file run in place of the
   * reference job of the same name. @default none
   */
  readonly solutions?: readonly string[];
  /** @default 42 */
  readonly seed: number;
  readonly json: boolean;
}

/**
 * The student's files, checked before anything runs: folders are expanded
 * to their .py files, and every file must exist and carry the name of one of
 * the module's exercises — a misnamed file is refused, never silently
 * replaced by the reference solution.
 */
export function resolveSolutions(module: ModuleId, given: readonly string[]): string[] {
  const exercises = exerciseFiles(jobsDirOf(module));
  const files: string[] = [];
  for (const g of given) {
    if (!fs.existsSync(g)) throw new UserError(`--solution ${g}: no such file or folder; give the path of your .py file or of a folder of them`, EXIT.usage);
    if (fs.statSync(g).isDirectory()) {
      const py = fs.readdirSync(g).filter((f) => f.endsWith(".py")).map((f) => path.join(g, f));
      if (py.length === 0) throw new UserError(`--solution ${g}: the folder has no .py file; module ${module}'s exercises are ${exercises.join(", ")}`, EXIT.usage);
      files.push(...py);
    } else {
      files.push(g);
    }
  }
  for (const f of files) {
    if (!exercises.includes(path.basename(f))) {
      throw new UserError(`--solution ${f}: "${path.basename(f)}" is not an exercise of module ${module}; name your file after one of ${exercises.join(", ")}`, EXIT.usage);
    }
  }
  const names = files.map((f) => path.basename(f));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UserError(`--solution: two files are named ${twice}; give one per exercise`, EXIT.usage);
  return files;
}

/** Runs the module's workload against its running lab and grades the outputs. */
export async function checkLab(opts: CheckOptions, io: Io): Promise<number> {
  if (!hasDriver(opts.module)) throw new UserError(`module ${opts.module} has no workload checks yet`, EXIT.usage);
  const solutions = resolveSolutions(opts.module, opts.solutions ?? []);
  const t0 = Date.now();
  const stamp = () => `[${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s]`;
  if (!opts.json && solutions.length > 0) io.out(`${stamp()} your files in place of the reference jobs: ${solutions.map((f) => path.basename(f)).join(", ")}`);
  const results = await runWorkload(opts.module, opts.target, {
    seed: opts.seed,
    size: "small",
    ...(solutions.length > 0 ? { solutions } : {}),
    log: (l) => (opts.json ? undefined : io.out(`${stamp()} ${l}`)),
  });
  if (opts.json) io.out(JSON.stringify(results, null, 2));
  else io.out(formatResults(results));
  const failed = results.filter((r) => !r.ok).length;
  if (!opts.json) io.out(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? EXIT.ok : EXIT.failed;
}
