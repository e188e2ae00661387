import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { lineSplitter } from "../common/job-error";
import { cliKeyEnv } from "./stack-secrets";
import { InlineProgram, serveProgram } from "./inline-program";

/** Options of {@link runStackUpdate}. */
export interface StackRunOptions {
  /** Called with each engine event, in order, while the command runs. @default none: no event log is asked for */
  readonly onEvent?: (e: EngineEvent) => void;
  /** How often the event log is read. @default 100 ms */
  readonly pollMs?: number;
  /**
   * For `up`: the program, run in this process (see inline-program.ts). A
   * rejection of its `ready` is the run's error. @default none: the CLI runs the project's program
   */
  readonly program?: InlineProgram;
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
  const served = opts.program ? await serveProgram(opts.program) : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-events-"));
  const logFile = path.join(dir, "events.jsonl");
  const args = [op, "--yes", "--skip-preview", "--exec-kind", served ? "auto.inline" : "auto.local", "--stack", stack.name, ...(served ? [`--client=${served.address}`] : [])];
  if (opts.onEvent) args.push("--event-log", logFile);
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
    const result = await runCli(ws, args, undefined, () => served?.start()).catch(async (err: unknown) => {
      if (!served) throw err;
      // No check is left running (the CLI may have ended before it asked for the program), and the program's
      // calls the engine no longer answers may reject after its run: this process is ending with the error.
      await served.settle();
      process.on("unhandledRejection", () => undefined);
      // The program's checks stopped it: their error, not the CLI's report of it.
      throw served.stoppedBy()?.error ?? err;
    });
    if (listenerError !== undefined) throw listenerError;
    return result;
  } finally {
    served?.close();
    if (timer) clearInterval(timer);
    try {
      tail?.read(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The environment the Automation API gives the CLI of a workspace: its settings, and the CLI's own folder first on PATH (the plugins installed beside it). */
export function cliEnv(ws: LocalWorkspace): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_DEBUG_COMMANDS: "true", ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}), ...ws.envVars, PULUMI_AUTOMATION_API: "true" };
  const command = ws.pulumiCommand.command;
  if (path.isAbsolute(command)) env["PATH"] = `${path.dirname(command)}${path.delimiter}${env["PATH"] ?? ""}`;
  return env;
}

/** A CLI run that did not end with exit code 0: the message holds the exit code (or signal) and all it printed. */
export class CliError extends Error {
  constructor(
    command: string,
    args: readonly string[],
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${path.basename(command)} ${args[0]} failed with ${signal ? `signal ${signal}` : `exit code ${code}`}\n stdout: ${stdout}\n stderr: ${stderr}`);
    this.name = "CliError";
  }
}

/**
 * Runs the workspace's CLI (`--non-interactive` added) in its folder and
 * environment; `input` goes to its standard input, and `onSpawn` is called
 * once the CLI's process has started. A run on one stack
 * (`--stack <name>`) is handed that stack's key (see cliKeyEnv). See
 * {@link runCommand}.
 */
export async function runCli(ws: LocalWorkspace, args: readonly string[], input?: string, onSpawn?: () => void): Promise<{ stdout: string; stderr: string }> {
  const env = cliEnv(ws);
  const at = args.indexOf("--stack");
  const stack = at >= 0 ? args[at + 1] : undefined;
  if (stack) Object.assign(env, await cliKeyEnv(stack, env, ws.workDir));
  return runCommand(ws.pulumiCommand.command, [...args, ...(args.includes("--non-interactive") ? [] : ["--non-interactive"])], ws.workDir, env, input, onSpawn);
}

/** What the Pulumi CLI prints when an interruption reached it. */
const CANCELLING = /(\^C|SIGINT|SIGTERM) received; (cancelling|terminating)/;
/** How long labctl waits for the CLI to show that a Ctrl-C reached it before passing one on. */
const FORWARD_AFTER_MS = 3000;

/**
 * Runs a command to its end; rejects with a {@link CliError} holding its exit
 * code (or signal) and everything it printed.
 *
 * While it runs, labctl outlives an interruption: Ctrl-C reaches the whole
 * process group, and the Pulumi CLI then cancels, finishing the steps it
 * started, recording them and releasing the stack's lock. labctl waits for
 * that (a second Ctrl-C stops both at once), so the CLI is not left behind
 * with nobody to wait for it. A SIGINT sent to labctl alone (`kill -INT`)
 * is passed on once the CLI has not shown it within 3 s; a SIGTERM is
 * passed on at once.
 */
function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string, onSpawn?: () => void): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    onSpawn?.();
    if (input !== undefined) child.stdin!.end(input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let interrupted = false;
    const onInt = () => {
      if (interrupted) {
        child.kill("SIGINT"); // the CLI then stops at once, whichever way the first one reached it
        process.exit(130);
      }
      interrupted = true;
      process.stderr.write(`labctl: interrupted; pulumi finishes the steps it started and records them (Ctrl-C again to stop at once)\n`);
      // Ctrl-C reaches the CLI too; a SIGINT sent to labctl alone does not, so it is passed on, unless the CLI
      // says it is cancelling: a second SIGINT would make it stop at once instead of finishing its steps.
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null && !CANCELLING.test(Buffer.concat(out).toString("utf8"))) child.kill("SIGINT");
      }, FORWARD_AFTER_MS).unref();
    };
    const onTerm = () => child.kill("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
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
      else reject(new CliError(command, args, code, signal, stdout, stderr));
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
