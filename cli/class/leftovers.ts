import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";

/** What of a class is still on the cluster. */
export interface ClassLeftovers {
  readonly namespaces: string[];
  readonly pvcs: string[];
  readonly pvs: string[];
  readonly serviceAccounts: string[];
  /** Cluster-scoped objects labelled with the class (roles, bindings). */
  readonly clusterScoped: string[];
}

/** How many objects are left. */
export function leftoverCount(l: ClassLeftovers): number {
  return l.namespaces.length + l.pvcs.length + l.pvs.length + l.serviceAccounts.length + l.clusterScoped.length;
}

/**
 * Everything of class `name` on the cluster: namespaces labelled with the
 * class or named like its labs, their claims and service accounts, volumes
 * bound to them, and cluster-scoped objects with the class's label.
 */
export async function classLeftovers(kc: KubeConfig, name: string, labs: readonly string[]): Promise<ClassLeftovers> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const selector = `bigdata-labs.io/class=${name}`;
  const labelled = (await core.listNamespace({ labelSelector: selector })).items.map((n) => n.metadata!.name!);
  const all = new Set((await core.listNamespace()).items.map((n) => n.metadata!.name!));
  const namespaces = [...new Set([...labelled, ...labs.filter((l) => all.has(l))])].sort();
  const pvcs: string[] = [];
  const serviceAccounts: string[] = [];
  for (const ns of namespaces) {
    pvcs.push(...(await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.map((c) => `${ns}/${c.metadata!.name!}`));
    serviceAccounts.push(...(await core.listNamespacedServiceAccount({ namespace: ns })).items.map((a) => `${ns}/${a.metadata!.name!}`));
  }
  const ours = new Set([...namespaces, ...labs]);
  const pvs = (await core.listPersistentVolume()).items.filter((p) => ours.has(p.spec?.claimRef?.namespace ?? "")).map((p) => p.metadata!.name!);
  const clusterScoped = [
    ...(await rbac.listClusterRole({ labelSelector: selector })).items.map((r) => `clusterrole/${r.metadata!.name!}`),
    ...(await rbac.listClusterRoleBinding({ labelSelector: selector })).items.map((r) => `clusterrolebinding/${r.metadata!.name!}`),
  ];
  return { namespaces, pvcs, pvs, serviceAccounts, clusterScoped };
}

/** Polls until nothing of the class is left or `seconds` pass (namespace deletion is asynchronous). */
export async function waitClassGone(kc: KubeConfig, name: string, labs: readonly string[], seconds: number): Promise<ClassLeftovers> {
  const deadline = Date.now() + seconds * 1000;
  let left = await classLeftovers(kc, name, labs);
  while (leftoverCount(left) > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    left = await classLeftovers(kc, name, labs);
  }
  return left;
}
