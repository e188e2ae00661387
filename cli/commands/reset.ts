import { Target } from "../../components/config/schema";
import { ModuleId } from "../../components/lab/modules";
import { containerNames } from "../../components/platform/docker/naming";
import { restoreSeedScript, restoreStamp } from "../../components/services/workspace-spec";
import { LabHandle, openLab } from "../../lab-workloads/common/lab";
import { resetLab } from "../../lab-workloads/reset";
import { dockerExec } from "../../lab-workloads/access/docker-host";
import { loadKubeConfig, podExec, workloadPod } from "../../lab-workloads/access/kube-client";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl reset`. */
export interface ResetOptions {
  readonly module: ModuleId;
  /** @default "docker" */
  readonly target: Target;
  readonly json: boolean;
  /**
   * Put the module's starter notebooks back in the workspace instead of
   * resetting data; a student's changed copy is kept as
   * `<name>.orig-<YYYYmmdd-HHMMSS>.ipynb`. @default false
   */
  readonly notebooks?: boolean;
}

/**
 * Brings a running lab back to the module's start: drops the outputs, topics
 * and checkpoints the module created and writes its starter data again. The
 * services keep running (no `pulumi up`). With `notebooks`, only the starter
 * notebooks are restored (the data stays).
 */
export async function reset(opts: ResetOptions, io: Io): Promise<number> {
  const t0 = Date.now();
  const lab = await openLab(opts.module, opts.target);
  if (opts.notebooks) {
    const stamp = restoreStamp(new Date());
    const lines = await restoreNotebooks(lab, stamp).finally(() => lab.close());
    const seconds = (Date.now() - t0) / 1000;
    const kept = lines.filter((l) => l.startsWith("kept ")).map((l) => l.split(" as ")[1]!);
    const restored = lines.filter((l) => l.startsWith("restored ")).map((l) => l.slice("restored ".length));
    if (opts.json) io.out(JSON.stringify({ lab: lab.name, module: opts.module, restored, kept, seconds }, null, 2));
    else {
      io.out(`Restoring the starter notebooks of ${lab.name} (module ${opts.module})`);
      for (const l of lines) io.out(`  ${l}`);
      io.out(`Notebooks restored in ${seconds.toFixed(1)}s: ${restored.length} restored, ${kept.length} of your copies kept beside them.`);
    }
    return EXIT.ok;
  }
  if (!opts.json) io.out(`Resetting ${lab.name} (module ${opts.module}) to its start`);
  const report = await resetLab(lab, (l) => (opts.json ? undefined : io.out(`  ${l}`))).finally(() => lab.close());
  const seconds = (Date.now() - t0) / 1000;
  if (opts.json) io.out(JSON.stringify({ lab: lab.name, module: opts.module, ...report, seconds }, null, 2));
  else io.out(`Reset in ${seconds.toFixed(1)}s: ${report.removed.length} location(s) cleared, ${report.seeded.length} starter dataset(s) written.`);
  return 0;
}

/**
 * Runs the restore script in the lab's workspace (docker exec, or the pod's
 * exec through the API server) and returns its lines: `restored <name>`,
 * `kept <name> as <copy>`, `unchanged <name>`.
 */
export async function restoreNotebooks(lab: LabHandle, stamp: string): Promise<string[]> {
  const w = lab.plan.workspace?.workloads[0];
  if (!w) throw new UserError(`lab ${lab.name} has no JupyterLab workspace (lab:workspace is false); there are no notebooks to restore`);
  const command = ["bash", "-c", restoreSeedScript(stamp)];
  let ok: boolean;
  let output: string;
  if (lab.target === "docker") {
    const r = await dockerExec(containerNames(lab.name, w)[0]!, command, 120);
    ok = r.ok;
    output = r.ok ? r.output : r.line;
  } else {
    const kc = loadKubeConfig(lab.kube ?? {});
    const pod = (await workloadPod(kc, lab.name, w.name)).metadata!.name!;
    const r = await podExec(kc, lab.name, pod, command, { timeoutMs: 120_000 });
    ok = r.ok;
    output = r.ok ? r.stdout : `${r.reason}: ${r.stderr.trim().split("\n").pop() ?? ""}`;
  }
  if (!ok) throw new UserError(`could not restore the notebooks in the workspace of ${lab.name} (${output.trim().split("\n").pop()}); is the lab up? (labctl status)`, EXIT.failed);
  const lines = output.split("\n").map((l) => l.trim()).filter((l) => /^(restored|kept|unchanged) /.test(l));
  if (lines.length === 0) throw new UserError(`the workspace of ${lab.name} holds no starter notebooks; run labctl up ${lab.module} to deliver them`, EXIT.failed);
  return lines;
}
