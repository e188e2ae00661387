/**
 * End-to-end: for each module, a real `pulumi up` of its lab (Automation API,
 * local file backend, the project's images and toolchain), the functional
 * probes, a second `up` that must change nothing, `pulumi destroy`, and a
 * check that nothing labelled with the lab is left.
 *
 *   npm run test:e2e -- --target docker [--module 2[,4]]
 *
 * Prints per module: up time, probe time, peak memory of the lab's
 * containers, destroy time; and a closing `N passed, N failed` line.
 */
import { formatBytes } from "../../components/core/units";
import { labProbes } from "../../components/lab/probes";
import { MODULES, ModuleId } from "../../components/lab/modules";
import { containerNames } from "../../components/platform/docker/render";
import { openLabStack } from "../../cli/automation";
import { planModuleLab } from "../../cli/lab-args";
import { dockerExec, dockerLeftovers, labMemory } from "../../cli/docker-host";
import { formatResults } from "../../lab-workloads/common/check";
import { hasDriver, runWorkload } from "../../lab-workloads/run";

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

function parseArgs(argv: string[]): { target: "docker"; modules: ModuleId[] } {
  let target = "docker";
  let modules: ModuleId[] = [1, 2, 3, 4, 5];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a.includes("=") ? a.split("=")[1]! : argv[++i];
    if (a.startsWith("--target")) target = value ?? "";
    else if (a.startsWith("--module")) modules = (value ?? "").split(",").map((m) => Number(m.trim()) as ModuleId);
    else throw new Error(`unknown argument ${a}; use --target docker [--module N[,M]]`);
  }
  if (target !== "docker") throw new Error(`--target ${target} is not supported by this runner yet; use --target docker`);
  for (const m of modules) if (!MODULES[m]) throw new Error(`--module ${m}: unknown module; use 1-5`);
  return { target, modules };
}

const t0 = () => Date.now();
const secs = (start: number) => (Date.now() - start) / 1000;
const log = (msg: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function runModule(module: ModuleId): Promise<Check[]> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    log(`  ${ok ? "PASS" : "FAIL"} ${name}: ${detail}`);
  };
  const plan = planModuleLab(module, "docker");
  const lab = plan.name;
  log(`module ${module} (${MODULES[module].slug}): lab ${lab}, ${plan.specs.map((s) => s.service).join(", ")}`);
  const stack = await openLabStack({ module, target: "docker" });
  let upStart = t0();
  try {
    let resources = 0;
    await stack.up({
      onEvent: (e) => {
        if (e.resOutputsEvent?.metadata.op === "create") resources++;
        if (e.diagnosticEvent?.severity === "error") log(`  pulumi: ${e.diagnosticEvent.message.trim().split("\n")[0]}`);
      },
    });
    check("up", true, `${secs(upStart).toFixed(1)} s, ${resources} resources created`);
  } catch (err) {
    check("up", false, `${secs(upStart).toFixed(1)} s: ${String((err as Error).message).split("\n").filter((l) => /error|Error/.test(l)).slice(0, 3).join(" | ")}`);
  }
  if (checks.every((c) => c.ok)) {
    const probeStart = t0();
    for (const p of labProbes(plan)) {
      const w = plan.specs.flatMap((s) => s.workloads).find((x) => x.name === p.workload)!;
      const container = containerNames(lab, w)[0]!;
      const r = await dockerExec(container, p.command, 300);
      check(`probe ${p.service} (${p.what})`, r.ok, `${r.line} [${r.seconds.toFixed(1)} s]`);
    }
    log(`  probes took ${secs(probeStart).toFixed(1)} s`);
    if (hasDriver(module)) {
      const checkStart = t0();
      const results = await runWorkload(module, "docker", { seed: 42, size: "small", log: (l) => (l.startsWith("  ") ? undefined : log(`  driver: ${l}`)) });
      for (const line of formatResults(results).split("\n")) log(`  ${line}`);
      for (const r of results) check(`workload: ${r.name}`, r.ok, r.error ?? `${r.assertions.filter((a) => a.ok).length}/${r.assertions.length} assertions [${r.seconds.toFixed(1)} s]`);
      log(`  workload checks took ${secs(checkStart).toFixed(1)} s`);
    } else {
      log(`  module ${module} has no workload driver yet: probes only`);
    }
    const mem = await labMemory(lab);
    const peak = mem.reduce((a, m) => a + (Number.isFinite(m.peak) ? m.peak : 0), 0);
    const current = mem.reduce((a, m) => a + (Number.isFinite(m.current) ? m.current : 0), 0);
    log(`  memory: now ${formatBytes(current)}, sum of peaks ${formatBytes(peak)} (${mem.map((m) => `${m.name.replace(`${lab}-`, "")} ${formatBytes(m.peak)}`).join(", ")})`);
    upStart = t0();
    try {
      const again = await stack.up({ expectNoChanges: true });
      const changed = Object.entries(again.summary.resourceChanges ?? {}).filter(([op]) => op !== "same").reduce((a, [, n]) => a + (n ?? 0), 0);
      check("second up changes nothing", changed === 0, `${changed} changes, ${secs(upStart).toFixed(1)} s`);
    } catch (err) {
      check("second up changes nothing", false, String((err as Error).message).split("\n").slice(-3).join(" | "));
    }
  }
  const downStart = t0();
  try {
    await stack.destroy();
    check("destroy", true, `${secs(downStart).toFixed(1)} s`);
  } catch (err) {
    check("destroy", false, String((err as Error).message).split("\n").slice(-3).join(" | "));
  }
  const left = await dockerLeftovers(lab);
  const n = left.containers.length + left.volumes.length + left.networks.length;
  check("nothing left behind", n === 0, n === 0 ? "0 containers, 0 volumes, 0 networks labelled with the lab" : JSON.stringify(left));
  if (n === 0) await stack.workspace.removeStack(stack.name);
  return checks;
}

async function main(): Promise<void> {
  const { modules } = parseArgs(process.argv.slice(2));
  let passed = 0;
  let failed = 0;
  for (const m of modules) {
    const checks = await runModule(m);
    passed += checks.filter((c) => c.ok).length;
    failed += checks.filter((c) => !c.ok).length;
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`e2e: ${(err as Error).message}\n`);
  process.stdout.write("0 passed, 1 failed\n");
  process.exitCode = 1;
});
