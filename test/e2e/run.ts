/**
 * End-to-end: for each module, a real `pulumi up` of its lab (Automation API,
 * local file backend, the project's images and toolchain), the functional
 * probes, a second `up` that must change nothing, `pulumi destroy`, and a
 * check that nothing labelled with the lab is left.
 *
 *   npm run test:e2e -- --target docker|kubernetes [--module 2[,4]]
 *
 * On kubernetes it uses $KUBECONFIG's cluster, or else starts the project's
 * own node (scripts/kube/node.sh) and loads the module's images into it.
 *
 * After the probes it writes the module's starter data (as `labctl up`
 * does); after the checks it runs the module's starter notebooks in the
 * workspace with a real kernel (test/e2e/notebooks.ts) and prints
 * `notebooks: module N: C cells, F failed`.
 *
 * Prints per module: CPU requested, up time, probe and check time, peak
 * memory of the lab's containers or pods, destroy time; and a closing
 * `N passed, N failed` line.
 */
import { Target } from "../../components/config/schema";
import { labProbes } from "../../components/lab/probes";
import { MODULES, ModuleId } from "../../components/lab/modules";
import { openLabStack } from "../../lab-workloads/access/automation";
import { planModuleLab } from "../../cli/lab-args";
import { formatResults } from "../../lab-workloads/common/check";
import { hasDriver, runWorkload } from "../../lab-workloads/run";
import { dockerHost, E2eHost, kubeHost } from "./hosts";
import { Stack } from "@pulumi/pulumi/automation";
import { LabPlan } from "../../components/lab/plan";
import { containerNames } from "../../components/platform/docker/naming";
import { containerState, forceRemoveContainer, unreadyContainers } from "../../lab-workloads/access/docker-host";
import { openLab } from "../../lab-workloads/common/lab";
import { seedStarterData } from "../../lab-workloads/reset";
import { runModuleNotebooks } from "./notebooks";

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

function parseArgs(argv: string[]): { target: Target; modules: ModuleId[] } {
  let target = "docker";
  let modules: ModuleId[] = [1, 2, 3, 4, 5];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a.includes("=") ? a.split("=")[1]! : argv[++i];
    if (a.startsWith("--target")) target = value ?? "";
    else if (a.startsWith("--module")) modules = (value ?? "").split(",").map((m) => Number(m.trim()) as ModuleId);
    else throw new Error(`unknown argument ${a}; use --target docker|kubernetes [--module N[,M]]`);
  }
  if (target !== "docker" && target !== "kubernetes") throw new Error(`--target ${target}: use docker or kubernetes`);
  for (const m of modules) if (!MODULES[m]) throw new Error(`--module ${m}: unknown module; use 1-5`);
  return { target, modules };
}

