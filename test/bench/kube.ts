/**
 * The Kubernetes section of the benchmark, per module on the project's node
 * (`npm run kube -- start`), through labctl: `up` until every pod is ready,
 * the module's check, `down` (verified by labctl), and the lab's CPU
 * requests from the plan of the stack that was stood up.
 */
import { labInstances } from "../../components/config/schema";
import { ModuleId } from "../../components/lab/modules";
import { selectLabStack, stackName } from "../../lab-workloads/access/automation";
import { configOfStack, planOfLab } from "../../lab-workloads/access/stack-lab";
import { NODE_KUBECONFIG } from "../reliability/node";
import { pinImages } from "../reliability/pin-images";
import { labctlTimed, failureLine } from "./measure";
import { Figure } from "./table";

/** Options of the Kubernetes section. */
export interface KubeBenchOptions {
  readonly modules: readonly ModuleId[];
  readonly runs: number;
  /** kubeconfig file of the cluster. @default the project's node (npm run kube) */
  readonly kubeconfig?: string;
  /** kubeconfig context labctl stands the labs up in. @default the file's current context */
  readonly context?: string;
  readonly log: (line: string) => void;
}

/** CPU requests of the module's lab as its stack plans it, in millicores. */
async function cpuRequests(module: ModuleId): Promise<number> {
  const stack = await selectLabStack(stackName(module, "kubernetes"));
  const cfg = configOfStack(await stack.getAllConfig());
  return planOfLab(cfg, labInstances(cfg)[0]!.name).totals.cpuRequestMillis;
}

/** Runs the Kubernetes section; a failed run is reported and left out. */
export async function kubeFigures(opts: KubeBenchOptions): Promise<{ figures: Figure[]; failures: string[] }> {
  const figures: Figure[] = [];
  const failures: string[] = [];
  const target = ["--target", "kubernetes", ...(opts.context ? ["--context", opts.context] : [])];
  // labctl records the cluster at `up`; check and down use the recorded one.
  const env = { ...process.env, KUBECONFIG: opts.kubeconfig ?? NODE_KUBECONFIG };
  for (const module of opts.modules) {
    const section = `kubernetes m${module}`;
    const up: number[] = [];
    const check: number[] = [];
    const down: number[] = [];
    let cpu: number | undefined;
    for (let run = 1; run <= opts.runs; run++) {
      opts.log(`${section}: run ${run}/${opts.runs}`);
      await pinImages(module, (l) => opts.log(`    ${l}`), "kubernetes");
      const u = await labctlTimed(["up", String(module), ...target, "--json"], 1200, env);
      // The plan is read while the stack exists (`down` removes it).
      if (u.code === 0) cpu ??= await cpuRequests(module).catch(() => undefined);
      const c = u.code === 0 ? await labctlTimed(["check", String(module), "--target", "kubernetes"], 1800) : undefined;
      const d = await labctlTimed(["down", String(module), "--target", "kubernetes"], 900);
      const bad = u.code !== 0 ? ["labctl up", u] : c && c.code !== 0 ? ["labctl check", c] : d.code !== 0 ? ["labctl down", d] : undefined;
      if (bad) {
        const [what, r] = bad as [string, typeof u];
        const line = `${section} run ${run}: ${what} failed (exit ${r.code}): ${failureLine(r)}`;
        failures.push(line);
        opts.log(`    FAILED ${line}`);
        continue;
      }
      up.push(u.seconds);
      check.push(c!.seconds);
      down.push(d.seconds);
      opts.log(`    up ${u.seconds.toFixed(1)} s, check ${c!.seconds.toFixed(1)} s, down ${d.seconds.toFixed(1)} s`);
    }
    if (up.length === 0) continue;
    figures.push(
      { section, name: "up to ready", unit: "s", samples: up, note: "labctl up, starter data included" },
      { section, name: "check", unit: "s", samples: check, goals: [{ max: 60, on: "median" }] },
      { section, name: "destroy", unit: "s", samples: down, note: "labctl down, verified" },
      ...(cpu !== undefined ? [{ section, name: "CPU requests", unit: "millicores" as const, samples: [cpu], note: "sum over the lab's containers" }] : []),
    );
  }
  return { figures, failures };
}
