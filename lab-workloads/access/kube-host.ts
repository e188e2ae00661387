import { execFile } from "child_process";
import { promisify } from "util";
import { WorkloadSpec } from "../../components/core/spec";
import type { ExecResult } from "./docker-host";
import { EXIT, UserError } from "./errors";

const run = promisify(execFile);

import type { KubeTarget } from "./kube-client";
export type { KubeTarget } from "./kube-client";

/** kubectl's `--kubeconfig` / `--context` flags for a target. */
export function kubectlFlags(t: KubeTarget): string[] {
  return [...(t.kubeconfig ? ["--kubeconfig", t.kubeconfig] : []), ...(t.context ? ["--context", t.context] : [])];
}

/** kubectl with the target's kubeconfig and context; stdout, or throws with stderr's last line. */
export async function kubectlRun(t: KubeTarget, args: readonly string[], timeoutSeconds = 60): Promise<string> {
  try {
    return (await run("kubectl", [...kubectlFlags(t), ...args], { timeout: timeoutSeconds * 1000, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    if (e.code === "ENOENT") throw new Error("kubectl is not on PATH; install it (or source the toolchain's env.sh)");
    const last = (e.stderr ?? e.message).trim().split("\n").pop() ?? e.message;
    if (/connection to the server .* was refused|Unable to connect to the server/.test(last)) {
      throw new UserError(`the cluster does not answer (${last.replace(/ - did you specify.*$/, "")}); start it (the project's node: npm run kube -- start) and retry`, EXIT.environment);
    }
    throw new Error(last);
  }
}

/** Runs `command` in a workload's first pod (kubectl exec); never throws. */
export async function kubeExec(t: KubeTarget, namespace: string, w: WorkloadSpec, command: readonly string[], timeoutSeconds = 300): Promise<ExecResult> {
  const started = Date.now();
  const target = `${w.stateful ? "statefulset" : "deployment"}/${w.name}`;
  try {
    const { stdout, stderr } = await run("kubectl", [...kubectlFlags(t), "-n", namespace, "exec", target, "--", ...command], { timeout: timeoutSeconds * 1000, maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, line: lastLine(stdout || stderr), output: `${stdout}${stderr}`, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; killed?: boolean; message: string };
    const line = e.killed ? `timed out after ${timeoutSeconds}s` : lastLine(e.stdout || e.stderr || e.message);
    return { ok: false, line, output: `${e.stdout ?? ""}${e.stderr ?? ""}`, seconds: (Date.now() - started) / 1000 };
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? "";
}

/** What must be gone after `down`: the namespace, its claims, and volumes bound to them. */
export interface KubeLeftovers {
  readonly namespace: boolean;
  readonly pvcs: string[];
  readonly pvs: string[];
}

export async function kubeLeftovers(t: KubeTarget, namespace: string): Promise<KubeLeftovers> {
  const ns = await kubectlRun(t, ["get", "namespace", namespace, "--ignore-not-found", "-o", "name"]);
  const pvcs = (await kubectlRun(t, ["get", "pvc", "-n", namespace, "--ignore-not-found", "-o", "name"]).catch(() => "")).split("\n").filter(Boolean);
  const pvList = JSON.parse(await kubectlRun(t, ["get", "pv", "-o", "json"])) as { items: { metadata: { name: string }; spec: { claimRef?: { namespace?: string } } }[] };
  const pvs = pvList.items.filter((p) => p.spec.claimRef?.namespace === namespace).map((p) => p.metadata.name);
  return { namespace: ns.trim() !== "", pvcs, pvs };
}

/** Waits until the namespace and its volumes are gone (deletion is asynchronous). */
export async function waitKubeClean(t: KubeTarget, namespace: string, seconds: number): Promise<KubeLeftovers> {
  const deadline = Date.now() + seconds * 1000;
  let left = await kubeLeftovers(t, namespace);
  while ((left.namespace || left.pvcs.length || left.pvs.length) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    left = await kubeLeftovers(t, namespace);
  }
  return left;
}

/** Working-set memory of each pod in the namespace, from the kubelet's summary API (no metrics-server needed). */
export async function kubePodMemory(t: KubeTarget, namespace: string): Promise<Map<string, number>> {
  const nodes = (await kubectlRun(t, ["get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"])).split(" ").filter(Boolean);
  const out = new Map<string, number>();
  for (const node of nodes) {
    const summary = JSON.parse(await kubectlRun(t, ["get", "--raw", `/api/v1/nodes/${node}/proxy/stats/summary`])) as { pods?: { podRef: { name: string; namespace: string }; memory?: { workingSetBytes?: number } }[] };
    for (const p of summary.pods ?? []) if (p.podRef.namespace === namespace) out.set(p.podRef.name, p.memory?.workingSetBytes ?? 0);
  }
  return out;
}
