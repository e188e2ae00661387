import * as fs from "fs";
import * as path from "path";
import { EXIT, UserError } from "./errors";

/**
 * The fields of /proc/<pid>/stat after "(comm)", from field 3 (state) on
 * (comm may hold spaces and parentheses); undefined without /proc.
 */
function procStatFields(pid: number, procRoot: string): string[] | undefined {
  try {
    const stat = fs.readFileSync(path.join(procRoot, String(pid), "stat"), "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

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
  const state = procStatFields(pid, procRoot)?.[0];
  // No /proc (not Linux): signal 0 answered.
  return state !== "Z" && state !== "X";
}

/**
 * When process `pid` started (field 22 of /proc/<pid>/stat, clock ticks
 * since boot), to tell a lock's process from a later one given the same pid.
 * Undefined without /proc.
 */
export function processStartTime(pid: number, procRoot = "/proc"): string | undefined {
  return procStatFields(pid, procRoot)?.[19];
}

/** This process as an open lock names it: its pid and, where known, its start time. */
function lockOwner(): string {
  return [process.pid, processStartTime(process.pid)].filter((x) => x !== undefined).join(" ");
}

/** Whether the process a lock names is still that process (a reused pid is not). */
function ownerAlive(owner: string): boolean {
  const [pidText, start] = owner.split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !processRunning(pid)) return false;
  const now = start === undefined ? undefined : processStartTime(pid);
  return now === undefined || now === start;
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
  const me = lockOwner();
  for (;;) {
    try {
      fs.writeFileSync(file, me, { flag: "wx", mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const held = readOr(file, "");
    if (held !== "" && !ownerAlive(held)) {
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
      const holder = held.split(" ")[0] || "unknown";
      throw new UserError(`stack ${name} is being opened by another labctl (pid ${holder}) for over ${Math.round(waitMs / 1000)} s; wait for it, or remove ${file} if no labctl runs`, EXIT.environment);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    if (readOr(file, "") === me) fs.rmSync(file, { force: true });
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return fallback;
  }
}
