/**
 * What the end-to-end runner needs from a target, for Docker and for
 * Kubernetes: run a probe in a workload, measure memory, and list what a
 * destroyed lab left behind.
 */
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { Target } from "../../components/config/schema";
import { formatBytes } from "../../components/core/units";
import { WorkloadSpec } from "../../components/core/spec";
import { LabPlan } from "../../components/lab/plan";
import { containerNames } from "../../components/platform/docker/naming";
import { dockerExec, dockerLeftovers, ExecResult, labMemory } from "../../lab-workloads/access/docker-host";
import { KubeTarget, kubeExec, kubePodMemory, waitKubeClean } from "../../lab-workloads/access/kube-host";

const run = promisify(execFile);
const REPO = path.join(__dirname, "..", "..");

export interface E2eHost {
  readonly target: Target;
  /** Gets the target ready for the module's lab (e.g. loads its images into the node). */
  prepare(plan: LabPlan, log: (l: string) => void): Promise<void>;
  exec(plan: LabPlan, w: WorkloadSpec, command: readonly string[]): Promise<ExecResult>;
  /** Starts sampling memory; `stop` returns a one-line summary of the peaks. */
  memory(plan: LabPlan): { stop(): Promise<string> };
  /** Empty when nothing of the lab is left; otherwise what is. */
  leftovers(plan: LabPlan): Promise<string>;
}

export const dockerHost: E2eHost = {
  target: "docker",
  async prepare() {},
  exec: (plan, w, command) => dockerExec(containerNames(plan.name, w)[0]!, command, 300),
  memory(plan) {
    return {
      async stop() {
        const mem = await labMemory(plan.name);
        const peak = mem.reduce((a, m) => a + (Number.isFinite(m.peak) ? m.peak : 0), 0);
        const current = mem.reduce((a, m) => a + (Number.isFinite(m.current) ? m.current : 0), 0);
        return `now ${formatBytes(current)}, sum of peaks ${formatBytes(peak)} (${mem.map((m) => `${m.name.replace(`${plan.name}-`, "")} ${formatBytes(m.peak)}`).join(", ")})`;
      },
    };
  },
  async leftovers(plan) {
    const left = await dockerLeftovers(plan.name);
    const n = left.containers.length + left.volumes.length + left.networks.length;
    return n === 0 ? "" : JSON.stringify(left);
  },
};

/**
 * Kubernetes: $KUBECONFIG's cluster if set; otherwise the project's own node
 * (scripts/kube/node.sh), started if needed, with the module's images loaded
 * into it the way `kind load docker-image` would.
 */
export function kubeHost(): E2eHost {
  const own = !process.env["KUBECONFIG"];
  const kube: KubeTarget = {};
  return {
    target: "kubernetes",
    async prepare(plan, log) {
      if (!own) return;
      const node = path.join(REPO, "scripts", "kube", "node.sh");
      const started = Date.now();
      const { stdout } = await run("bash", [node, "start"], { timeout: 900_000 });
      log(stdout.trim().split("\n").pop() ?? "");
      process.env["KUBECONFIG"] = (await run("bash", [node, "kubeconfig"])).stdout.trim();
      // The node's kubectl sits next to its kubeconfig ($ROOT/kube/bin).
      process.env["PATH"] = `${path.join(path.dirname(process.env["KUBECONFIG"]), "bin")}${path.delimiter}${process.env["PATH"] ?? ""}`;
      const images = [...new Set(plan.specs.flatMap((s) => s.workloads.map((w) => w.image)).concat(plan.context.images.workspace))];
      const loaded = await run("bash", [node, "load", ...images], { timeout: 1_800_000 });
      log(`${loaded.stdout.trim().split("\n").pop() ?? ""} (node and images ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    },
    exec: (plan, w, command) => kubeExec(kube, plan.name, w, command, 300),
    memory(plan) {
      const peaks = new Map<string, number>();
      const sample = async () => {
        for (const [pod, bytes] of await kubePodMemory(kube, plan.name).catch(() => new Map<string, number>())) {
          if (!pod.startsWith("job-")) peaks.set(pod, Math.max(peaks.get(pod) ?? 0, bytes));
        }
      };
      void sample();
      const timer = setInterval(() => void sample(), 5000);
      return {
        async stop() {
          clearInterval(timer);
          await sample();
          const sum = [...peaks.values()].reduce((a, b) => a + b, 0);
          return `sum of sampled peaks ${formatBytes(sum)} (working set every 5 s: ${[...peaks].map(([p, b]) => `${p} ${formatBytes(b)}`).join(", ")})`;
        },
      };
    },
    async leftovers(plan) {
      const left = await waitKubeClean(kube, plan.name, 180);
      return left.namespace || left.pvcs.length || left.pvs.length ? JSON.stringify(left) : "";
    },
  };
}
