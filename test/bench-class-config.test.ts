import { labConfigEntries } from "../lab-workloads/access/stack-settings";
import { describe, expect, it } from "vitest";
import { parseRoster } from "../cli/class/roster";
import { labInstances } from "../components/config/schema";
import { configOfStack } from "../lab-workloads/access/stack-lab";
import { checkClassFits } from "../stacks/config";
import { BENCH_MODULE, classStackConfig, rosterText, studentNames } from "./bench/class-config";
import { parseBenchArgs } from "./bench/args";
import { capacityRefusal, sizeFigures, PreviewRun } from "./bench/class-scale";
import { emptyPeaks } from "./bench/proc-tree";
import { classDeployment, printedSeconds } from "./bench/status";

describe("class bench configuration", () => {
  it("generates distinct logins that the roster parser accepts, with their e-mails", () => {
    const names = studentNames(100);
    expect(names[0]).toBe("s001");
    expect(names[99]).toBe("s100");
    expect(new Set(names).size).toBe(100);
    expect(parseRoster(rosterText(names))).toEqual(names.map((n) => ({ name: n, email: `${n}@example.org` })));
    expect(studentNames(1000)[0]).toBe("s0001");
    expect(() => studentNames(0)).toThrow(/at least one/);
  });

  it("builds the settings class up builds, which the program's parser reads back as a class on the node", () => {
    const students = studentNames(3).map((n) => ({ name: n, email: `${n}@example.org` }));
    const config = classStackConfig({ module: BENCH_MODULE, name: "bench", students, kubeconfig: "/k/admin.kubeconfig", context: "bigdata-labs", cpuRequestScale: 0.25 });
    const entries = labConfigEntries(config);
    expect(entries["lab:module"]).toEqual({ value: String(BENCH_MODULE) });
    expect(JSON.parse(entries["lab:kubernetes"]!.value)).toEqual({ exposure: "none", kubeconfig: "/k/admin.kubeconfig", context: "bigdata-labs", cpuRequestScale: 0.25 });
    const cfg = configOfStack(entries);
    expect(cfg).toMatchObject({ module: BENCH_MODULE, target: "kubernetes", name: "bench", students: ["s001", "s002", "s003"] });
    expect(cfg.kubernetes).toMatchObject({ exposure: "none", kubeconfig: "/k/admin.kubeconfig", context: "bigdata-labs", cpuRequestScale: 0.25 });
    expect(labInstances(cfg).map((l) => l.name)).toEqual(["bench-s001", "bench-s002", "bench-s003"]);
  });

  it("reads the bench's flags, and refuses bad ones naming the flag", () => {
    expect(parseBenchArgs(["--class-sizes", "10,30,100", "--runs", "1", "--sections", "class"])).toMatchObject({ classSizes: [10, 30, 100], runs: 1, sections: ["class"], explicitSections: true, write: true });
    expect(parseBenchArgs(["--quick"])).toMatchObject({ runs: 1, quick: true, write: false, explicitSections: false, modules: [1, 2, 3, 4, 5] });
    expect(parseBenchArgs([])).toMatchObject({ runs: 5, write: true, sections: ["docker", "kube", "class", "status"] });
    expect(() => parseBenchArgs(["--class-sizes", "10,x"])).toThrow(/--class-sizes/);
    expect(() => parseBenchArgs(["--runs", "0"])).toThrow(/--runs/);
    expect(() => parseBenchArgs(["--modules", "6"])).toThrow(/--modules 6/);
    expect(() => parseBenchArgs(["--sections", "docker,nosuch"])).toThrow(/--sections nosuch/);
  });

  it("recognises the program's capacity refusal, and nothing else", () => {
    const cfg = configOfStack(labConfigEntries(classStackConfig({ module: BENCH_MODULE, name: "bench", students: studentNames(100).map((name) => ({ name })), kubeconfig: "/k", context: "c" })));
    let message = "";
    try {
      checkClassFits(cfg, { cpuMillis: 2000, memoryBytes: 24 * 2 ** 30, nodes: 1 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^lab:students: 100 labs of module/);
    expect(capacityRefusal(["something else", message])).toBe(message);
    expect(capacityRefusal(["lab:kubernetes.context: no such context"])).toBeUndefined();
  });

  it("makes the figures of a class size, with the goal on 100 students only", () => {
    const peaks = emptyPeaks();
    const r: PreviewRun = { seconds: 30, planned: 4000, failed: false, errors: [], peaks: { ...peaks, program: { bytes: 512 * 2 ** 20, processes: 1 } }, processes: [] };
    const f100 = sizeFigures(100, [r]);
    expect(f100.map((f) => f.name)).toEqual(["100 students: preview", "100 students: per planned resource", "100 students: resources planned", "100 students: program peak", "100 students: CLI peak", "100 students: Kubernetes provider peak"]);
    // A dynamic provider's memory is a figure only when one ran (a stack without lab:secretSeed).
    const withDynamic = sizeFigures(100, [{ ...r, peaks: { ...r.peaks, "dynamic-provider": { bytes: 140 * 2 ** 20, processes: 1 } } }]);
    expect(withDynamic.at(-1)).toMatchObject({ name: "100 students: dynamic provider peak", samples: [140] });
    expect(f100[0]!.goals).toEqual([{ max: 60, on: "median" }]);
    expect(f100[1]!.samples).toEqual([7.5]);
    expect(f100[3]!.samples).toEqual([512]);
    expect(sizeFigures(10, [r])[0]!.goals).toBeUndefined();
    const refused = "lab:students: 30 labs of module 5 request 6.75 CPU and 58.1 GiB, more than the cluster's 1 node(s) can allocate (2.00 CPU, 23.3 GiB)";
    expect(sizeFigures(30, [{ ...r, capacityCheckSkipped: refused }])[0]!.note).toMatch(/capacity check off, it refuses the class \(6\.75 CPU, 58\.1 GiB requested\)$/);
  });
});

describe("status bench helpers", () => {
  it("reads the time class status prints", () => {
    expect(printedSeconds("STUDENT ...\n\nclass bench: 3/3 labs without failures (pod readiness; --deep runs the probes) in 1.4 s\n")).toBe(1.4);
    expect(printedSeconds("no summary")).toBeUndefined();
  });

  it("builds a class stack's deployment with the classroom output on the stack resource", () => {
    const d = classDeployment({ version: 3, deployment: { manifest: { time: "t" }, secrets_providers: { type: "passphrase" }, resources: [] } }, "class-sim", { name: "sim", module: 1, students: [{ name: "a", lab: "sim-a" }] });
    const dep = d.deployment as { manifest: unknown; secrets_providers: unknown; resources: { urn: string; type: string; outputs: unknown }[] };
    expect(dep.manifest).toEqual({ time: "t" });
    expect(dep.secrets_providers).toEqual({ type: "passphrase" });
    expect(dep.resources).toHaveLength(1);
    expect(dep.resources[0]).toMatchObject({ urn: "urn:pulumi:class-sim::bigdata-labs::pulumi:pulumi:Stack::bigdata-labs-class-sim", type: "pulumi:pulumi:Stack", outputs: { classroom: { name: "sim", students: [{ lab: "sim-a" }] } } });
  });
});
