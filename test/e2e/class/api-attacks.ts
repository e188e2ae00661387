/**
 * Cross-lab attacks through the Kubernetes API with one student's
 * kubeconfig: reading, exec and port-forward into another student's lab,
 * its secrets, and creating pods outside the student's own namespace.
 */
import * as http from "http";
import { CoreV1Api, KubeConfig, V1Pod } from "@kubernetes/client-node";
import { forwardPort, podExec, workloadPod } from "../../../lab-workloads/access/kube-client";

/** One attempt: `ok` is true when the attack succeeded. */
export interface Attempt {
  readonly attack: string;
  readonly ok: boolean;
  readonly detail: string;
}

const why = (err: unknown) => {
  const code = (err as { code?: number }).code;
  return code ? `HTTP ${code}` : String((err as Error)?.message ?? err).split("\n")[0]!.slice(0, 120);
};

/** A pod any namespace admits, even under the restricted Pod Security level. */
function probePod(name: string): V1Pod {
  return {
    metadata: { name, labels: { "bigdata-labs.io/attack": "true" } },
    spec: {
      restartPolicy: "Never",
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{ name: "p", image: "registry.k8s.io/pause:3.10", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
    },
  };
}

async function attempt(attack: string, f: () => Promise<string>): Promise<Attempt> {
  try {
    return { attack, ok: true, detail: await f() };
  } catch (err) {
    return { attack, ok: false, detail: why(err) };
  }
}

/**
 * Runs the API attacks of `kc` (the attacker) against namespace `victim`.
 * `victimPod` and `victimSecret` are names the attacker is assumed to know.
 * Pods it manages to create are returned so the caller can remove them.
 */
export async function apiAttacks(kc: KubeConfig, victim: string, victimPod: string, victimSecret: string): Promise<{ attempts: Attempt[]; created: { namespace: string; name: string }[] }> {
  const api = kc.makeApiClient(CoreV1Api);
  const created: { namespace: string; name: string }[] = [];
  const attempts: Attempt[] = [];
  attempts.push(await attempt(`list pods in ${victim}`, async () => `${(await api.listNamespacedPod({ namespace: victim })).items.length} pods`));
  attempts.push(await attempt(`get pod ${victim}/${victimPod}`, async () => (await api.readNamespacedPod({ namespace: victim, name: victimPod })).status?.phase ?? "read"));
  attempts.push(await attempt(`list secrets in ${victim}`, async () => `${(await api.listNamespacedSecret({ namespace: victim })).items.length} secrets`));
  attempts.push(await attempt(`get secret ${victim}/${victimSecret}`, async () => `${Object.keys((await api.readNamespacedSecret({ namespace: victim, name: victimSecret })).data ?? {}).length} keys`));
  attempts.push(
    await attempt(`exec in ${victim}/${victimPod}`, async () => {
      const r = await podExec(kc, victim, victimPod, ["id", "-u"], { timeoutMs: 20_000 });
      if (!r.ok) throw new Error(r.reason);
      return `ran id: ${r.stdout.trim()}`;
    }),
  );
  attempts.push(
    await attempt(`port-forward to ${victim}/${victimPod}:8888`, async () => {
      const f = await forwardPort(kc, victim, victimPod, 8888);
      try {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.get({ host: "127.0.0.1", port: f.localPort, path: "/api", timeout: 10_000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on("timeout", () => req.destroy(new Error("no answer")));
          req.on("error", reject);
        });
        return `HTTP ${status} through the forward`;
      } finally {
        await f.close();
      }
    }),
  );
  for (const ns of [victim, "default", "kube-system"]) {
    const name = `attack-${Math.random().toString(36).slice(2, 8)}`;
    attempts.push(
      await attempt(`create a pod in ${ns}`, async () => {
        await api.createNamespacedPod({ namespace: ns, body: probePod(name) });
        created.push({ namespace: ns, name });
        return "created";
      }),
    );
  }
  attempts.push(await attempt("list pods in every namespace", async () => `${(await api.listPodForAllNamespaces()).items.length} pods`));
  return { attempts, created };
}

/** The pod and credentials Secret names of a lab's workspace, as an attacker would guess them. */
export async function workspacePodOf(kc: KubeConfig, namespace: string): Promise<string> {
  return (await workloadPod(kc, namespace, "workspace")).metadata!.name!;
}
