import { CoreV1Api, KubeConfig, V1Pod } from "@kubernetes/client-node";
import { podReady, readKubeLab } from "../lab-health";
import { timesOfNamespace } from "../class/scale";
import { labProbes } from "../../components/lab/probes";
import { LabPlan } from "../../components/lab/plan";
import { openClass } from "../class/stacks";
import { LabSchedule, LabStatus, labState, renderGrid, ServiceStatus, statusDocument, statusGrid } from "../class/grid";
import { LAB_ANNOTATIONS, LabTimes, ScheduleSettings } from "../../components/platform/kubernetes/schedule";
import { runPool } from "../class/pool";
import { loadKubeConfig, podExec } from "../../lab-workloads/access/kube-client";
import { planOfLab } from "../../lab-workloads/access/stack-lab";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl class status`. */
export interface ClassStatusOptions {
  readonly className?: string;
  readonly json: boolean;
  /** Also run every service's functional probe (exec in the lab's pods). @default false */
  readonly deep: boolean;
  /** Lab reads and execs at once. @default 8 */
  readonly parallel?: number;
}

/** Jupyter's `last_activity` and its kernels', read from inside the workspace (no activity recorded by the read). */
export const JUPYTER_ACTIVITY_PY = `import json, os, urllib.request
def get(path):
    req = urllib.request.Request("http://127.0.0.1:8888/api" + path, headers={"Authorization": "token " + os.environ.get("JUPYTER_TOKEN", "")})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)
