import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { lineSplitter } from "../common/job-error";

/** Options of {@link runStackUpdate}. */
export interface StackRunOptions {
  /** Called with each engine event, in order, while the command runs. @default none: no event log is asked for */
  readonly onEvent?: (e: EngineEvent) => void;
  /** How often the event log is read. @default 100 ms */
  readonly pollMs?: number;
}

/**
 * Runs `pulumi up` or `pulumi destroy` on a stack of a local workspace, with
 * its engine events streamed to `onEvent`, and nothing more.
 *
 * The Automation API's `up()` runs the CLI three more times after the update
 * (`stack output` twice and `stack history`) and its `destroy()` once
 * (`stack history`), 0.4 s each, for a summary and outputs labctl reads in
 * one run where it needs them (`stackOutputValues`). The command line and
 * the environment are the ones the Automation API builds; a failure is an
 * Error whose message holds the exit code and all the CLI printed.
 */
export async function runStackUpdate(stack: Stack, op: "up" | "destroy", opts: StackRunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const ws = stack.workspace as LocalWorkspace;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-events-"));
  const logFile = path.join(dir, "events.jsonl");
  const args = [op, "--yes", "--skip-preview", "--exec-kind", "auto.local", "--stack", stack.name];
  if (opts.onEvent) args.push("--event-log", logFile);
  args.push("--non-interactive");
  const command = ws.pulumiCommand.command;
  const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_DEBUG_COMMANDS: "true", ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}), ...ws.envVars, PULUMI_AUTOMATION_API: "true" };
  // The CLI's own folder first, so that it finds the plugins installed beside it.
  if (path.isAbsolute(command)) env["PATH"] = `${path.dirname(command)}${path.delimiter}${env["PATH"] ?? ""}`;
  const tail = opts.onEvent ? new EventLogTail(logFile, opts.onEvent) : undefined;
  // A listener that throws must not end labctl while the CLI runs on: the error is raised once it is done.
  let listenerError: unknown;
  const timer = tail
    ? setInterval(() => {
        try {
          tail.read();
        } catch (err) {
          listenerError ??= err;
        }
      }, opts.pollMs ?? 100)
    : undefined;
  try {
    const result = await runCommand(command, args, ws.workDir, env);
    if (listenerError !== undefined) throw listenerError;
    return result;
  } finally {
    if (timer) clearInterval(timer);
    try {
      tail?.read(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Runs a command to its end; rejects with its exit code (or signal) and
 * everything it printed.
 *
 * While it runs, labctl outlives an interruption: Ctrl-C reaches the whole
 * process group, and the Pulumi CLI then cancels, finishing the steps it
 * started, recording them and releasing the stack's lock. labctl waits for
 * that (a second Ctrl-C stops both at once), so the CLI is not left behind
 * with nobody to wait for it. A SIGTERM sent to labctl alone is passed on.
 */
function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let interrupted = false;
    const onInt = () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      process.stderr.write(`labctl: interrupted; pulumi finishes the steps it started and records them (Ctrl-C again to stop at once)\n`);
    };
    const onTerm = () => child.kill("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const settle = () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    };
    child.on("error", (err) => {
      settle();
      reject(err);
    });
    child.on("close", (code, signal) => {
      settle();
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${path.basename(command)} ${args[0]} failed with ${signal ? `signal ${signal}` : `exit code ${code}`}\n stdout: ${stdout}\n stderr: ${stderr}`));
    });
  });
}

/**
 * Reads the engine's event log (one JSON event per line) from where it last
 * stopped; a line is handed over only once it is complete, and multi-byte
 * characters split between reads are decoded whole.
 */
export class EventLogTail {
  private offset = 0;
  private readonly lines: ReturnType<typeof lineSplitter>;

  constructor(
    private readonly file: string,
    onEvent: (e: EngineEvent) => void,
  ) {
    this.lines = lineSplitter((line) => {
      if (line.trim() === "") return;
      let event: EngineEvent;
      try {
        event = JSON.parse(line) as EngineEvent;
      } catch {
        return; // a line the engine cut short when it was killed
      }
      onEvent(event);
    });
  }

  /** Reads what was appended since the last read; `last` also hands over a final line without a newline. */
  read(last = false): void {
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file, "r");
    } catch {
      /* not written yet */
    }
    if (fd !== undefined) {
      try {
        const buf = Buffer.alloc(64 * 1024);
        for (;;) {
          const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
          if (n <= 0) break;
          this.offset += n;
          this.lines.push(Buffer.from(buf.subarray(0, n)));
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    if (last) this.lines.end();
  }
}
