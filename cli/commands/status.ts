import { labProbes } from "../../components/lab/probes";
import { containerNames } from "../../components/platform/docker/render";
import { ModuleId } from "../../components/lab/modules";
import { Target } from "../../components/config/schema";
import { openLabStack } from "../automation";
import { dockerExec } from "../docker-host";
import { kubeExec } from "../kube-host";
import { planOfLab, readStack } from "../stack-lab";
import { Io, LabOutput } from "./shared";

/** Options of `labctl status`. */
export interface StatusOptions {
  readonly json: boolean;
  /** Also print credentials (Jupyter token, S3 keys). @default false */
  readonly secrets: boolean;
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

/** Health of every service of every lab, from the functional probes. */
export async function status(opts: StatusOptions, io: Io, stacks: { module: ModuleId; target: Target }[]): Promise<number> {
  const rows: StatusRow[] = [];
  const credentials: Record<string, unknown> = {};
  for (const s of stacks) {
    const stood = await readStack(await openLabStack({ module: s.module, target: s.target }));
    const labs: Record<string, LabOutput> = { ...stood.labs };
    if (opts.secrets) Object.assign(credentials, stood.credentials);
    for (const [name, lab] of Object.entries(labs)) {
      const plan = planOfLab(stood.cfg, name);
      const byService = new Map<string, { ok: boolean; lines: string[] }>();
      // The probes of a lab run at once: the status takes as long as the slowest one.
      const probes = labProbes(plan);
      const results = await Promise.all(
        probes.map((p) => {
          const w = plan.specs.flatMap((x) => x.workloads).find((x) => x.name === p.workload)!;
          return s.target === "docker" ? dockerExec(containerNames(name, w)[0]!, p.command, 120) : kubeExec(stood.kube ?? {}, name, w, p.command, 120);
        }),
      );
      for (const [i, p] of probes.entries()) {
        const r = results[i]!;
        const entry = byService.get(p.service) ?? { ok: true, lines: [] };
        entry.ok &&= r.ok;
        entry.lines.push(r.line);
        byService.set(p.service, entry);
      }
      for (const [service, eps] of Object.entries(lab.endpoints)) {
        const key = service;
        const h = byService.get(key);
        rows.push({
          lab: name,
          service,
          health: h ? (h.ok ? "ok" : "failing") : "unknown",
          detail: h?.lines.join("; ") ?? "",
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