status = get("/status")
kernels = get("/kernels?no_track_activity=1")
print(json.dumps({"started": status.get("started"), "last_activity": status.get("last_activity"), "kernels": [k.get("last_activity") for k in kernels]}))`;

/**
 * The newest activity of a Jupyter server (pure): its own `last_activity`
 * or a kernel's; null when that is no later than the server's start and no
 * kernel runs (nobody used it since it started).
 */
export function newestActivity(doc: { started?: string | null; last_activity?: string | null; kernels?: readonly (string | null)[] }): string | null {
  const times = [doc.last_activity, ...(doc.kernels ?? [])].filter((t): t is string => typeof t === "string" && Number.isFinite(Date.parse(t)));
  if (times.length === 0) return null;
  const newest = times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
  const started = doc.started ? Date.parse(doc.started) : NaN;
  if ((doc.kernels ?? []).length === 0 && Number.isFinite(started) && Date.parse(newest) <= started + 1000) return null;
  return new Date(Date.parse(newest)).toISOString();
}

/** What one lab's list calls returned. */
interface LabRead {
  readonly student: string;
  readonly lab: string;
  readonly plan: LabPlan;
  readonly pods: readonly V1Pod[];
  readonly services: Record<string, ServiceStatus>;
  readonly schedule?: LabSchedule;
  /** The janitor's newest sign of use (Spark, Dask, Kafka, Jupyter), when it has recorded one. */
  readonly janitorActive?: string;
}

/** The status view of a lab's schedule (pure); undefined when the class has no janitor and the lab is awake. */
export function scheduleOf(times: LabTimes, settings: ScheduleSettings): LabSchedule | undefined {
  const janitor = settings.idleAfterSeconds !== undefined || settings.expiresAfterSeconds !== undefined;
  if (!janitor && !times.asleep) return undefined;
  return {
    ...(janitor && times.next && !times.asleep ? { next: { at: times.next.at.toISOString(), reason: times.next.reason } } : {}),
    ...(times.asleep ? { asleep: { since: times.asleep.since.toISOString(), reason: times.asleep.reason } } : {}),
  };
}

/** The later of Jupyter's activity and the janitor's record (pure); null when neither saw use, undefined when neither was read. */
export function newerOf(jupyter: string | null | undefined, janitor: string | undefined): string | null | undefined {
  if (janitor === undefined) return jupyter;
  if (!jupyter) return janitor;
  return Date.parse(janitor) > Date.parse(jupyter) ? janitor : jupyter;
}

async function readLab(kc: KubeConfig, student: string, lab: string, plan: LabPlan, settings: ScheduleSettings): Promise<LabRead> {
  const [read, ns] = await Promise.all([readKubeLab(kc, lab, plan), kc.makeApiClient(CoreV1Api).readNamespace({ name: lab })]);
  const times = timesOfNamespace(ns, settings);
  const schedule = scheduleOf(times, settings);
  const services: Record<string, ServiceStatus> = {};
  for (const [service, state] of read.services) {
    // Asleep because its time is over: the grid says expired.
    services[service] = state.state === "asleep" && times.asleep?.reason === "expired" ? { state: "expired" } : state;
  }
  const janitorActive = ns.metadata?.annotations?.[LAB_ANNOTATIONS.lastActive];
  return { student, lab, plan, pods: read.pods, services, ...(schedule ? { schedule } : {}), ...(janitorActive ? { janitorActive } : {}) };
}

/** A ready pod of a workload from a lab's list, or undefined. */
const readyPod = (read: LabRead, workload: string) => read.pods.find((p) => p.metadata?.labels?.["bigdata-labs.io/workload"] === workload && podReady(p))?.metadata?.name;

/**
 * `labctl class status`: a row per student, a column per service (ok,
 * failing, asleep) and when the lab was last used, from one list of pods
 * per lab and one read of Jupyter's activity; `--deep` adds every service's
 * functional probe. Reads only. Exit 1 when any lab is failing.
 */
export async function classStatus(opts: ClassStatusOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const students = stood.classroom?.students ?? [];
  if (students.length === 0) throw new UserError(`class ${stood.cfg.name} has no labs up; run labctl class up first`);
  if (!stood.kube) throw new UserError(`class ${stood.cfg.name} has no recorded cluster (it is not on Kubernetes)`, EXIT.usage);
  const kc = loadKubeConfig(stood.kube);
  const parallel = opts.parallel ?? 8;
  const plans = students.map((s) => planOfLab(stood.cfg, s.lab));
  const services = [...new Set(plans.flatMap((p) => p.specs.map((s) => s.service)))];
  const t0 = Date.now();

  // 1. One list of pods (and controllers) per lab.
  const reads = await runPool(
    students.map((s, i) => () => readLab(kc, s.name, s.lab, plans[i]!, stood.cfg)),
    { concurrency: parallel, timeoutMs: 30_000 },
  );
  const labs: (LabRead | { student: string; lab: string; error: string })[] = reads.map((r, i) => (r.ok ? r.value : { student: students[i]!.name, lab: students[i]!.lab, error: r.error }));

  // 2. Execs through one bounded pool: Jupyter's activity, then (--deep) the probes.
  const lastUsed = new Map<string, string | null>();
  const probeFailures = new Map<string, Map<string, string[]>>();
  const execs: (() => Promise<void>)[] = [];
  for (const read of labs) {
    if ("error" in read) continue;
    const ws = read.plan.workspace ? readyPod(read, "workspace") : undefined;
    if (ws) {
      execs.push(async () => {
        const r = await podExec(kc, read.lab, ws, ["python3", "-c", JUPYTER_ACTIVITY_PY], { timeoutMs: 20_000 });
        if (r.ok) lastUsed.set(read.lab, newestActivity(JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Parameters<typeof newestActivity>[0]));
      });
    }
    if (!opts.deep) continue;
    for (const p of labProbes(read.plan)) {
      if (read.services[p.service]?.state !== "ok") continue; // asleep or already failing: nothing to probe
      const pod = readyPod(read, p.workload);
      if (!pod) continue;
      execs.push(async () => {
        const r = await podExec(kc, read.lab, pod, [...p.command], { timeoutMs: 120_000 });
        if (r.ok) return;
        const line = (r.stdout || r.stderr).trim().split("\n").filter(Boolean).pop() ?? "";
        const byService = probeFailures.get(read.lab) ?? new Map<string, string[]>();
        byService.set(p.service, [...(byService.get(p.service) ?? []), `${p.what}: ${r.reason}${line ? ` (${line.slice(0, 160)})` : ""}`]);
        probeFailures.set(read.lab, byService);
      });
    }
  }
  await runPool(execs.map((f) => () => f()), { concurrency: parallel, timeoutMs: 150_000 });

  const rows: LabStatus[] = labs.map((read) => {
    if ("error" in read) return { student: read.student, lab: read.lab, services: Object.fromEntries(services.map((s) => [s, { state: "unknown" as const, detail: read.error }])) };
    const failures = probeFailures.get(read.lab);
    const svc: Record<string, ServiceStatus> = {};
    for (const [name, s] of Object.entries(read.services)) {
      const f = failures?.get(name);
      svc[name] = f ? { state: "failing", detail: f.join("; ") } : s;
    }
    const used = newerOf(lastUsed.get(read.lab), read.janitorActive);
    return { student: read.student, lab: read.lab, services: svc, ...(used !== undefined ? { lastUsed: used } : {}), ...(read.schedule ? { schedule: read.schedule } : {}) };
  });
  const now = new Date();
  const failing = rows.filter((r) => labState(r) === "failing" || labState(r) === "unknown").length;
  if (opts.json) {
    io.out(JSON.stringify({ ...statusDocument(stood.cfg.name, stood.cfg.module, services, rows, now), deep: opts.deep, seconds: (Date.now() - t0) / 1000 }, null, 2));
  } else {
    io.out(renderGrid(statusGrid(services, rows, now)));
    io.out(`\nclass ${stood.cfg.name}: ${rows.length - failing}/${rows.length} labs without failures${opts.deep ? " (probes run)" : " (pod readiness; --deep runs the probes)"} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return failing > 0 ? EXIT.failed : EXIT.ok;
}
