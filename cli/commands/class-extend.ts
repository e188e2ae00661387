import { formatDuration, parseDuration } from "../../components/core/units";
import { extendedExpiry, LAB_ANNOTATIONS } from "../../components/platform/kubernetes/schedule";
import { openClass, studentLab } from "../class/stacks";
import { annotateLab, readLabTimes } from "../class/scale";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl class extend`. */
export interface ExtendOptions {
  readonly className?: string;
  readonly student: string;
  /** How much longer, e.g. `1h` or `30m`. */
  readonly duration: string;
  readonly json: boolean;
}

/**
 * Pushes a student's lab expiry back by a duration, counted from its current
 * expiry, or from now when that has passed. The janitor reads the new time
 * on its next round. An expired lab stays asleep until `class wake`.
 */
export async function classExtend(opts: ExtendOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const lab = studentLab(stood, opts.student);
  let seconds: number;
  try {
    seconds = parseDuration("duration", opts.duration, 60, 30 * 86400);
  } catch (e) {
    throw new UserError(`class extend ${opts.student} ${opts.duration}: ${(e as Error).message.replace(/^duration:? ?/, "")}`);
  }
  if (stood.cfg.expiresAfterSeconds === undefined) {
    throw new UserError(`class ${stood.cfg.name} has no lab:expiresAfter, so its labs do not expire; stand it up with --expires-after to use extend`, EXIT.usage);
  }
  const kc = loadKubeConfig(stood.kube ?? {});
  const now = new Date();
  const times = await readLabTimes(kc, lab, stood.cfg);
  const until = extendedExpiry(times, now, seconds);
  await annotateLab(kc, lab, { [LAB_ANNOTATIONS.expiresAt]: until.toISOString() });
  const asleepForExpiry = times.asleep?.reason === "expired";
  if (opts.json) {
    io.out(JSON.stringify({ student: opts.student, lab, before: times.expiresAt?.toISOString() ?? null, expiresAt: until.toISOString(), asleep: times.asleep !== undefined }, null, 2));
  } else {
    io.out(`${opts.student}: lab ${lab} now expires at ${until.toISOString().slice(0, 16).replace("T", " ")} UTC (in ${formatDuration(Math.round((until.getTime() - now.getTime()) / 60_000) * 60)})`);
    if (asleepForExpiry) io.out(`It is asleep since its expiry; bring it back with: labctl class wake --student ${opts.student}`);
  }
  return EXIT.ok;
}
