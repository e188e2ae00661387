import { spawn } from "child_process";
import { describe, expect, it } from "vitest";
import { addSample, classify, descendants, emptyPeaks, parseStatus, ProcessKind, sampleTree } from "./bench/proc-tree";

const STATUS = `Name:\tpulumi
Umask:\t0022
State:\tS (sleeping)
Pid:\t4242
PPid:\t4200
VmPeak:\t 2000000 kB
VmHWM:\t  150000 kB
VmRSS:\t  120000 kB
`;

describe("proc-tree", () => {
  it("reads name, parent and VmHWM from /proc/<pid>/status", () => {
    expect(parseStatus(STATUS)).toEqual({ name: "pulumi", ppid: 4200, hwmBytes: 150000 * 1024 });
    expect(parseStatus("Name:\tkthreadd\nPPid:\t0\n").hwmBytes).toBeUndefined();
  });

  it("classifies the processes of a preview by command line", () => {
    const cases: [string[], ProcessKind][] = [
      [["/var/cache/bigdata-labs/bin/pulumi", "preview", "--yes", "--stack", "bench-class-10-0"], "cli"],
      [["/var/cache/bigdata-labs/bin/pulumi-language-nodejs", "-root=/work/main", "127.0.0.1:4000"], "language-host"],
      [["/usr/bin/node", "--max-old-space-size=4096", "/work/main/node_modules/@pulumi/pulumi/cmd/run", "/work/main"], "program"],
      [["node", "/work/main/stacks/index.ts"], "program"],
      // The runner labctl gives the language host (PULUMI_LANGUAGE_NODEJS_RUN_PATH).
      [["/usr/bin/node", "/work/main/scripts/lib/pulumi-run.cjs", "--monitor", "127.0.0.1:4001", "--engine", "127.0.0.1:4000", "/work/main"], "program"],
      [["/var/cache/bigdata-labs/pulumi-home/plugins/resource-kubernetes-v4.25.0/pulumi-resource-kubernetes", "127.0.0.1:4000"], "provider"],
      [["node", "/work/main/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:42733"], "dynamic-provider"],
      [["node", "-e", 'try { console.log(require.resolve("@pulumi/pulumi/cmd/dynamic-provider")); } catch (e) { process.exit(1); }'], "other"],
      [["/usr/bin/node", "/work/main/node_modules/.bin/ts-node", "cli/labctl.ts"], "other"],
      [["sh", "-c", "pulumi preview"], "other"],
    ];
    for (const [argv, kind] of cases) expect(classify(argv), argv.join(" ")).toBe(kind);
  });

  it("walks a process tree from its root", () => {
    const parents = new Map([[10, 1], [11, 10], [12, 11], [13, 10], [20, 1], [21, 20]]);
    expect(descendants(10, parents).sort()).toEqual([11, 12, 13]);
    expect(descendants(99, parents)).toEqual([]);
  });

  it("keeps the largest peak of one process per kind and counts the processes", () => {
    const seen = new Map<ProcessKind, Set<number>>();
    let peaks = addSample(emptyPeaks(), [{ pid: 1, kind: "cli", hwmBytes: 100, command: "pulumi" }, { pid: 2, kind: "program", hwmBytes: 300, command: "node" }], seen);
    peaks = addSample(peaks, [{ pid: 1, kind: "cli", hwmBytes: 180, command: "pulumi" }, { pid: 3, kind: "program", hwmBytes: 200, command: "node" }], seen);
    expect(peaks.cli).toEqual({ bytes: 180, processes: 1 });
    expect(peaks.program).toEqual({ bytes: 300, processes: 2 });
    expect(peaks.provider).toEqual({ bytes: 0, processes: 0 });
  });

  it("samples a real child process of this one from /proc", async () => {
    const child = spawn("sleep", ["5"]);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const mine = sampleTree(process.pid).find((p) => p.pid === child.pid);
      expect(mine?.kind).toBe("other");
      expect(mine?.hwmBytes).toBeGreaterThan(0);
      expect(mine?.command).toBe("sleep 5");
    } finally {
      child.kill();
    }
  });
});
