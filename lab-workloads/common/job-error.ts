/** A job that failed: the reason, and the last lines of its output. */
export class JobError extends Error {
  constructor(message: string, public readonly log: string) {
    super(message);
  }
}

/** The lines of a failed job's output worth showing: errors and the end. */
export function relevantLines(lines: readonly string[]): string {
  const errors = lines.filter((l) => /Error|Exception|Traceback|error:/.test(l)).slice(-8);
  return [...errors, "...", ...lines.slice(-8)].join("\n");
}
