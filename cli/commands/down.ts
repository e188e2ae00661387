import { Target } from "../../components/config/schema";
import { ModuleId } from "../../components/lab/modules";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { isNoSuchStack, openLabStack, selectLabStack, stackLocked, stackName } from "../../lab-workloads/access/automation";
import { dockerLeftovers, removeLeftovers } from "../../lab-workloads/access/docker-host";
import { removeOrphans } from "../docker-orphans";
import { stackResources, StateResource } from "../../lab-workloads/access/stack-state";
import { labInstances } from "../../components/config/schema";
import { configOfStack, kubeTargetOfConfig, stackConfigEntries } from "../../lab-workloads/access/stack-lab";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { ProgressView } from "../progress";
import { runStackUpdate } from "../../lab-workloads/access/stack-run";
import { Io, pulumiFailure, stackBusy } from "./shared";

/** Options of `labctl down`. */
export interface DownOptions {
  /** Module whose lab to remove; all labs of this checkout when absent. */
  readonly module?: ModuleId;
  /** @default "docker" */
  readonly target: Target;
  readonly json: boolean;
}

/**
 * `pulumi destroy` of the lab(s), then a check that nothing labelled with the
 * lab is left (containers, volumes, networks), and the stack is removed.
 */
export async function down(opts: DownOptions, io: Io, listStacks: () => Promise<{ module: ModuleId; target: Target }[]>): Promise<number> {
  const targets = opts.module ? [{ module: opts.module, target: opts.target }] : await listStacks();
  if (targets.length === 0) {
    io.out("No labs are running from this checkout.");
    return 0;
  }
  const report: Record<string, unknown>[] = [];
  for (const t of targets) {
    const name = stackName(t.module, t.target);
    // The stack as it stands (its settings untouched); a module without one gets an empty stack, so
    // that leftovers of an interrupted run carrying the lab's label are still found and removed.
    const stack = await selectLabStack(name).catch((err: unknown) => {
      if (!isNoSuchStack(err)) throw err;
      return openLabStack({ module: t.module, target: t.target });
    });
    // A run in flight holds the lock, and objects it has not recorded yet are not orphans.
    if (t.target === "docker" && stackLocked(stack.name)) throw stackBusy("down");
    // Its settings and its resources, read together (from its files, or the CLI when they cannot be read).
    const [entries, resources] = await Promise.all([stackConfigEntries(stack), stackResources(stack)]);
    const cfg = configOfStack(entries);
    // Names from the outputs, or from the stack's own settings when an interrupted run left none.
    const fromOutputs = Object.keys(labsOutput(resources));
    const labs = fromOutputs.length > 0 ? fromOutputs : labInstances(cfg).map((l) => l.name);
    const kube = kubeTargetOfConfig(cfg);
    if (!opts.json) io.out(`Tearing down ${name} (${labs.join(", ") || "no resources"})`);
    const progress = new ProgressView((l) => (opts.json ? undefined : io.out(l)));
    const t0 = Date.now();
    if (t.target === "docker") {
      // An interrupted `up` may have left containers the stack never recorded, holding its volumes.
      for (const lab of labs) {
        const orphans = await removeOrphans(lab, resources);
        if (orphans.length > 0 && !opts.json) io.out(`Removed ${orphans.length} object(s) an interrupted run created but never recorded: ${orphans.join(", ")}`);
      }
    }
    try {
      await runStackUpdate(stack, "destroy", { onEvent: (e) => progress.onEvent(e) });
    } catch (err) {
      throw pulumiFailure("down", err);
    }
    let left = 0;
    if (t.target === "docker") {
      for (const lab of labs) {
        const removed = await removeLeftovers(lab);
        const n = removed.containers.length + removed.volumes.length + removed.networks.length;
        if (n > 0 && !opts.json) io.out(`Removed ${n} object(s) an interrupted run left with lab ${lab}'s label: ${[...removed.containers, ...removed.volumes, ...removed.networks].join(", ")}`);
        const l = await dockerLeftovers(lab);
        const still = l.containers.length + l.volumes.length + l.networks.length;
        left += still;
        if (still > 0) io.err(`left behind for ${lab}: ${JSON.stringify(l)}`);
      }
    }
    if (t.target === "kubernetes") {
      for (const lab of labs) {
        // Namespace deletion is asynchronous: wait for it, its claims and their volumes.
        // On the cluster the lab was stood up on, whatever kubectl's current context is now.
        const { waitKubeClean } = await import("../../lab-workloads/access/kube-host");
        const l = await waitKubeClean(kube ?? {}, lab, 180);
        const still = (l.namespace ? 1 : 0) + l.pvcs.length + l.pvs.length;
        left += still;
        if (still > 0) io.err(`left behind for ${lab}: ${JSON.stringify(l)}`);
      }
    }
    if (left > 0) {
      const how = t.target === "docker" ? "remove them with docker rm/volume rm/network rm" : "see kubectl get namespace,pvc,pv";
      throw new UserError(`down: ${left} objects of the lab are still there; ${how}`, EXIT.failed);
    }
    await stack.workspace.removeStack(stack.name);
    report.push({ stack: stack.name, labs, seconds: (Date.now() - t0) / 1000, leftovers: 0 });
    const gone = t.target === "docker" ? "no container, volume or network" : "no namespace, claim or volume";
    if (!opts.json) io.out(`Removed in ${((Date.now() - t0) / 1000).toFixed(0)}s; verified: ${gone} of ${labs.join(", ")} is left.`);
  }
  if (opts.json) io.out(JSON.stringify(report, null, 2));
  return 0;
}

/** The stack's `labs` output, from its exported state (the root resource's outputs); {} when there is none. */
export function labsOutput(resources: readonly StateResource[]): Record<string, unknown> {
  const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const labs = (root?.outputs as Record<string, unknown> | undefined)?.["labs"];
  return labs !== null && typeof labs === "object" && !Array.isArray(labs) ? (labs as Record<string, unknown>) : {};
}

/** Stacks of this checkout that look like labctl's `<target>-m<N>`. */
export async function labStacks(ws: LocalWorkspace): Promise<{ module: ModuleId; target: Target }[]> {
  const out: { module: ModuleId; target: Target }[] = [];
  for (const s of await ws.listStacks()) {
    const m = /^(docker|kubernetes)-m([1-5])$/.exec(s.name);
    if (m && (s.resourceCount ?? 0) > 0) out.push({ target: m[1] as Target, module: Number(m[2]) as ModuleId });
  }
  return out;
}
