import { describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../cli/labctl";
import { ProgressView, shortType } from "../cli/progress";
import { pulumiFailure, renderEndpoints } from "../cli/commands/shared";
import { labSettings, validateSettings } from "../cli/lab-args";
import { resolveModule, resolveTarget } from "../cli/command-args";
import { moduleImages } from "../components/lab/modules";
import { judge, preflight } from "../cli/commands/preflight";

describe("labctl arguments", () => {
  it.each([
    [["up"], /^which module\? Give 1-5 or a name: 1 \(foundations\)/],
    [["up", "9"], /^unknown module "9"; use 1 \(foundations\), 2 \(spark\)/],
    [["up", "2", "--target", "podman"], /^unknown target "podman"; use docker or kubernetes/],
    [["frobnicate"], /^unknown command "frobnicate"; use up, preflight, check, status, reset, down, fault, connect, class or images/],
    [["up", "2", "extra"], /^unexpected argument "extra"/],
    [["check", "2", "--seed", "x"], /^--seed x: use a whole number/],
  ])("%j fails with one line", async (argv, message) => {
    const err = await main(argv as string[]).then(() => undefined, (e: Error) => e);
    expect(err?.name).toBe("UserError");
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain("\n");
  });

  it("rejects unknown options through node's parser", async () => {
    const err = await main(["up", "2", "--colour"]).then(() => undefined, (e: NodeJS.ErrnoException) => e);
    expect(err?.code).toBe("ERR_PARSE_ARGS_UNKNOWN_OPTION");
  });

  it("accepts module names", () => {
    expect(resolveModule("streaming")).toBe(4);
    expect(resolveTarget(undefined)).toBe("docker");
  });

  it("validates with the program's own validator", () => {
    expect(validateSettings(labSettings(2, "docker")).images.spark).toMatch(/^bigdata-labs\/spark:/);
    expect(labSettings(4, "kubernetes", "kind-labs")).toEqual({ module: 4, target: "kubernetes", kubernetes: { context: "kind-labs" } });
  });

  it("lists the images a module uses", () => {
    expect(moduleImages(4)).toEqual(["minio", "kafka", "spark", "workspace"]);
    expect(moduleImages(1)).toEqual(["minio", "dask", "workspace"]);
  });
});

describe("progress view", () => {
  it("prints one line when a resource starts and one when it is done, skipping components", () => {
    const lines: string[] = [];
    const view = new ProgressView((l) => lines.push(l), Date.now());
    const urn = "urn:pulumi:docker-m2::bigdata-labs::labs:lab:Lab$docker:index/container:Container::bigdata-m2-minio";
    const meta = (op: string, type: string, u: string) => ({ op, type, urn: u, provider: "" }) as never;
    view.onEvent({ sequence: 1, timestamp: 0, resourcePreEvent: { metadata: meta("create", "labs:lab:Lab", "urn:x::bigdata-m2") } });
    view.onEvent({ sequence: 2, timestamp: 0, resourcePreEvent: { metadata: meta("create", "docker:index/container:Container", urn) } });
    view.onEvent({ sequence: 3, timestamp: 0, resOutputsEvent: { metadata: meta("create", "docker:index/container:Container", urn) } });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\s+\d+s\] creating container bigdata-m2-minio$/);
    expect(lines[1]).toMatch(/^\[\s+\d+s\] created  container bigdata-m2-minio \(\d+\.\ds\)$/);
    expect(view.count).toBe(1);
  });

  it("names resource kinds briefly", () => {
    expect(shortType("kubernetes:apps/v1:StatefulSet")).toBe("statefulset");
    expect(shortType("pulumi-nodejs:dynamic/random:Secret")).toBe("secret");
  });
});

