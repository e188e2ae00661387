import { Target } from "../../components/config/schema";
import { ModuleId } from "../../components/lab/modules";
import { openLab } from "../../lab-workloads/common/lab";
import { resetLab } from "../../lab-workloads/reset";
import { Io } from "./shared";

/** Options of `labctl reset`. */
export interface ResetOptions {
  readonly module: ModuleId;
  /** @default "docker" */
  readonly target: Target;
  readonly json: boolean;
}

/**
 * Brings a running lab back to the module's start: drops the outputs, topics
 * and checkpoints the module created and writes its starter data again. The
 * services keep running (no `pulumi up`).
 */
export async function reset(opts: ResetOptions, io: Io): Promise<number> {
  const t0 = Date.now();
  const lab = await openLab(opts.module, opts.target);
  if (!opts.json) io.out(`Resetting ${lab.name} (module ${opts.module}) to its start`);
  const report = await resetLab(lab, (l) => (opts.json ? undefined : io.out(`  ${l}`))).finally(() => lab.close());
  const seconds = (Date.now() - t0) / 1000;
  if (opts.json) io.out(JSON.stringify({ lab: lab.name, module: opts.module, ...report, seconds }, null, 2));
  else io.out(`Reset in ${seconds.toFixed(1)}s: ${report.removed.length} location(s) cleared, ${report.seeded.length} starter dataset(s) written.`);
  return 0;
}
