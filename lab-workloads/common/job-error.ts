import { StringDecoder } from "string_decoder";

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

/**
 * Turns a stream's chunks into whole lines: a chunk may end mid-line (pipes
 * deliver ~4 KiB at a time), so the unfinished tail waits for the next chunk.
 * Bytes are decoded as a stream: a multi-byte UTF-8 character cut between two
 * chunks is held back until its last byte arrives, never turned into U+FFFD.
 */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  let pending = "";
  const decoder = new StringDecoder("utf8");
  return {
    push(chunk) {
      pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) if (l !== "") onLine(l);
    },
    end() {
      pending += decoder.end();
      if (pending !== "") onLine(pending);
      pending = "";
    },
  };
}

/**
 * Spark's log lines that say an application lost an executor (its worker was
 * killed or died): shown with the job's progress although they are log lines,
 * so a check's output shows when a running job lost its executor.
 */
export const EXECUTOR_LOST = /\b(Lost executor \d+ on |Executor app-\S+ removed: )/;

/**
 * Collects a job's output: stdout (what the job returns), the last 200 lines
 * of both streams (for a failure's excerpt), and each line passed on to
 * `job.onLine` for progress, without the JVM's log noise (except
 * {@link EXECUTOR_LOST} lines) and cut to 160 chars.
 */
export function jobOutput(job: { onLine?: (line: string) => void }) {
  const out: string[] = [];
  const tail: string[] = [];
  return {
    line(line: string, isErr: boolean): void {
      if (!isErr) out.push(line);
      tail.push(line);
      if (tail.length > 200) tail.shift();
      if (!/^\s*(WARN|INFO|\d\d\/\d\d\/\d\d)/.test(line) || EXECUTOR_LOST.test(line)) job.onLine?.(line.length > 160 ? `${line.slice(0, 157)}...` : line);
    },
    stdout: () => out.join("\n"),
    relevant: () => relevantLines(tail),
  };
}