describe("user-facing failures", () => {
  it("reduces a Pulumi failure to its first error line, without the bridged provider's wrapping", () => {
    const err = pulumiFailure(
      "up",
      new Error("stderr: \nerror: sdk-v2/provider2.go:520: sdk.helper_schema: Unable to start container: Error response from daemon: Bind for 127.0.0.1:30020 failed: port is already allocated: provider=docker@5.2.0\nerror: update failed"),
    );
    expect(err.message).toBe(
      "up failed: a port the lab publishes is in use (Unable to start container: Error response from daemon: Bind for 127.0.0.1:30020 failed: port is already allocated); stop what holds it (labctl down) or set lab:hostPortBase to another range",
    );
    expect(err.exitCode).toBe(3);
  });

  it("says another run holds the lab's stack, without pointing at pulumi cancel", () => {
    const err = pulumiFailure("up", new Error("pulumi up failed with exit code 255\n stdout: \n stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n  file:///x/.labs/state/.pulumi/locks/organization/bigdata-labs/docker-m2/a.json: created by root@h (pid 1) at 2026"));
    expect(err.message).toBe("up failed: another labctl (or pulumi) run is changing this lab right now; wait for it to end, then run the command again");
    expect(err.exitCode).toBe(3);
  });
  it("names the image command when a lab image is missing", () => {
    const err = pulumiFailure("up", new Error("error: sdk-v2/provider2.go:520: sdk.helper_schema: Unable to pull image bigdata-labs/spark:4.2.0-r1: pull access denied: provider=docker@5.2.0"));
    expect(err.message).toMatch(/^up failed: a lab image is missing \(Unable to pull image bigdata-labs\/spark:4\.2\.0-r1: pull access denied\); build it with npm run images$/);
    expect(err.exitCode).toBe(3);
  });

  it("says what to do when Docker is down", () => {
    const err = pulumiFailure("up", new Error("error: Docker engine is not reachable (ENOENT); start Docker"));
    expect(err.message).toMatch(/^up failed: Docker is not running; start it/);
    expect(err.exitCode).toBe(3);
  });

  it("lists UIs and client endpoints of each lab", () => {
    const text = renderEndpoints({
      "bigdata-m4": {
        module: 4, target: "docker", location: "bigdata-m4",
        endpoints: { kafka: { bootstrap: { inLab: "kafka-0:19092", host: "127.0.0.1:30010", ui: false } } },
        uis: { "workspace.jupyter": "http://127.0.0.1:30000/lab" },
      },
    });
    expect(text).toContain("workspace.jupyter      http://127.0.0.1:30000/lab");
    expect(text).toContain("kafka.bootstrap        in lab: kafka-0:19092   from this machine: 127.0.0.1:30010");
  });
});

describe("preflight arithmetic", () => {
  const GiB = 1024 ** 3;
  it("says GO when limits plus head room fit", () => {
    const r = judge(3, { memoryLimitBytes: 3.9 * GiB, memoryRequestBytes: 1.5 * GiB, cpuRequestMillis: 950 }, { memoryBytes: 8 * GiB, cpus: 2, source: "Docker" });
    expect(r).toMatchObject({ go: true, reasons: [] });
  });
  it("says NO-GO with numbers when memory is short", () => {
    const r = judge(3, { memoryLimitBytes: 3.9 * GiB, memoryRequestBytes: 1.5 * GiB, cpuRequestMillis: 950 }, { memoryBytes: 4 * GiB, cpus: 2, source: "Docker" });
    expect(r.go).toBe(false);
    expect(r.reasons[0]).toBe("memory: the lab may use 3.9 GiB plus 1.0 GiB head room, Docker has 4.0 GiB; give Docker more memory or stop other labs");
  });
  it("says NO-GO when CPU requests exceed the cores", () => {
    const r = judge(4, { memoryLimitBytes: GiB, memoryRequestBytes: GiB, cpuRequestMillis: 850 }, { memoryBytes: 16 * GiB, cpus: 0.5, source: "Docker" });
    expect(r.reasons).toEqual(["cpu: the lab requests 850m, Docker has 0.5 cores"]);
  });
  it("reads the module's totals and answers without creating anything", async () => {
    const lines: string[] = [];
    const r = await preflight({ module: 3, target: "docker", json: false }, { out: (l) => lines.push(l), err: () => undefined }, async () => ({ memoryBytes: 2 * GiB, cpus: 2, source: "Docker" }));
    expect(r.go).toBe(false);
    expect(lines[0]).toMatch(/^preflight module 3 \(ml\): NO-GO — needs ≤ 4\.5 GiB \(requests 1\.5 GiB, 950m CPU\); Docker has 2\.0 GiB, 2 cores$/);
  });
});

