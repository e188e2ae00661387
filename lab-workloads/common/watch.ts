/**
 * Services of a lab watched while a module's checks run. A fault (a killed
 * worker, a stopped broker) makes a job fail in many ways — a timeout, a
 * Python traceback, a JVM exception — so a failed check does not guess the
 * cause from the job's text: a watch probes the service every few seconds
 * from this machine, and a check that failed after the service stopped
 * answering says so first, in one line naming the service and when.
 */
import { CheckResult } from "./check";

/** One probe of a watched service: when it ran, and why it failed (absent when it answered). */
export interface Probe {
  readonly at: number;
  readonly error?: string;
}

/** A service to probe while checks run. */
export interface Watch {
  /** What is watched, as a report names it: `the Kafka broker (kafka-0:19092)`. */
  readonly label: string;
  /** Starts probing; `stop` ends it (waiting for a probe in flight) and `probes` is the record so far. */
  start(): { readonly probes: readonly Probe[]; stop(): Promise<void> };
}

const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

/**
 * One line on a watched service's failed probes up to `until` (ms since the
 * epoch; all when absent), or `undefined` when every probe answered: when it
 * stopped answering, for how long, whether it was back by then, and the
 * first failure's reason.
 */
export function describeOutage(label: string, all: readonly Probe[], until = Infinity): string | undefined {
  const probes = all.filter((p) => p.at <= until);
  const failed = probes.filter((p) => p.error !== undefined);
  if (failed.length === 0) return undefined;
  const first = failed[0]!;
  const last = failed[failed.length - 1]!;
  const back = probes.find((p) => p.at > last.at && p.error === undefined);
  const span = back
    ? `no answer from ${clock(first.at)} until ${clock(back.at)} (${Math.round((back.at - first.at) / 1000)} s, ${failed.length} failed probes)`
    : `no answer since ${clock(first.at)} (${failed.length} failed probes, still down at the end)`;
  return `${label} stopped answering during the run: ${span}: ${first.error!.split("\n")[0]!.slice(0, 160)}`;
}

/**
 * A {@link Watch} that calls `probe` every `everyMs`, each call cut off after
 * `timeoutMs`; a probe throws when the service does not answer.
 */
export function pollingWatch(label: string, probe: () => Promise<void>, everyMs = 2000, timeoutMs = 4000): Watch {
  return {
    label,
    start() {
      const probes: Probe[] = [];
      let stopped = false;
      let wake: () => void = () => undefined;
      const loop = (async () => {
        while (!stopped) {
          const at = Date.now();
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([probe(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
            probes.push({ at });
          } catch (err) {
            probes.push({ at, error: (err as Error).message || String(err) });
          } finally {
            clearTimeout(timer);
          }
          if (stopped) break;
          await new Promise<void>((r) => {
            const t = setTimeout(r, Math.max(0, at + everyMs - Date.now()));
            wake = () => {
              clearTimeout(t);
              r();
            };
          });
        }
      })();
      return {
        probes,
        async stop() {
          stopped = true;
          wake();
          await loop;
        },
      };
    },
  };
}

/**
 * Runs a module's checks (`run`, the driver) while `watches` probe their
 * services. Afterwards every outage seen is logged in one line, and each
 * failed check whose end came after an outage began starts its error with
 * that outage (its jobs may have run concurrently since the start) and loses
 * its log excerpt, so the failure is one line. A driver
 * that throws gets the outage put before its message.
 */
export async function watchedRun(watches: readonly Watch[], run: () => Promise<CheckResult[]>, log: (line: string) => void): Promise<CheckResult[]> {
  const running = watches.map((w) => ({ label: w.label, ...w.start() }));
  const outcome = await run().then(
    (results) => ({ results }),
    (err: unknown) => ({ err }),
  );
  await Promise.all(running.map((r) => r.stop()));
  if ("err" in outcome) {
    const err = outcome.err;
    const seen = running.map((r) => describeOutage(r.label, r.probes)).filter((l): l is string => l !== undefined);
    if (seen.length > 0 && err instanceof Error) err.message = `${seen.join("; ")}; ${err.message}`;
    throw err;
  }
  const results = outcome.results;
  for (const r of running) {
    const line = describeOutage(r.label, r.probes);
    if (line) log(line);
  }
  return results.map((res) => {
    if (res.ok) return res;
    const seen = running.map((r) => describeOutage(r.label, r.probes, res.endedAt)).filter((l): l is string => l !== undefined);
    if (seen.length === 0) return res;
    // Named, the fault is the report: the job's log excerpt (a JVM stack, a query plan) is left out.
    const { log: _excerpt, ...rest } = res;
    return { ...rest, error: [...seen, res.error].filter((x) => x !== undefined).join("; ") };
  });
}
