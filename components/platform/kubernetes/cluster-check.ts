import * as fs from "fs";
import * as https from "https";
import { KubeconfigDoc, readKubeconfig } from "../../core/kubeconfig-file";
import { kubeCpuMillis, kubeMemoryBytes } from "../../core/units";

/** What the lab needs to know about a cluster before creating anything in it. */
export interface ClusterFacts {
  readonly server: string;
  readonly version: string;
  /** Storage classes, and which is the default. */
  readonly storageClasses: string[];
  readonly defaultStorageClass?: string;
  /** Allocatable CPU (millicores) and memory (bytes) of the nodes, summed. */
  readonly allocatable: { cpuMillis: number; memoryBytes: number; nodes: number };
  /** The NetworkPolicy engine found, if any (see {@link detectPolicyEngine}). */
  readonly networkPolicyEngine?: string;
}

/** Node label the project's node sets once its NetworkPolicy engine answers (scripts/kube/node.sh). */
export const POLICY_ENGINE_LABEL = "bigdata-labs.io/network-policy";

/** Pods in kube-system whose name marks a NetworkPolicy engine. */
const ENGINE_PODS: readonly [RegExp, string][] = [
  [/^calico-node-/, "calico"],
  [/^cilium-/, "cilium"],
  [/^kube-router-/, "kube-router"],
  [/^antrea-agent-/, "antrea"],
  [/^weave-net-/, "weave"],
  [/^kube-network-policies-/, "kube-network-policies"],
  [/^canal-/, "canal"],
];

/**
 * The cluster's NetworkPolicy engine, from what can be seen through the API:
 * the project's node label, a known engine's pods in kube-system, kind's
 * kindnet (which enforces policies since kind v0.24), or EKS's VPC CNI with
 * its network-policy agent container. Undefined when none is seen.
 */
export function detectPolicyEngine(nodeLabels: readonly Record<string, string>[], pods: readonly { name: string; containers: readonly { name: string; args: readonly string[] }[] }[]): string | undefined {
  const labelled = nodeLabels.map((l) => l[POLICY_ENGINE_LABEL]).find((v) => v);
  if (labelled) return labelled;
  for (const p of pods) {
    for (const [re, engine] of ENGINE_PODS) if (re.test(p.name)) return engine;
    if (/^kindnet-/.test(p.name)) return "kindnet";
    // EKS: the VPC CNI's node agent enforces policies only when started with --enable-network-policy=true.
    if (/^aws-node-/.test(p.name) && p.containers.some((c) => c.name === "aws-eks-nodeagent" && c.args.includes("--enable-network-policy=true"))) return "aws-network-policy-agent";
  }
  return undefined;
}

/** Why a cluster cannot take a lab, in one line (field, problem, fix). */
export class ClusterCheckError extends Error {
  constructor(public readonly field: string, public readonly problem: string, public readonly fix: string) {
    super(`${field}: ${problem}. ${fix}`);
  }
}

const b64 = (s?: string) => (s ? Buffer.from(s, "base64") : undefined);
const file = (p?: string) => (p ? fs.readFileSync(p) : undefined);

/** A GET against the API server with the kubeconfig's credentials. */
function getter(doc: KubeconfigDoc, contextName: string) {
  const ctx = doc.contexts?.find((c) => c.name === contextName)?.context;
  const cluster = doc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === ctx?.user)?.user ?? {};
  if (!ctx || !cluster) throw new ClusterCheckError("lab:kubernetes.context", `context "${contextName}" names no cluster`, "Fix the kubeconfig");
  const agent = new https.Agent({
    ca: b64(cluster["certificate-authority-data"]) ?? file(cluster["certificate-authority"]),
    cert: b64(user["client-certificate-data"]) ?? file(user["client-certificate"]),
    key: b64(user["client-key-data"]) ?? file(user["client-key"]),
    rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
  });
  const headers: Record<string, string> = user.token ? { authorization: `Bearer ${user.token}` } : {};
  const get = (path: string, timeoutMs: number) =>
    new Promise<unknown>((resolve, reject) => {
      const req = https.get(`${cluster.server}${path}`, { agent, headers, timeout: timeoutMs }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString("utf8")));
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`HTTP ${res.statusCode} on ${path}`));
          else resolve(JSON.parse(body));
        });
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
      req.on("error", reject);
    });
  return { server: cluster.server, get, usesExec: user.exec !== undefined };
}

