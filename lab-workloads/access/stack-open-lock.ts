import * as fs from "fs";
import * as path from "path";
import { EXIT, UserError } from "./errors";

/**
 * Whether process `pid` of this machine is still running. A zombie is not: a
 * CLI whose labctl was interrupted before it is left to a parent (PID 1 in
 * some containers) that may never reap it, and its lock would stay forever.
 */
export function processRunning(pid: number, procRoot = "/proc"): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses.
    const stat = fs.readFileSync(path.join(procRoot, String(pid), "stat"), "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true; // no /proc (not Linux): signal 0 answered
  }
}

/** How long a second labctl waits for another one opening the same stack. @default 120 s */
export const OPEN_LOCK_WAIT_MS = 120_000;

/**
 * Runs `fn` while holding the open lock of stack `name`: a file in `dir`
 * created exclusively and holding this process's pid. Two labctl processes
 * opening the same new stack would otherwise both see it without a seed and
 * each set one, and the first one's lab would be built from a seed the stack
 * no longer holds. A second opener waits (polling every 100 ms) until the
 * first is done; a lock whose process is gone is taken over. Pulumi's own
 * stack lock still serializes the updates that follow.
 */
export async function withStackOpenLock<T>(dir: string, name: string, fn: () => Promise<T>, waitMs = OPEN_LOCK_WAIT_MS): Promise<T> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${name}.open.lock`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx", mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const held = readOr(file, "");
    const holder = Number(held);
    if (Number.isInteger(holder) && holder > 0 && !processRunning(holder)) {
      // Taken over by a rename, which only one waiter wins; a lock that turns out to be newer than
      // the dead one seen (another waiter's, just made) is put back.
      const aside = `${file}.${process.pid}.stale`;
      try {
        fs.renameSync(file, aside);
        if (readOr(aside, "") !== held) fs.linkSync(aside, file);
      } catch {
        /* gone already, or a new lock in place: look again */
      } finally {
        fs.rmSync(aside, { force: true });
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new UserError(`stack ${name} is being opened by another labctl (pid ${holder || "unknown"}) for over ${Math.round(waitMs / 1000)} s; wait for it, or remove ${file} if no labctl runs`, EXIT.environment);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    if (readOr(file, "") === String(process.pid)) fs.rmSync(file, { force: true });
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return fallback;
  }
}
