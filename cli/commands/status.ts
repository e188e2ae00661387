import { labProbes } from "../../components/lab/probes";
import { containerNames } from "../../components/platform/docker/naming";
import { ModuleId } from "../../components/lab/modules";
import { Target } from "../../components/config/schema";
import { selectLabStack, stackName } from "../../lab-workloads/access/automation";
import { dockerExec } from "../../lab-workloads/access/docker-host";
import type { KubeTarget } from "../../lab-workloads/access/kube-host";
import { dockerHealth, kubeHealth } from "../lab-health";
import { ServiceStatus } from "../class/grid";
import { LabPlan } from "../../components/lab/plan";
import { planOfLab, readStack } from "../../lab-workloads/access/stack-lab";
import { Io } from "./shared";
import type { LabOutput } from "../../lab-workloads/access/stack-lab";

/** Options of `labctl status`. */
export interface StatusOptions {
  readonly json: boolean;
  /** Also print credentials (Jupyter token, S3 keys). @default false */
  readonly secrets: boolean;
  /** Run every service's functional probe (a job, a query) instead of reading readiness. @default false */
  readonly deep?: boolean;
}

/** One row of the status table. */
export interface StatusRow {
  lab: string;
  service: string;
  health: "ok" | "failing" | "unknown";
  detail: string;
  endpoints: string;
  uis: string;
}

/**
 * Health of every service of every lab: by default from readiness (Docker's
 * health checks, pod readiness), in about a second; with `deep`, from the
 * functional probes, which run the services' own clients.
 */
export async function status(opts: StatusOptions, io: Io, stacks: { module: ModuleId; target: Target }[]): Promise<number> {
  const rows: StatusRow[] = [];
  const credentials: Record<string, unknown> = {};
  for (const s of stacks) {
    // Read as it stands (a listed stack exists): nothing is set on it.
    const stood = await readStack(await selectLabStack(stackName(s.module, s.target)));
    const labs: Record<string, LabOutput> = { ...stood.labs };
    if (opts.secrets) Object.assign(credentials, stood.credentials);
    for (const [name, lab] of Object.entries(labs)) {
      const plan = planOfLab(stood.cfg, name);
      const byService = opts.deep ? await probeHealth(plan, name, s.target, stood.kube ?? {}) : await readiness(plan, name, s.target, stood.kube ?? {});
      for (const [service, eps] of Object.entries(lab.endpoints)) {
        const key = service;
        const h = byService.get(key);
        rows.push({
          lab: name,
          service,
          health: h ? (h.state === "ok" ? "ok" : "failing") : "unknown",
          detail: h?.detail ?? "",
          endpoints: Object.entries(eps).filter(([, e]) => !e.ui).map(([k, e]) => `${k}=${e.host ?? e.inLab}`).join(" "),
          uis: Object.entries(eps).filter(([, e]) => e.ui).map(([, e]) => e.host ?? e.inLab).join(" "),
        });
      }
    }
  }
  if (opts.json) {
    io.out(JSON.stringify({ labs: rows, ...(opts.secrets ? { credentials } : {}) }, null, 2));
  } else if (rows.length === 0) {
    io.out("No labs are running from this checkout. Start one with: labctl up <module>");
  } else {
    const cols: (keyof StatusRow)[] = ["lab", "service", "health", "uis", "endpoints"];
    const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
    io.out(cols.map((c, i) => c.toUpperCase().padEnd(width[i]!)).join("  "));
    for (const r of rows) io.out(cols.map((c, i) => String(r[c]).padEnd(width[i]!)).join("  "));
    for (const r of rows.filter((x) => x.health === "failing")) io.out(`! ${r.lab} ${r.service}: ${r.detail}`);
    if (opts.secrets) io.out(`\nCredentials:\n${JSON.stringify(credentials, null, 2)}`);
  }
  return rows.some((r) => r.health === "failing") ? 1 : 0;
}

async function readiness(plan: LabPlan, lab: string, target: Target, kube: KubeTarget): Promise<Map<string, ServiceStatus>> {
  return target === "docker" ? dockerHealth(lab, plan) : kubeHealth(kube, lab, plan);
}

/** The functional probes of a lab, all at once: the status takes as long as the slowest one. */
async function probeHealth(plan: LabPlan, lab: string, target: Target, kube: KubeTarget): Promise<Map<string, ServiceStatus>> {
  const probes = labProbes(plan);
  // The Kubernetes client is loaded for a Kubernetes lab only (0.3 s).
  const kubeExec = target === "docker" ? undefined : (await import("../../lab-workloads/access/kube-host")).kubeExec;
  const results = await Promise.all(
    probes.map((p) => {
      const w = plan.specs.flatMap((x) => x.workloads).find((x) => x.name === p.workload)!;
      return target === "docker" ? dockerExec(containerNames(lab, w)[0]!, p.command, 120) : kubeExec!(kube, lab, w, p.command, 120);
    }),
  );
  const out = new Map<string, ServiceStatus>();
  for (const [i, p] of probes.entries()) {
    const r = results[i]!;
    const prev = out.get(p.service);
    const ok = (prev?.state ?? "ok") === "ok" && r.ok;
    out.set(p.service, { state: ok ? "ok" : "failing", detail: [prev?.detail, r.line].filter(Boolean).join("; ") });
  }
  return out;
}
