/**
 * When a class's lab goes to sleep. The janitor (janitor.py) and labctl
 * share one record, the lab namespace's annotations, and one rule:
 *
 * - expiry: `expires-at` when set (by `labctl class extend`), otherwise the
 *   namespace's creation time plus `lab:expiresAfter`;
 * - idle: `last-active` (the janitor's newest sign of use, or a wake) plus
 *   `lab:idleAfter`. The janitor writes it on its first round, starting the
 *   clock then; before that the creation time stands in.
 *
 * Pure: no I/O, the clock is passed in.
 */

/** Namespace annotations of a lab's schedule (the janitor receives these names by env). */
export const LAB_ANNOTATIONS = {
  /** When the lab was put to sleep (ISO time). */
  asleepSince: "bigdata-labs.io/asleep-since",
  /** Why: `idle`, `expired` or `instructor`. */
  asleepReason: "bigdata-labs.io/asleep-reason",
  /** When the lab expires, once extended (ISO time). */
  expiresAt: "bigdata-labs.io/expires-at",
  /** The newest sign of use the janitor saw, or the last wake (ISO time). */
  lastActive: "bigdata-labs.io/last-active",
  /** The janitor's last readings of counters that move with use (JSON). */
  activityMarks: "bigdata-labs.io/activity-marks",
} as const;

/** Why a lab sleeps. */
export type SleepReason = "idle" | "expired" | "instructor";

/** The schedule settings of a class (from `lab:expiresAfter`, `lab:idleAfter`). */
export interface ScheduleSettings {
  /** @default none: labs do not expire */
  readonly expiresAfterSeconds?: number;
  /** @default none: idle labs keep running */
  readonly idleAfterSeconds?: number;
}

/** A lab namespace as the schedule reads it. */
export interface ScheduledNamespace {
  /** The namespace's `creationTimestamp`. */
  readonly created: Date;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Where a lab stands. */
export interface LabTimes {
  /** @default none when the class does not expire */
  readonly expiresAt?: Date;
  readonly lastActive: Date;
  /** When the lab counts as idle. @default none when the class has no idle limit */
  readonly idleAt?: Date;
  /** The sooner of expiry and idle, and which one it is. @default none */
  readonly next?: { readonly at: Date; readonly reason: "idle" | "expired" };
  /** Present when the lab sleeps. */
  readonly asleep?: { readonly since: Date; readonly reason: SleepReason };
}

const dateOf = (iso: string | undefined): Date | undefined => {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? new Date(t) : undefined;
};

const plus = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);

/** A lab's expiry, last activity, and when it will sleep. */
export function labTimes(ns: ScheduledNamespace, s: ScheduleSettings): LabTimes {
  const a = ns.annotations;
  const expiresAt = dateOf(a[LAB_ANNOTATIONS.expiresAt]) ?? (s.expiresAfterSeconds !== undefined ? plus(ns.created, s.expiresAfterSeconds) : undefined);
  const lastActive = dateOf(a[LAB_ANNOTATIONS.lastActive]) ?? ns.created;
  const idleAt = s.idleAfterSeconds !== undefined ? plus(lastActive, s.idleAfterSeconds) : undefined;
  const candidates = [
    ...(expiresAt ? [{ at: expiresAt, reason: "expired" as const }] : []),
    ...(idleAt ? [{ at: idleAt, reason: "idle" as const }] : []),
  ].sort((x, y) => x.at.getTime() - y.at.getTime());
  const since = dateOf(a[LAB_ANNOTATIONS.asleepSince]);
  const reason = a[LAB_ANNOTATIONS.asleepReason];
  return {
    ...(expiresAt ? { expiresAt } : {}),
    lastActive,
    ...(idleAt ? { idleAt } : {}),
    ...(candidates[0] ? { next: candidates[0] } : {}),
    ...(since ? { asleep: { since, reason: reason === "idle" || reason === "expired" ? reason : "instructor" } } : {}),
  };
}

/** The expiry after `labctl class extend LAB <seconds>`: counted from now when the lab has already expired. */
export function extendedExpiry(times: LabTimes, now: Date, seconds: number): Date {
  const from = times.expiresAt && times.expiresAt > now ? times.expiresAt : now;
  return plus(from, seconds);
}

/** True when the lab's time is over at `now`. */
export function isExpired(times: LabTimes, now: Date): boolean {
  return times.expiresAt !== undefined && times.expiresAt.getTime() <= now.getTime();
}
