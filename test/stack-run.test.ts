import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { EventLogTail, runStackUpdate } from "../lab-workloads/access/stack-run";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-stack-run-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A fake `pulumi` that answers `version` and, for an update, records its
 * arguments and writes events to the --event-log file in pieces: the second
 * line is cut in the middle of a multi-byte character, with a pause between.
 */
function fakePulumi(exitCode: number): string {
  const root = fs.mkdtempSync(path.join(dir, "cli-"));
  fs.mkdirSync(path.join(root, "bin"));
  const script = `#!/bin/bash
if [[ $1 == version ]]; then echo v3.259.0; exit 0; fi
echo "$PWD|$LAB_MARK|$*" >> ${root}/calls
log=""; prev=""
for a in "$@"; do [[ $prev == --event-log ]] && log=$a; prev=$a; done
if [[ -n $log ]]; then
  printf '{"sequence":1,"summaryEvent":null}\\n{"sequence":2,"diagnosticEvent":{"message":"gr' >> "$log"
  sleep 0.3
  printf '\\xc3' >> "$log"
  sleep 0.3
  printf '\\xbc\\xc3\\x9fe"}}\\nnot json\\n{"sequence":3}' >> "$log"
  ls "$(dirname "$log")" > ${root}/logdir
fi
echo "stderr line" >&2
exit ${exitCode}
`;
  fs.writeFileSync(path.join(root, "bin", "pulumi"), script, { mode: 0o755 });
  return root;
}

async function fakeStack(root: string): Promise<Stack> {
  const pulumiCommand = await PulumiCommand.get({ root, skipVersionCheck: true });
  const ws = await LocalWorkspace.create({ workDir: dir, envVars: { LAB_MARK: "from-workspace" }, pulumiCommand });
  // A stack object without `stack select` (the fake answers nothing to it).
  return { name: "docker-m2", workspace: ws } as unknown as Stack;
}

describe("runStackUpdate", () => {
  it("runs one CLI command in the workspace's folder and environment and streams the event log", async () => {
    const root = fakePulumi(0);
    const events: EngineEvent[] = [];
    const result = await runStackUpdate(await fakeStack(root), "up", { onEvent: (e) => events.push(e), pollMs: 20 });
    const calls = fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("\n");
    expect(calls).toHaveLength(1);
    const [cwd, mark, args] = calls[0]!.split("|");
    expect(cwd).toBe(fs.realpathSync(dir));
    expect(mark).toBe("from-workspace");
    expect(args).toMatch(/^up --yes --skip-preview --exec-kind auto\.local --stack docker-m2 --event-log \S+events\.jsonl --non-interactive$/);
    // Whole events, in order; the split character decoded whole; the unparsable line skipped; the last line without a newline kept.
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(events[1]?.diagnosticEvent?.message).toBe("grüße");
    expect(result.stderr).toContain("stderr line");
    // The log's folder is removed afterwards.
    const logDir = path.dirname(args!.split(" ")[8]!);
    expect(fs.existsSync(logDir)).toBe(false);
  });

  it("destroys with the same command line and fails as the Automation API does, leaving no log behind", async () => {
    const root = fakePulumi(3);
    const events: EngineEvent[] = [];
    await expect(runStackUpdate(await fakeStack(root), "destroy", { onEvent: (e) => events.push(e) })).rejects.toThrow(/exit code 3[\s\S]*stderr line/);
    const args = fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("|")[2]!;
    expect(args).toMatch(/^destroy --yes --skip-preview --exec-kind auto\.local --stack docker-m2 --event-log /);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(fs.existsSync(path.dirname(args.split(" ")[8]!))).toBe(false);
  });

  it("passes no event log when nobody listens", async () => {
    const root = fakePulumi(0);
    await runStackUpdate(await fakeStack(root), "up");
    expect(fs.readFileSync(path.join(root, "calls"), "utf8")).not.toContain("--event-log");
  });
});