/**
 * Asks the cluster of `context` in kubeconfig `path` for its version, storage
 * classes and allocatable resources. Throws {@link ClusterCheckError} with a
 * one-line reason when it cannot be reached or has no usable storage class.
 * Clusters reached through an exec plugin (e.g. EKS) are not probed: returns
 * undefined.
 */
export async function checkCluster(path: string, context: string, wantedStorageClass?: string, timeoutMs = 8000): Promise<ClusterFacts | undefined> {
  const doc = readKubeconfig(path);
  const api = getter(doc, context);
  if (api.usesExec) return undefined;
  let version: { gitVersion: string };
  try {
    version = (await api.get("/version", timeoutMs)) as { gitVersion: string };
  } catch (err) {
    throw new ClusterCheckError("lab:kubernetes.context", `the cluster of context "${context}" at ${api.server} does not answer (${(err as Error).message})`, "Start it (kind create cluster, or npm run kube -- start) or choose another context");
  }
  const classes = ((await api.get("/apis/storage.k8s.io/v1/storageclasses", timeoutMs)) as { items: { metadata: { name: string; annotations?: Record<string, string> } }[] }).items;
  const names = classes.map((c) => c.metadata.name);
  const dflt = classes.find((c) => c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true")?.metadata.name;
  if (wantedStorageClass && !names.includes(wantedStorageClass)) {
    throw new ClusterCheckError("lab:kubernetes.storageClass", `the cluster has no storage class "${wantedStorageClass}" (it has: ${names.join(", ") || "none"})`, "Use one of those, or install a provisioner");
  }
  if (!wantedStorageClass && !dflt) {
    throw new ClusterCheckError("lab:kubernetes.storageClass", `the cluster has no default storage class (it has: ${names.join(", ") || "none"}), so the labs' volumes would never bind`, "Set lab:kubernetes.storageClass or install a provisioner such as local-path");
  }
  const nodes = ((await api.get("/api/v1/nodes", timeoutMs)) as { items: { metadata: { labels?: Record<string, string> }; status: { allocatable?: Record<string, string> } }[] }).items;
  const systemPods = ((await api.get("/api/v1/namespaces/kube-system/pods", timeoutMs)) as { items: { metadata: { name: string }; spec: { containers: { name: string; args?: string[] }[] } }[] }).items;
  const engine = detectPolicyEngine(
    nodes.map((n) => n.metadata.labels ?? {}),
    systemPods.map((p) => ({ name: p.metadata.name, containers: p.spec.containers.map((c) => ({ name: c.name, args: c.args ?? [] })) })),
  );
  const allocatable = nodes.reduce(
    (a, n) => ({ cpuMillis: a.cpuMillis + kubeCpuMillis(n.status.allocatable?.["cpu"] ?? "0"), memoryBytes: a.memoryBytes + kubeMemoryBytes(n.status.allocatable?.["memory"] ?? "0"), nodes: a.nodes + 1 }),
    { cpuMillis: 0, memoryBytes: 0, nodes: 0 },
  );
  return { server: api.server, version: version.gitVersion, storageClasses: names, ...(dflt ? { defaultStorageClass: dflt } : {}), allocatable, ...(engine ? { networkPolicyEngine: engine } : {}) };
}

/**
 * The API server and CA of `context` in kubeconfig `path`, as a student's
 * kubeconfig should name them (a CA file is read and embedded).
 */
export function clusterEndpointOf(path: string, context: string): { server: string; caData: string } {
  const doc = readKubeconfig(path);
  const ctx = doc.contexts?.find((c) => c.name === context)?.context;
  const cluster = doc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  if (!cluster) throw new ClusterCheckError("lab:kubernetes.context", `context "${context}" names no cluster in ${path}`, "Fix the kubeconfig");
  const caData = cluster["certificate-authority-data"] ?? (cluster["certificate-authority"] ? fs.readFileSync(cluster["certificate-authority"]).toString("base64") : undefined);
  if (!caData) throw new ClusterCheckError("lab:kubernetes.context", `the cluster of context "${context}" has no CA certificate in ${path}`, "Use a kubeconfig with certificate-authority-data, which students' kubeconfigs need");
  return { server: cluster.server, caData };
}
