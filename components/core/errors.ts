/**
 * A configuration problem the user can fix. Its message is one line: the
 * field, what is wrong with it, and what to do instead. The Pulumi program and
 * `labctl` print it without a stack trace.
 */
export class LabConfigError extends Error {
  /** The config key or argument path at fault, e.g. `lab:services.spark.workers`. */
  public readonly field: string;

  constructor(field: string, problem: string, fix: string) {
    super(`${field}: ${problem}. ${fix}`);
    this.name = "LabConfigError";
    this.field = field;
  }
}

/** True for errors whose message is meant for the user as it is. */
export function isLabConfigError(err: unknown): err is LabConfigError {
  return err instanceof Error && err.name === "LabConfigError";
}
