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