describe("the Pulumi CLI when none is installed", () => {
  it("offline: one line pointing to the offline toolchain, nothing installed", async () => {
    const { pulumiCommand } = await import("../lab-workloads/access/automation");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "labs-nocli-"));
    const saved = { home: process.env["HOME"], labs: process.env["BIGDATA_LABS_HOME"], path: process.env["PATH"] };
    Object.assign(process.env, { HOME: tmp, BIGDATA_LABS_HOME: path.join(tmp, "cache"), PATH: path.dirname(process.execPath) });
    try {
      let online = 0;
      await expect(pulumiCommand({ online: async () => (online++, false) })).rejects.toThrow(/^the Pulumi CLI is not installed and get\.pulumi\.com cannot be reached: run `npm run toolchain`/);
      expect(online).toBe(1);
      expect(fs.existsSync(path.join(tmp, ".pulumi-labs"))).toBe(false);
    } finally {
      Object.assign(process.env, { HOME: saved.home, BIGDATA_LABS_HOME: saved.labs, PATH: saved.path });
      if (saved.labs === undefined) delete process.env["BIGDATA_LABS_HOME"];
    }
  });
});

describe("stale stack locks", () => {
  it("clears a lock whose process is gone and keeps a live one", async () => {
    const { clearStaleLocks, stackLocked } = await import("../lab-workloads/access/automation");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "labs-locks-"));
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: bigdata-labs\nruntime: nodejs\n");
    const dir = path.join(root, ".labs", "state", ".pulumi", "locks", "organization", "bigdata-labs", "docker-m2");
    fs.mkdirSync(dir, { recursive: true });
    const dead = 2 ** 22 + 12345; // above the default pid_max: never a live process
    fs.writeFileSync(path.join(dir, "a.json"), JSON.stringify({ pid: dead, username: "x", hostname: os.hostname(), timestamp: "" }));
    fs.writeFileSync(path.join(dir, "b.json"), JSON.stringify({ pid: process.pid, username: "x", hostname: os.hostname(), timestamp: "" }));
    fs.writeFileSync(path.join(dir, "c.json"), JSON.stringify({ pid: dead, username: "x", hostname: "another-machine", timestamp: "" }));
    expect(stackLocked("docker-m2", root)).toBe(true);
    expect(clearStaleLocks("docker-m2", root)).toEqual([dead]);
    expect(fs.readdirSync(dir).sort()).toEqual(["b.json", "c.json"]);
    // The live process's lock and another machine's hold the stack; once they are gone, nothing does.
    expect(stackLocked("docker-m2", root)).toBe(true);
    fs.rmSync(path.join(dir, "b.json"));
    expect(stackLocked("docker-m2", root)).toBe(true);
    fs.rmSync(path.join(dir, "c.json"));
    expect(stackLocked("docker-m2", root)).toBe(false);
    expect(stackLocked("docker-m9", root)).toBe(false);
  });

  it("takes a zombie for gone: an interrupted CLI left to a parent that never reaps it", async () => {
    const { processRunning } = await import("../lab-workloads/access/stack-open-lock");
    // `sleep 0.1` ends, and its parent (the shell, replaced by `sleep 5`) never waits for it.
    const { spawn } = await import("child_process");
    const parent = spawn("sh", ["-c", "sleep 0.1 & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
    const zombie = Number(await new Promise<string>((r) => parent.stdout.once("data", (b: Buffer) => r(b.toString()))));
    await new Promise((r) => setTimeout(r, 600));
    try {
      expect(fs.readFileSync(`/proc/${zombie}/stat`, "utf8")).toMatch(/\) Z /);
      expect(processRunning(zombie)).toBe(false);
      expect(processRunning(parent.pid!)).toBe(true);
      expect(processRunning(2 ** 22 + 12345)).toBe(false);
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
