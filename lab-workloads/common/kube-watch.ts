/**
 * Following Kubernetes objects as they change: a list, then a watch from
 * the list's resourceVersion, so nothing is missed between the two and
 * nothing is polled.
 */
import { KubeConfig, KubernetesListObject, KubernetesObject, Watch } from "@kubernetes/client-node";
import { answering } from "../access/kube-host";

/**
 * Reads objects, then watches them from the list's resourceVersion (again
 * after each disconnect), until `decide` returns a value for one of them or
 * `seconds` have passed (undefined).
 */
export async function watchUntil<T extends KubernetesObject, R>(kc: KubeConfig, list: () => Promise<KubernetesListObject<T>>, watchPath: string, query: Record<string, string>, decide: (o: T) => R | undefined, seconds: number): Promise<R | undefined> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const l = await answering(list());
    for (const o of l.items) {
      const r = decide(o);
      if (r !== undefined) return r;
    }
    if (Date.now() >= deadline) return undefined;
    const opened = Date.now();
    const seen = await new Promise<{ value: R } | undefined>((resolve) => {
      let controller: AbortController | undefined;
      let settled = false;
      const finish = (v: { value: R } | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        controller?.abort();
        resolve(v);
      };
      const timer = setTimeout(() => finish(undefined), Math.max(0, deadline - Date.now()));
      const params = { ...query, resourceVersion: l.metadata?.resourceVersion, timeoutSeconds: Math.min(300, Math.ceil((deadline - Date.now()) / 1000) + 1) };
      new Watch(kc)
        .watch(watchPath, params, (type: string, o: T) => {
          // ERROR (e.g. 410 Gone: the resourceVersion is too old): list again.
          if (type === "ERROR") return finish(undefined);
          if (type !== "ADDED" && type !== "MODIFIED") return;
          const r = decide(o);
          if (r !== undefined) finish({ value: r });
        }, () => finish(undefined))
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        }, () => finish(undefined));
    });
    if (seen) return seen.value;
    if (Date.now() >= deadline) return undefined;
    // A watch refused at once (or closed right away): list again, but not in a tight loop.
    if (Date.now() - opened < 1000) await new Promise((r) => setTimeout(r, 250));
  }
}
