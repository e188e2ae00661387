/**
 * What the end-to-end scripts share: timestamped lines, a PASS/FAIL tally
 * that ends in `N passed, N failed`, and commands (labctl among them) run in
 * their own processes, as a user runs them.
 */
import { spawnSync } from "child_process";
import * as path from "path";

/** The repository root. */
export const REPO = path.join(__dirname, "..", "..");

/** One timestamped line on stdout. */
export function log(msg: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
}

/** Counts checks and prints each as PASS or FAIL with its detail. */
export class Tally {
  public passed = 0;
  public failed = 0;

  /** Records and prints one check; returns `ok`. */
  check(name: string, ok: boolean, detail: string): boolean {
    if (ok) this.passed++;
    else this.failed++;
    log(`  ${ok ? "PASS" : "FAIL"} ${name}: ${detail}`);
    return ok;
  }

  /** Prints the closing `N passed, N failed` line and sets the exit code. */
  finish(): void {
    process.stdout.write(`${this.passed} passed, ${this.failed} failed\n`);
    process.exitCode = this.failed === 0 && this.passed > 0 ? 0 : 1;
  }
}

/** What a command did. */
export interface CommandResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly seconds: number;
}

/** A command in its own process, from the repository root. */
export function sh(cmd: string, args: readonly string[], opts: { timeoutSeconds?: number; env?: NodeJS.ProcessEnv; killSignal?: NodeJS.Signals } = {}): CommandResult {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: REPO,
    encoding: "utf8",
    timeout: (opts.timeoutSeconds ?? 900) * 1000,
    maxBuffer: 256 * 1024 * 1024,
    env: opts.env ?? process.env,
    ...(opts.killSignal ? { killSignal: opts.killSignal } : {}),
  });
  return { code: r.status ?? -1, out: r.stdout ?? "", err: r.stderr ?? "", seconds: (Date.now() - t0) / 1000 };
}

/** labctl from this checkout, as a student or instructor runs it. */
export function labctl(args: readonly string[], opts: { timeoutSeconds?: number; env?: NodeJS.ProcessEnv } = {}): CommandResult {
  return sh(path.join(REPO, "scripts", "labctl"), args, opts);
}
