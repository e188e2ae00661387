import { CheckResult } from "./check";
import { LabHandle } from "./lab";

/** Options every module driver takes. */
export interface DriverOptions {
  /** Seed of the generated data. @default 42 */
  readonly seed: number;
  /** Data size: `small` for CI, `medium` for class. @default "small" */
  readonly size: "small" | "medium";
  /** A student's job files, each run in place of the reference job of the same file name. @default none */
  readonly solutions?: readonly string[];
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** A module's workload: seed data, run jobs, check outputs. */
export type Driver = (lab: LabHandle, opts: DriverOptions) => Promise<CheckResult[]>;

/** A run id unique per run, so outputs of earlier runs are never overwritten or deleted. */
export function runId(seed: number): string {
  return `run-${new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14)}-s${seed}`;
}

/**
 * A job started now and awaited later (jobs run concurrently): the same
 * promise, with its failure marked as handled until a check awaits it, so a
 * job that fails early is its own check's failure, not an unhandled rejection.
 * With `log`, one line when it ends: `job <name> finished after N s` (the job's
 * own time, which a check's time no longer shows when jobs overlap).
 */
export function started<T>(job: Promise<T>, log?: { name: string; log: (line: string) => void }): Promise<T> {
  const t0 = Date.now();
  const took = () => ((Date.now() - t0) / 1000).toFixed(1);
  job.then(() => log?.log(`job ${log.name} finished after ${took()} s`), () => log?.log(`job ${log.name} failed after ${took()} s`));
  return job;
}

/**
 * A job launcher (`jobLauncher`) whose jobs are {@link started}: each is
 * started now, awaited later, and logs its own time under its name.
 */
export function jobStarter(job: (name: string, script: string, args: string[]) => Promise<string>, log: (line: string) => void): (name: string, script: string, args: string[]) => Promise<string> {
  return (name, script, args) => started(job(name, script, args), { name, log });
}
