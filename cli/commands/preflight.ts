import { Target } from "../../components/config/schema";
import { formatBytes, k8sCpu } from "../../components/core/units";
import { MODULES, ModuleId } from "../../components/lab/modules";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { isLabConfigError } from "../../components/core/errors";
import { checkCluster, ClusterCheckError } from "../../components/platform/kubernetes/cluster-check";
import { checkKubeconfig } from "../../components/config/stack-values";
import { labSettings, planModuleLab, validateSettings } from "../lab-args";
import { Io } from "./shared";
import { Capacity, dockerCapacity } from "../docker-capacity";
import { dockerPortHolders, hostPortClash, stackPortClash } from "../docker-ports";
import type { LabPlan } from "../../components/lab/plan";
import { PROJECT_ROOT, stackName } from "../../lab-workloads/access/checkout";
import { stackLabSettings } from "../../lab-workloads/access/stack-settings";
import { configOfStack } from "../../lab-workloads/access/stack-lab";

/** A go / no-go answer with the numbers behind it. */
export interface PreflightResult {
  readonly go: boolean;
  readonly module: ModuleId;
  readonly needs: { memoryLimitBytes: number; memoryRequestBytes: number; cpuRequestMillis: number };
  readonly has: Capacity;
  readonly reasons: readonly string[];
}

/** Head room kept for the engine, the OS and the student's own programs. */
export const HEADROOM_BYTES = 1024 * 1024 * 1024;

/**
 * Compares a module's summed limits and requests with a capacity. Memory
 * must fit the limits plus head room; CPU requests must fit the cores.
 */
export function judge(module: ModuleId, needs: PreflightResult["needs"], has: Capacity): PreflightResult {
  const reasons: string[] = [];
  if (needs.memoryLimitBytes + HEADROOM_BYTES > has.memoryBytes) {
    reasons.push(`memory: the lab may use ${formatBytes(needs.memoryLimitBytes)} plus ${formatBytes(HEADROOM_BYTES)} head room, ${has.source} has ${formatBytes(has.memoryBytes)}; give ${has.source.startsWith("Docker") ? "Docker" : "the cluster"} more memory or stop other labs`);
  }
  if (needs.cpuRequestMillis > has.cpus * 1000) {
    reasons.push(`cpu: the lab requests ${k8sCpu(needs.cpuRequestMillis)}, ${has.source} has ${has.cpus} cores`);
  }
  return { go: reasons.length === 0, module, needs, has, reasons };
}

/**
 * Allocatable memory and CPU of the cluster's nodes (summed), asked with the
 * kubeconfig labctl uses; one-line errors for a missing kubeconfig or context,
 * an unreachable cluster, or no usable storage class.
 */
export async function kubeCapacity(module: ModuleId, context?: string): Promise<Capacity> {
  const cfg = validateSettings(labSettings(module, "kubernetes", context));
  let facts;
  try {
    const { file, context: ctx } = checkKubeconfig(cfg);
    facts = await checkCluster(file, ctx, cfg.kubernetes.storageClass);
  } catch (err) {
    if (isLabConfigError(err) || err instanceof ClusterCheckError) throw new UserError(err.message, EXIT.environment);
    throw err;
  }
  if (!facts) throw new UserError("the cluster is reached through an exec plugin (e.g. EKS), which preflight does not call; compare `kubectl describe nodes` with the module's requests", EXIT.usage);
  const n = facts.allocatable.nodes;
  return { memoryBytes: facts.allocatable.memoryBytes, cpus: facts.allocatable.cpuMillis / 1000, source: `the cluster (${n} node${n === 1 ? "" : "s"}, allocatable)` };
}

/**
 * The first taken host port of the module's Docker lab: the plans of its
 * stack's settings when the stack exists (a `lab:hostPortBase` set there
 * counts, as in `up`), else the default plan.
 */
async function portClash(module: ModuleId, plan: LabPlan): Promise<string | undefined> {
  const holders = dockerPortHolders().catch(() => undefined);
  let cfg;
  try {
    const entries = stackLabSettings(stackName(module, "docker"), PROJECT_ROOT);
    if (entries && Object.keys(entries).length > 0) cfg = configOfStack(entries);
  } catch {
    // Settings it cannot read: the default plan (up reports bad settings itself).
  }
  return cfg ? stackPortClash(cfg, holders) : hostPortClash(plan, holders);
}

/**
 * `labctl preflight <module>`: go / no-go with numbers, before anything is
 * created. With `ports` on Docker, the lab's host ports are checked too
 * (`up` checks them itself, right before its update).
 */
export async function preflight(opts: { module: ModuleId; target: Target; context?: string; json: boolean; quiet?: boolean; ports?: boolean }, io: Io, capacity?: () => Promise<Capacity>): Promise<PreflightResult> {
  const plan = planModuleLab(opts.module, opts.target);
  const t = plan.totals;
  capacity ??= opts.target === "docker" ? dockerCapacity : () => kubeCapacity(opts.module, opts.context);
  const clash = opts.ports && opts.target === "docker" ? portClash(opts.module, plan) : undefined;
  const judged = judge(opts.module, { memoryLimitBytes: t.memoryLimitBytes, memoryRequestBytes: t.memoryRequestBytes, cpuRequestMillis: t.cpuRequestMillis }, await capacity());
  const portLine = await clash;
  const result = portLine ? { ...judged, go: false, reasons: [...judged.reasons, `ports: ${portLine}`] } : judged;
  if (opts.json) io.out(JSON.stringify(result, null, 2));
  else if (!opts.quiet || !result.go) {
    io.out(`preflight module ${opts.module} (${MODULES[opts.module].slug}): ${result.go ? "GO" : "NO-GO"} — needs ≤ ${formatBytes(t.memoryLimitBytes)} (requests ${formatBytes(t.memoryRequestBytes)}, ${k8sCpu(t.cpuRequestMillis)} CPU); ${result.has.source} has ${formatBytes(result.has.memoryBytes)}, ${result.has.cpus} cores`);
    for (const r of result.reasons) io.out(`  ${r}`);
  }
  return result;
}
