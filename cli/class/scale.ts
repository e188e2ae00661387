import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, V1Namespace } from "@kubernetes/client-node";
import { LAB_ANNOTATIONS, labTimes, LabTimes, ScheduleSettings, SleepReason } from "../../components/platform/kubernetes/schedule";

/** Workloads of a lab namespace with their replica counts. */
export async function labWorkloads(kc: KubeConfig, namespace: string): Promise<{ kind: "Deployment" | "StatefulSet"; name: string; replicas: number }[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  const deploys = (await apps.listNamespacedDeployment({ namespace })).items.map((d) => ({ kind: "Deployment" as const, name: d.metadata!.name!, replicas: d.spec?.replicas ?? 1 }));
  const sets = (await apps.listNamespacedStatefulSet({ namespace })).items.map((s) => ({ kind: "StatefulSet" as const, name: s.metadata!.name!, replicas: s.spec?.replicas ?? 1 }));
  return [...sets, ...deploys];
}

/** Sets every workload of a lab to `replicas(name)` copies. */
export async function scaleLab(kc: KubeConfig, namespace: string, replicas: (name: string) => number): Promise<{ name: string; from: number; to: number }[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  const changed: { name: string; from: number; to: number }[] = [];
  for (const w of await labWorkloads(kc, namespace)) {
    const to = replicas(w.name);
    if (to === w.replicas) continue;
    const body = { metadata: { name: w.name, namespace }, spec: { replicas: to } };
    if (w.kind === "StatefulSet") await apps.replaceNamespacedStatefulSetScale({ name: w.name, namespace, body });
    else await apps.replaceNamespacedDeploymentScale({ name: w.name, namespace, body });
    changed.push({ name: w.name, from: w.replicas, to });
  }
  return changed;
}

/** Sets (string) or removes (null) annotations of a lab namespace, by merge patch: the janitor may write others at the same time. */
export async function annotateLab(kc: KubeConfig, namespace: string, values: Readonly<Record<string, string | null>>): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.patchNamespace({ name: namespace, body: { metadata: { annotations: values } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
}

/** Marks a lab namespace asleep, with why. */
export async function markAsleep(kc: KubeConfig, namespace: string, reason: SleepReason): Promise<void> {
  await annotateLab(kc, namespace, { [LAB_ANNOTATIONS.asleepSince]: new Date().toISOString(), [LAB_ANNOTATIONS.asleepReason]: reason });
}

/** Marks a lab namespace awake and just used, so the janitor's idle clock starts again. */
export async function markAwake(kc: KubeConfig, namespace: string): Promise<void> {
  await annotateLab(kc, namespace, { [LAB_ANNOTATIONS.asleepSince]: null, [LAB_ANNOTATIONS.asleepReason]: null, [LAB_ANNOTATIONS.lastActive]: new Date().toISOString() });
}

/** A lab's schedule from its namespace object (pure). */
export function timesOfNamespace(ns: V1Namespace, settings: ScheduleSettings): LabTimes {
  return labTimes({ created: new Date(ns.metadata?.creationTimestamp ?? Date.now()), annotations: ns.metadata?.annotations ?? {} }, settings);
}

/** A lab's schedule as its namespace records it. */
export async function readLabTimes(kc: KubeConfig, namespace: string, settings: ScheduleSettings): Promise<LabTimes> {
  return timesOfNamespace(await kc.makeApiClient(CoreV1Api).readNamespace({ name: namespace }), settings);
}

/** Waits until a lab has no pod left (asleep) or every workload's pods are ready (awake). */
export async function waitLab(kc: KubeConfig, namespace: string, state: "asleep" | "awake", seconds: number): Promise<boolean> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: "app.kubernetes.io/part-of=bigdata-labs,app.kubernetes.io/component!=check-job" })).items;
    if (state === "asleep" && pods.length === 0) return true;
    if (state === "awake") {
      const wanted = (await labWorkloads(kc, namespace)).reduce((a, w) => a + w.replicas, 0);
      const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
      if (ready >= wanted && wanted > 0) return true;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  return false;
}
