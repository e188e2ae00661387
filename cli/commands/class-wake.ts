import { labsOf, openClass } from "../class/stacks";
import { isExpired } from "../../components/platform/kubernetes/schedule";
import { markAwake, readLabTimes, scaleLab, waitLab } from "../class/scale";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { planOfLab } from "../../lab-workloads/access/stack-lab";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl class wake`. */
export interface WakeOptions {
  readonly className?: string;
  /** One student's lab; every lab of the class when absent. */
  readonly student?: string;
  readonly json: boolean;
}

/**
 * Wakes labs: every workload back to the replicas the class was stood up
 * with, waits until they are ready, and restarts the janitor's idle clock.
 * An expired lab is refused (one line, nothing scaled): extend it first.
 */
export async function classWake(opts: WakeOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const labs = labsOf(stood, opts.student);
  const kc = loadKubeConfig(stood.kube ?? {});
  const t0 = Date.now();
  if (stood.cfg.expiresAfterSeconds !== undefined) {
    const now = new Date();
    const expired: string[] = [];
    for (const lab of labs) if (isExpired(await readLabTimes(kc, lab, stood.cfg), now)) expired.push(stood.classroom?.students.find((s) => s.lab === lab)?.name ?? lab);
    if (expired.length > 0) {
      throw new UserError(`${expired.join(", ")}: lab time is over (lab:expiresAfter); give more first, e.g. labctl class extend ${expired[0]} 1h`, EXIT.usage);
    }
  }
  const report: { lab: string; scaled: number; ready: boolean; seconds: number }[] = [];
  for (const lab of labs) {
    const t1 = Date.now();
    const replicas = new Map(planOfLab(stood.cfg, lab).specs.flatMap((s) => s.workloads.map((w) => [w.name, w.replicas] as const)));
    const changed = await scaleLab(kc, lab, (name) => replicas.get(name) ?? 1);
    const ready = await waitLab(kc, lab, "awake", 300);
    if (ready) await markAwake(kc, lab);
    report.push({ lab, scaled: changed.length, ready, seconds: (Date.now() - t1) / 1000 });
    if (!opts.json) io.out(`${lab}: ${changed.length} workloads scaled up, ${ready ? `ready in ${((Date.now() - t1) / 1000).toFixed(0)}s` : "not ready within 300 s"}`);
  }
  if (opts.json) io.out(JSON.stringify({ labs: report, seconds: (Date.now() - t0) / 1000 }, null, 2));
  if (report.some((r) => !r.ready)) throw new UserError(`wake: ${report.filter((r) => !r.ready).map((r) => r.lab).join(", ")} not ready within 300 s (labctl class status)`, EXIT.failed);
  return EXIT.ok;
}