const t0 = () => Date.now();
const secs = (start: number) => (Date.now() - start) / 1000;
const log = (msg: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function runModule(module: ModuleId, host: E2eHost): Promise<Check[]> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    log(`  ${ok ? "PASS" : "FAIL"} ${name}: ${detail}`);
  };
  const target = host.target;
  const plan = planModuleLab(module, target);
  const lab = plan.name;
  log(`module ${module} (${MODULES[module].slug}) on ${target}: lab ${lab}, ${plan.specs.map((s) => s.service).join(", ")}; requests ${plan.totals.cpuRequestMillis}m CPU`);
  try {
    await host.prepare(plan, (l) => log(`  ${l}`));
  } catch (err) {
    check("target ready", false, String((err as Error).message).split("\n").filter(Boolean).slice(-2).join(" | "));
    return checks;
  }
  const stack = await openLabStack({ module, target });
  let upStart = t0();
  try {
    let resources = 0;
    await stack.up({
      onEvent: (e) => {
        if (e.resOutputsEvent?.metadata.op === "create") resources++;
        if (e.diagnosticEvent?.severity === "error") log(`  pulumi: ${e.diagnosticEvent.message.trim().split("\n")[0]}`);
      },
    });
    check("up", true, `${secs(upStart).toFixed(1)} s to every service ready, ${resources} resources created`);
  } catch (err) {
    check("up", false, `${secs(upStart).toFixed(1)} s: ${String((err as Error).message).split("\n").filter((l) => /error|Error/.test(l)).slice(0, 3).join(" | ")}`);
    if (target === "docker") for (const l of (await unreadyContainers(lab)).split("\n").filter(Boolean)) log(`  ${l}`);
  }
  if (checks.every((c) => c.ok)) {
    const memory = host.memory(plan);
    const probeStart = t0();
    for (const p of labProbes(plan)) {
      const w = plan.specs.flatMap((s) => s.workloads).find((x) => x.name === p.workload)!;
      const r = await host.exec(plan, w, p.command);
      check(`probe ${p.service} (${p.what})`, r.ok, `${r.line} [${r.seconds.toFixed(1)} s]`);
    }
    log(`  probes took ${secs(probeStart).toFixed(1)} s`);
    await starterData(module, target, check);
    if (hasDriver(module)) {
      const checkStart = t0();
      const results = await runWorkload(module, target, { seed: 42, size: "small", log: (l) => (l.startsWith("  ") ? undefined : log(`  driver: ${l}`)) });
      for (const line of formatResults(results).split("\n")) log(`  ${line}`);
      for (const r of results) check(`workload: ${r.name}`, r.ok, r.error ?? `${r.assertions.filter((a) => a.ok).length}/${r.assertions.length} assertions [${r.seconds.toFixed(1)} s]`);
      log(`  workload checks took ${secs(checkStart).toFixed(1)} s`);
    } else {
      log(`  module ${module} has no workload driver yet: probes only`);
    }
    const ws = plan.workspace?.workloads[0];
    if (ws) {
      const nb = await runModuleNotebooks(module, (command) => host.exec(plan, ws, command), (l) => log(`  notebook ${l}`));
      process.stdout.write(`${nb.summary}\n`);
      const seconds = nb.runs.reduce((a, r) => a + r.seconds, 0);
      const reported = nb.runs.filter((r) => r.delivered !== undefined);
      check("notebooks delivered to the workspace", reported.length > 0 && reported.every((r) => r.delivered), `${reported.filter((r) => r.delivered).length}/${reported.length} copies in the student's folder equal the originals`);
      check("notebooks run", nb.failed === 0 && nb.runs.length > 0, nb.runs.find((r) => r.failure)?.failure ?? `${nb.runs.length} notebooks, ${nb.cells} cells in ${seconds.toFixed(1)} s (${nb.runs.map((r) => `${r.name} ${r.seconds.toFixed(1)} s`).join(", ")})`);
    }
    log(`  memory: ${await memory.stop()}`);
    upStart = t0();
    try {
      const again = await stack.up({ expectNoChanges: true });
      const changed = Object.entries(again.summary.resourceChanges ?? {}).filter(([op]) => op !== "same").reduce((a, [, n]) => a + (n ?? 0), 0);
      check("second up changes nothing", changed === 0, `${changed} changes, ${secs(upStart).toFixed(1)} s`);
    } catch (err) {
      check("second up changes nothing", false, String((err as Error).message).split("\n").slice(-3).join(" | "));
    }
    if (target === "docker") await driftCheck(stack, plan, check);
  }
  const downStart = t0();
  try {
    await stack.destroy();
    check("destroy", true, `${secs(downStart).toFixed(1)} s`);
  } catch (err) {
    check("destroy", false, String((err as Error).message).split("\n").slice(-3).join(" | "));
  }
  const left = await host.leftovers(plan);
  const nothing = target === "docker" ? "0 containers, 0 volumes, 0 networks labelled with the lab" : `namespace ${lab}, its PVCs and their PVs are gone`;
  check("nothing left behind", left === "", left === "" ? nothing : left);
  if (left === "") await stack.workspace.removeStack(stack.name);
  return checks;
}

/** The module's starter data, written where absent once the lab is up (what `labctl up` does). */
async function starterData(module: ModuleId, target: Target, check: (name: string, ok: boolean, detail: string) => void): Promise<void> {
  const start = t0();
  try {
    const lab = await openLab(module, target);
    const seeded = await seedStarterData(lab, () => undefined, { onlyIfAbsent: true }).finally(() => lab.close());
    // Written only where absent: a lab that was already up keeps what it has (nothing written is fine).
    check("starter data after up", true, `${seeded.length > 0 ? `wrote ${seeded.join(", ")}` : "already in place, nothing written"} [${secs(start).toFixed(1)} s]`);
  } catch (err) {
    check("starter data after up", false, String((err as Error).message).split("\n")[0]!);
  }
}

/**
 * Docker drift: one container removed by hand (`docker rm -f`); `pulumi refresh` must see exactly
 * that (1 deleted, nothing else changed) and the next `up` must create it again, healthy.
 */
async function driftCheck(stack: Stack, plan: LabPlan, check: (name: string, ok: boolean, detail: string) => void): Promise<void> {
  const name = "drift: container removed by hand, restored by up";
  const w = plan.specs.flatMap((s) => s.workloads).at(-1)!;
  const victim = containerNames(plan.name, w)[0]!;
  try {
    const start = t0();
    await forceRemoveContainer(victim);
    const refreshed = await stack.refresh();
    const seen = Object.entries(refreshed.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
    const restored = await stack.up();
    const created = restored.summary.resourceChanges?.["create"] ?? 0;
    const state = await containerState(victim);
    const ok = seen.length === 1 && seen[0]![0] === "delete" && seen[0]![1] === 1 && created === 1 && state === "running/healthy";
    check(name, ok, `removed ${victim}; refresh saw ${seen.map(([op, n]) => `${op} ${n}`).join(", ") || "nothing"}; up created ${created}; now ${state} [${secs(start).toFixed(1)} s]`);
  } catch (err) {
    check(name, false, String((err as Error).message).split("\n").filter(Boolean).slice(-3).join(" | "));
  }
}

async function main(): Promise<void> {
  const { target, modules } = parseArgs(process.argv.slice(2));
  const host = target === "docker" ? dockerHost : kubeHost();
  let passed = 0;
  let failed = 0;
  for (const m of modules) {
    const checks = await runModule(m, host);
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
