import { openStackLab } from "../../lab-workloads/common/lab";
import { resetLab, ResetReport } from "../../lab-workloads/reset";
import { runPool } from "../class/pool";
import { openClass, studentLab } from "../class/stacks";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl class reset`. */
export interface ClassResetOptions {
  readonly className?: string;
  /** Only this student's lab. @default every lab of the class */
  readonly student?: string;
  /** Labs reset at once. @default 4 */
  readonly parallel?: number;
  /** Time limit of one lab's reset, in seconds. @default 300 */
  readonly timeoutSeconds?: number;
  readonly json: boolean;
}

/**
 * `labctl class reset`: brings every student's lab (or one) back to the
 * module's start, as `labctl reset` does for one lab: the module's outputs,
 * topics and HDFS tree dropped, its starter data written again; the
 * services keep running. An unknown student is one line and changes nothing.
 * Exit 1 when any lab could not be reset.
 */
export async function classReset(opts: ClassResetOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const all = stood.classroom?.students ?? [];
  if (all.length === 0) throw new UserError(`class ${stood.cfg.name} has no labs up; run labctl class up first`);
  // Resolved before anything is touched: an unknown student changes nothing.
  const targets = opts.student !== undefined ? [{ name: opts.student, lab: studentLab(stood, opts.student) }] : all.map((s) => ({ name: s.name, lab: s.lab }));
  const timeoutSeconds = opts.timeoutSeconds ?? 300;
  if (!opts.json) io.out(`Resetting ${targets.length} lab${targets.length === 1 ? "" : "s"} of class ${stood.cfg.name} (module ${stood.cfg.module}) to the module's start`);
  const t0 = Date.now();
  const settled = await runPool(
    targets.map((t) => async (signal: AbortSignal): Promise<ResetReport> => {
      const handle = await openStackLab(stood, t.lab);
      signal.addEventListener("abort", () => void handle.close());
      try {
        return await resetLab(handle, () => undefined);
      } finally {
        await handle.close();
      }
    }),
    {
      concurrency: opts.parallel ?? 4,
      timeoutMs: timeoutSeconds * 1000,
      onSettled: (i, r) => {
        if (opts.json) return;
        const name = targets[i]!.name;
        if (!r.ok) io.out(`  ${name}: FAILED, ${r.error}`);
        else {
          const rep = r.value as ResetReport;
          io.out(`  ${name}: ${rep.removed.length} location(s) cleared, ${rep.seeded.length} starter dataset(s) written (${r.seconds.toFixed(1)} s)`);
        }
      },
    },
  );
  const failed = settled.filter((r) => !r.ok).length;
  const seconds = (Date.now() - t0) / 1000;
  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          class: stood.cfg.name,
          module: stood.cfg.module,
          seconds,
          labs: targets.map((t, i) => {
            const r = settled[i]!;
            return { student: t.name, lab: t.lab, ok: r.ok, seconds: r.seconds, ...(r.ok ? r.value : { error: r.error }) };
          }),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(`class reset: ${targets.length - failed}/${targets.length} labs back at the start in ${seconds.toFixed(1)} s`);
  }
  return failed === 0 ? EXIT.ok : EXIT.failed;
}