describe("an interruption while the CLI runs", () => {
  /** A fake `pulumi` that runs `seconds` before it answers. */
  function slowPulumi(seconds: number): string {
    const root = fs.mkdtempSync(path.join(dir, "slow-"));
    fs.mkdirSync(path.join(root, "bin"));
    fs.writeFileSync(path.join(root, "bin", "pulumi"), `#!/bin/bash\n[[ $1 == version ]] && { echo v3.259.0; exit 0; }\nsleep ${seconds}\necho done\n`, { mode: 0o755 });
    return root;
  }

  it("waits for the CLI on Ctrl-C (it cancels on its own), then lets go of the signal", async () => {
    const before = process.listenerCount("SIGINT");
    const running = runStackUpdate(await fakeStack(slowPulumi(0.5)), "up");
    await new Promise((r) => setTimeout(r, 100));
    expect(process.listenerCount("SIGINT")).toBe(before + 1);
    process.emit("SIGINT");
    const result = await running;
    expect(result.stdout).toContain("done");
    expect(process.listenerCount("SIGINT")).toBe(before);
  });

  /** A fake `pulumi` that prints `first`, then waits 4 s, and answers a SIGINT by saying so. */
  function trappingPulumi(first: string): string {
    const root = fs.mkdtempSync(path.join(dir, "int-"));
    fs.mkdirSync(path.join(root, "bin"));
    fs.writeFileSync(path.join(root, "bin", "pulumi"), `#!/bin/bash\n[[ $1 == version ]] && { echo v3.259.0; exit 0; }\ntrap 'echo got-SIGINT; exit 0' INT\necho '${first}'\nsleep 8 >/dev/null 2>&1 & wait\necho done\n`, { mode: 0o755 });
    return root;
  }

  it("passes a SIGINT sent to labctl alone on to the CLI once the CLI has not shown it", async () => {
    const running = runStackUpdate(await fakeStack(trappingPulumi("started")), "up");
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    process.emit("SIGINT");
    const result = await running;
    expect(result.stdout).toContain("got-SIGINT");
    expect(result.stdout).not.toContain("done");
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2900);
    // The fake CLI would have run 4 s more without the forwarded signal.
    expect(took).toBeLessThan(6500);
  });

  it("does not pass on a Ctrl-C the CLI shows it received (a second one would stop it at once)", async () => {
    const running = runStackUpdate(await fakeStack(trappingPulumi("^C received; cancelling. If you would like to terminate immediately, press ^C again.")), "up");
    await new Promise((r) => setTimeout(r, 200));
    process.emit("SIGINT");
    const result = await running;
    expect(result.stdout).toContain("done");
    expect(result.stdout).not.toContain("got-SIGINT");
  });

  it("passes a SIGTERM sent to labctl on to the CLI", async () => {
    // The CLI itself, not a shell waiting for it, gets the signal.
    const root = fs.mkdtempSync(path.join(dir, "term-"));
    fs.mkdirSync(path.join(root, "bin"));
    fs.writeFileSync(path.join(root, "bin", "pulumi"), "#!/bin/bash\n[[ $1 == version ]] && { echo v3.259.0; exit 0; }\nexec sleep 5\n", { mode: 0o755 });
    const running = runStackUpdate(await fakeStack(root), "up");
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    process.emit("SIGTERM");
    await expect(running).rejects.toThrow(/pulumi up failed with signal SIGTERM/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe("EventLogTail", () => {
  it("hands over a line only once it is complete", () => {
    const file = path.join(dir, "tail.jsonl");
    fs.writeFileSync(file, '{"sequence":1}\n{"seq');
    const seen: number[] = [];
    const tail = new EventLogTail(file, (e) => seen.push(e.sequence));
    tail.read();
    expect(seen).toEqual([1]);
    fs.appendFileSync(file, 'uence":2}\n');
    tail.read();
    tail.read();
    expect(seen).toEqual([1, 2]);
  });

  it("reads nothing from a log not written yet", () => {
    const seen: number[] = [];
    new EventLogTail(path.join(dir, "absent.jsonl"), (e) => seen.push(e.sequence)).read(true);
    expect(seen).toEqual([]);
  });
});
