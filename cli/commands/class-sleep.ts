import { labsOf, openClass } from "../class/stacks";
import { markAsleep, scaleLab, waitLab } from "../class/scale";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl class sleep`. */
export interface SleepOptions {
  readonly className?: string;
  /** One student's lab; every lab of the class when absent. */
  readonly student?: string;
  readonly json: boolean;
}

/**
 * Puts labs to sleep: every workload (Spark workers and Dask workers
 * included) scaled to zero, volumes kept, the namespace marked with the time.
 * `labctl class wake` brings them back with their data.
 */
export async function classSleep(opts: SleepOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const labs = labsOf(stood, opts.student);
  const kc = loadKubeConfig(stood.kube ?? {});
  const t0 = Date.now();
  const report: { lab: string; scaled: number; asleep: boolean }[] = [];
  for (const lab of labs) {
    const changed = await scaleLab(kc, lab, () => 0);
    await markAsleep(kc, lab, "instructor");
    const asleep = await waitLab(kc, lab, "asleep", 180);
    report.push({ lab, scaled: changed.length, asleep });
    if (!opts.json) io.out(`${lab}: ${changed.length} workloads scaled to 0${asleep ? ", no pod left (volumes kept)" : ", pods still stopping"}`);
  }
  if (opts.json) io.out(JSON.stringify({ labs: report, seconds: (Date.now() - t0) / 1000 }, null, 2));
  if (report.some((r) => !r.asleep)) throw new UserError(`sleep: pods of ${report.filter((r) => !r.asleep).map((r) => r.lab).join(", ")} did not stop within 180 s`, EXIT.failed);
  return EXIT.ok;
}
