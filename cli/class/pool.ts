/**
 * A small bounded pool: runs N async tasks with at most K at once, each under
 * a timeout, and settles every task (never rejects). A task that runs over
 * its time is settled as timed out, its slot goes to the next task, and its
 * AbortSignal fires so it can stop what it started (port-forwards, Jobs).
 */

/** One task: receives a signal that aborts when its time is up. */
export type PoolTask<T> = (signal: AbortSignal) => Promise<T>;

/** How a task ended. */
export type Settled<T> =
  | { readonly ok: true; readonly value: T; readonly seconds: number }
  | { readonly ok: false; readonly error: string; readonly timedOut: boolean; readonly seconds: number };

/** Options of {@link runPool}. */
export interface PoolOptions {
  /** Tasks running at once (at least 1). @default 8 */
  readonly concurrency?: number;
  /** Time limit of each task in milliseconds. @default no limit */
  readonly timeoutMs?: number;
  /** Called when a task settles, with its index (progress output). @default none */
  readonly onSettled?: (index: number, result: Settled<unknown>) => void;
}

/** The reason a timed-out task is given: `timed out after N s`. */
export function timeoutMessage(timeoutMs: number): string {
  const s = timeoutMs / 1000;
  return `timed out after ${Math.round(s * 100) / 100} s`;
}

/**
 * Runs `tasks` with at most `concurrency` at once and returns how each one
 * ended, in the order of `tasks`.
 */
export async function runPool<T>(tasks: readonly PoolTask<T>[], opts: PoolOptions = {}): Promise<Settled<T>[]> {
  const limit = Math.max(1, Math.floor(opts.concurrency ?? 8));
  const results = new Array<Settled<T>>(tasks.length);
  let next = 0;
  const runOne = (i: number): Promise<Settled<T>> =>
    new Promise<Settled<T>>((resolve) => {
      const t0 = Date.now();
      const seconds = () => (Date.now() - t0) / 1000;
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (r: Settled<T>) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        resolve(r);
      };
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const error = timeoutMessage(opts.timeoutMs!);
          finish({ ok: false, error, timedOut: true, seconds: seconds() });
          controller.abort(new Error(error));
        }, opts.timeoutMs);
      }
      let started: Promise<T>;
      try {
        started = tasks[i]!(controller.signal);
      } catch (err) {
        started = Promise.reject(err);
      }
      started.then(
        (value) => finish({ ok: true, value, seconds: seconds() }),
        (err: unknown) => finish({ ok: false, error: String((err as Error)?.message ?? err).split("\n")[0]!, timedOut: false, seconds: seconds() }),
      );
    });
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await runOne(i);
      opts.onSettled?.(i, results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
