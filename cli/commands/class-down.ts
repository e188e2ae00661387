import { labInstances } from "../../components/config/schema";
import { openClass } from "../class/stacks";
import { leftoverCount, waitClassGone } from "../class/leftovers";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { ProgressView } from "../progress";
import { runStackUpdate } from "../../lab-workloads/access/stack-run";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io, pulumiFailure } from "./shared";

/** Options of `labctl class down`. */
export interface ClassDownOptions {
  readonly className?: string;
  readonly json: boolean;
}

/**
 * Destroys every lab of a class, then verifies on the cluster recorded at
 * `up` that no namespace, claim, volume, service account or cluster-scoped
 * object of the class is left, and removes the class's stack.
 */
export async function classDown(opts: ClassDownOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const { cfg, stack } = stood;
  const labs = labInstances(cfg).map((l) => l.name);
  if (!opts.json) io.out(`Tearing down class ${cfg.name}: ${labs.length} labs`);
  const progress = new ProgressView((l) => (opts.json ? undefined : io.out(l)));
  const t0 = Date.now();
  try {
    await runStackUpdate(stack, "destroy", { onEvent: (e) => progress.onEvent(e) });
  } catch (err) {
    throw pulumiFailure("class down", err);
  }
  const left = await waitClassGone(loadKubeConfig(stood.kube ?? {}), cfg.name, labs, 300);
  const n = leftoverCount(left);
  if (n > 0) throw new UserError(`class down: ${n} objects of class ${cfg.name} are still there: ${JSON.stringify(left)}`, EXIT.failed);
  await stack.workspace.removeStack(stack.name);
  const seconds = (Date.now() - t0) / 1000;
  if (opts.json) io.out(JSON.stringify({ class: cfg.name, labs, seconds, leftovers: 0 }, null, 2));
  else io.out(`Removed in ${seconds.toFixed(0)}s; verified: no namespace, claim, volume, service account or cluster-scoped object of class ${cfg.name} is left.`);
  return 0;
}
