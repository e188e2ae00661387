/**
 * Room in a lab namespace's ResourceQuota for one more check Job. A Job
 * created while the quota is full does not wait for room: its pod is
 * refused (FailedCreate, "exceeded quota") and the Job controller tries again
 * with a growing back-off (1 s, 2 s, 4 s, ... up to a minute), so a queued
 * job starts up to a minute after the room came free. Jobs of one labctl
 * are therefore admitted here one at a time per namespace, each as soon as
 * the quota (watched) has room for it.
 */
import { CoreV1Api, KubeConfig, V1ResourceQuota } from "@kubernetes/client-node";
import { kubeCpuMillis, kubeMemoryBytes, kubeQuantity } from "../../components/core/units";
import { answering } from "../access/kube-host";
import { JobError } from "./job-error";
import { watchUntil } from "./kube-watch";

/** What one Job charges to a namespace's quotas, by quota resource name. */
export type QuotaNeed = Readonly<Record<string, number>>;

/** The quota charge of a Job with one pod of these requests and limits (CPU in millicores, memory in bytes). */
export function jobQuotaNeed(r: { cpuRequestMillis: number; memoryRequestBytes: number; cpuLimitMillis: number; memoryLimitBytes: number }): QuotaNeed {
  return {
    "requests.cpu": r.cpuRequestMillis, cpu: r.cpuRequestMillis,
    "requests.memory": r.memoryRequestBytes, memory: r.memoryRequestBytes,
    "limits.cpu": r.cpuLimitMillis, "limits.memory": r.memoryLimitBytes,
    pods: 1, "count/pods": 1, "count/jobs.batch": 1, configmaps: 1, "count/configmaps": 1, secrets: 1, "count/secrets": 1,
  };
}

/** A quota amount in the unit of {@link QuotaNeed}: millicores for CPU, bytes for memory, a count otherwise. */
function amount(resource: string, q: string): number {
  if (/(^|\.)cpu$/.test(resource)) return kubeCpuMillis(q);
  if (/(^|\.)memory$/.test(resource)) return kubeMemoryBytes(q);
  return kubeQuantity(q);
}

/** The resources of `quota` that lack room for `need` ("limits.memory 2.3 of 2.5 GiB used" style), empty when it fits. */
export function quotaShortfall(quota: V1ResourceQuota, need: QuotaNeed): string[] {
  const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
  const used = quota.status?.used ?? {};
  const short: string[] = [];
  for (const [resource, limit] of Object.entries(hard)) {
    const n = need[resource];
    if (n === undefined) continue;
    const u = used[resource] ? amount(resource, used[resource]) : 0;
    if (u + n > amount(resource, limit)) short.push(`${quota.metadata?.name ?? "quota"}: ${resource} ${used[resource] ?? "0"} of ${limit} used`);
  }
  return short;
}

/** Per namespace (and cluster): the admission in progress, which the next one waits for. */
const admissions = new Map<string, Promise<void>>();

/**
 * Runs `admit` (it creates a Job and resolves once its pod exists, i.e. is
 * charged to the quota) when every ResourceQuota of the namespace has room
 * for `need`, after the earlier admissions of this process in that namespace.
 * Throws a {@link JobError} naming the full quota when no room came within
 * `seconds`.
 */
export async function admitWithinQuota<T>(kc: KubeConfig, namespace: string, need: QuotaNeed, seconds: number, what: string, admit: () => Promise<T>): Promise<T> {
  const key = `${kc.getCurrentCluster()?.server ?? ""} ${namespace}`;
  const before = admissions.get(key) ?? Promise.resolve();
  let done = () => {};
  const mine = before.then(() => new Promise<void>((r) => (done = r)));
  admissions.set(key, mine);
  await before;
  try {
    await waitForRoom(kc, namespace, need, seconds, what);
    return await admit();
  } finally {
    done();
    if (admissions.get(key) === mine) admissions.delete(key);
  }
}

async function waitForRoom(kc: KubeConfig, namespace: string, need: QuotaNeed, seconds: number, what: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const quotas = new Map<string, V1ResourceQuota>();
  const first = await answering(core.listNamespacedResourceQuota({ namespace }));
  for (const q of first.items) quotas.set(q.metadata?.name ?? "", q);
  const short = () => [...quotas.values()].flatMap((q) => quotaShortfall(q, need));
  if (short().length === 0) return;
  const room = await watchUntil<V1ResourceQuota, true>(kc, () => core.listNamespacedResourceQuota({ namespace }), `/api/v1/namespaces/${namespace}/resourcequotas`, {}, (q) => {
    quotas.set(q.metadata?.name ?? "", q);
    return short().length === 0 ? true : undefined;
  }, seconds);
  if (!room) throw new JobError(`no room for ${what} in namespace ${namespace}'s quota within ${seconds}s (${short().join("; ")}); another check running on this lab?`, "");
}
