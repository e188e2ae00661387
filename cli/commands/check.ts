import * as fs from "fs";
import { Target } from "../../components/config/schema";
import { ModuleId } from "../../components/lab/modules";
import { formatResults } from "../../lab-workloads/common/check";
import { hasDriver, runWorkload } from "../../lab-workloads/run";
import { EXIT, UserError } from "../errors";
import { Io } from "./shared";

/** Options of `labctl check`. */
export interface CheckOptions {
  readonly module: ModuleId;
  /** @default "docker" */
  readonly target: Target;
  /** A student's job file, run in place of the reference job of the same name. @default none */
  readonly solution?: string;
  /** @default 42 */
  readonly seed: number;
  readonly json: boolean;
}

/** Runs the module's workload against its running lab and grades the outputs. */
export async function checkLab(opts: CheckOptions, io: Io): Promise<number> {
  if (!hasDriver(opts.module)) throw new UserError(`module ${opts.module} has no workload checks yet`, EXIT.usage);
  if (opts.solution && !fs.existsSync(opts.solution)) throw new UserError(`--solution ${opts.solution}: no such file`, EXIT.usage);
  const t0 = Date.now();
  const stamp = () => `[${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s]`;
  const results = await runWorkload(opts.module, opts.target, {
    seed: opts.seed,
    size: "small",
    ...(opts.solution ? { solution: opts.solution } : {}),
    log: (l) => (opts.json ? undefined : io.out(`${stamp()} ${l}`)),
  });
  if (opts.json) io.out(JSON.stringify(results, null, 2));
  else io.out(formatResults(results));
  const failed = results.filter((r) => !r.ok).length;
  if (!opts.json) io.out(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? EXIT.ok : EXIT.failed;
}
