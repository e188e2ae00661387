/** One compared value. */
export interface Assertion {
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
  readonly ok: boolean;
}

/** The result of one check (one job, one question), with every assertion. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly assertions: readonly Assertion[];
  /** Why it failed, in one line, when it failed before comparing. */
  readonly error?: string;
  /** Relevant log lines when a job failed. */
  readonly log?: string;
  /** When the check ended (ms since the epoch): outages a watch saw before then (./watch.ts) may explain a failure. */
  readonly endedAt?: number;
}

/** Collects assertions for one check. */
export class Checker {
  private readonly list: Assertion[] = [];

  /** Exact equality of numbers or strings. */
  equal(what: string, expected: number | string, actual: number | string | undefined): boolean {
    const ok = actual !== undefined && expected === actual;
    this.list.push({ what, expected: String(expected), actual: String(actual), ok });
    return ok;
  }

  /** |actual - expected| ≤ tolerance (absolute, or relative to |expected| when `relative`). */
  close(what: string, expected: number, actual: number | undefined, tolerance: number, relative = false): boolean {
    const bound = relative ? tolerance * Math.abs(expected) : tolerance;
    const ok = actual !== undefined && Number.isFinite(actual) && Math.abs(actual - expected) <= bound;
    this.list.push({ what, expected: `${round(expected)} ±${round(bound)}`, actual: actual === undefined ? "missing" : String(round(actual)), ok });
    return ok;
  }

  /** A condition with its expected and actual description. */
  that(what: string, ok: boolean, expected: string, actual: string): boolean {
    this.list.push({ what, expected, actual, ok });
    return ok;
  }

  get assertions(): readonly Assertion[] {
    return this.list;
  }

  get ok(): boolean {
    return this.list.length > 0 && this.list.every((a) => a.ok);
  }
}

function round(x: number): number {
  return Math.abs(x) >= 1000 ? Math.round(x * 100) / 100 : Math.round(x * 1e6) / 1e6;
}

/** Runs `body` as a named check; a thrown error becomes a failed check with its reason. */
export async function check(name: string, body: (c: Checker) => Promise<{ log?: string } | void>): Promise<CheckResult> {
  const t0 = Date.now();
  const c = new Checker();
  try {
    const extra = await body(c);
    return { name, ok: c.ok, seconds: (Date.now() - t0) / 1000, endedAt: Date.now(), assertions: c.assertions, ...(extra?.log ? { log: extra.log } : {}) };
  } catch (err) {
    const e = err as Error & { log?: string };
    return { name, ok: false, seconds: (Date.now() - t0) / 1000, endedAt: Date.now(), assertions: c.assertions, error: e.message.split("\n")[0]!, ...(e.log ? { log: e.log } : {}) };
  }
}

/** Text report: one line per check, one per assertion. */
export function formatResults(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.ok ? "PASS" : "FAIL"} ${r.name} (${r.seconds.toFixed(1)}s)${r.error ? `: ${r.error}` : ""}`);
    for (const a of r.assertions) lines.push(`     ${a.ok ? "ok " : "BAD"} ${a.what}: expected ${a.expected}, got ${a.actual}`);
    if (!r.ok && r.log) lines.push(...r.log.split("\n").slice(-15).map((l) => `     | ${l}`));
  }
  return lines.join("\n");
}
