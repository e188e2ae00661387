/**
 * What the command line asks a lab's cluster outside of jobs: a command in a
 * workload's pod, what `down` left behind, pods' memory. Everything goes
 * through the one Kubernetes client ({@link loadKubeConfig}); no kubectl.
 */
import * as http from "http";
import * as https from "https";
import { CoreV1Api, KubeConfig, V1Pod } from "@kubernetes/client-node";
import { WorkloadSpec } from "../../components/core/spec";
import type { ExecResult } from "./docker-host";
import { EXIT, UserError } from "./errors";
import { apiStatus, loadKubeConfig, podExec, workloadPod } from "./kube-client";
import { lastLine } from "../common/text";
import type { KubeTarget } from "./kube-client";
export type { KubeTarget } from "./kube-client";

/** Error codes of a connection that never reached the API server. */
const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET"]);

/**
 * The one-line {@link UserError} (exit 3) for an API call that could not
 * reach the cluster (connection refused, no route, unknown host); any other
 * error is returned as it is.
 */
export function clusterError(err: unknown): unknown {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string" || !UNREACHABLE.has(code)) return err;
  const message = String((err as Error).message ?? code);
  // node-fetch: "request to https://127.0.0.1:6443/api/v1/... failed, reason: connect ECONNREFUSED 127.0.0.1:6443"
  const m = /request to (\w+:\/\/[^/\s]+)\S* failed, reason: (.*)$/.exec(message);
  const what = m ? `${m[1]}: ${m[2]}` : message;
  return new UserError(`the cluster does not answer (${what}); start it (the project's node: npm run kube -- start) and retry`, EXIT.environment);
}

/** `call`'s result; a cluster that does not answer becomes {@link clusterError}'s one line. */
export async function answering<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw clusterError(err);
  }
}

/**
 * One line for a failed API call: the API server's own message and the HTTP
 * status (client-node's ApiException message holds the whole response,
 * headers included, over several lines).
 */
export function apiMessage(err: unknown): string {
  const status = apiStatus(err);
  const body = (err as { body?: unknown } | undefined)?.body;
  if (status !== undefined) {
    let message: string | undefined;
    if (typeof body === "string") {
      try {
        message = (JSON.parse(body) as { message?: string }).message;
      } catch {
        message = body.trim() || undefined;
      }
    } else if (body && typeof body === "object") message = (body as { message?: string }).message;
    if (message) return `${message.split("\n")[0]} (HTTP ${status})`;
    // client-node's ApiException without a body: "HTTP-Code: 500\nMessage: Error occurred in log request\nBody: ..."
    const m = /^HTTP-Code: \d+\nMessage: (.*)/.exec(String((err as Error | undefined)?.message ?? ""));
    if (m) return `${m[1]} (HTTP ${status})`;
  }
  return String((err as Error | undefined)?.message ?? err).split("\n")[0] ?? "";
}

/** The container a command runs in when none is named, as kubectl picks it: the default-container annotation, else the first. */
function defaultContainer(pod: V1Pod): string {
  return pod.metadata?.annotations?.["kubectl.kubernetes.io/default-container"] ?? pod.spec?.containers[0]?.name ?? "";
}

/**
 * Runs `command` in a workload's pod (its StatefulSet's or Deployment's pod
 * labelled `bigdata-labs.io/workload=<name>`, a running one first) over the
 * API's exec; never throws.
 */
export async function kubeExec(t: KubeTarget, namespace: string, w: WorkloadSpec, command: readonly string[], timeoutSeconds = 300): Promise<ExecResult> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  try {
    const kc = loadKubeConfig(t);
    const pod = await workloadPod(kc, namespace, w.name);
    const r = await podExec(kc, namespace, pod.metadata!.name!, command, { container: defaultContainer(pod), timeoutMs: timeoutSeconds * 1000 });
    const output = `${r.stdout}${r.stderr}`;
    if (r.ok) return { ok: true, line: lastLine(r.stdout || r.stderr), output, seconds: seconds() };
    const line = r.reason.startsWith("timed out") ? r.reason : lastLine(r.stdout || r.stderr) || r.reason;
    return { ok: false, line, output, seconds: seconds() };
  } catch (err) {
    const e = clusterError(err);
    return { ok: false, line: e instanceof UserError ? e.message : apiMessage(err), output: "", seconds: seconds() };
  }
}

/** What must be gone after `down`: the namespace, its claims, and volumes bound to them. */
export interface KubeLeftovers {
  readonly namespace: boolean;
  readonly pvcs: string[];
  readonly pvs: string[];
}

/** The namespace (while it exists, terminating or not), its claims and the volumes bound to claims of it. */
export async function kubeLeftovers(t: KubeTarget, namespace: string): Promise<KubeLeftovers> {
  const core = loadKubeConfig(t).makeApiClient(CoreV1Api);
  const [ns, pvcs, pvs] = await Promise.all([
    answering(core.readNamespace({ name: namespace })).then(
      () => true,
      (err: unknown) => {
        if (apiStatus(err) === 404) return false;
        throw err;
      },
    ),
    answering(core.listNamespacedPersistentVolumeClaim({ namespace })).then(
      (l) => l.items.map((c) => `persistentvolumeclaim/${c.metadata?.name ?? "?"}`),
      (err: unknown) => {
        if (err instanceof UserError) throw err;
        return [];
      },
    ),
    answering(core.listPersistentVolume()),
  ]);
  return { namespace: ns, pvcs, pvs: pvs.items.filter((p) => p.spec?.claimRef?.namespace === namespace).map((p) => p.metadata?.name ?? "?") };
}

/** Waits until the namespace and its volumes are gone (deletion is asynchronous); what is left after `seconds`. */
export async function waitKubeClean(t: KubeTarget, namespace: string, seconds: number, pollMs = 1000): Promise<KubeLeftovers> {
  const deadline = Date.now() + seconds * 1000;
  let left = await kubeLeftovers(t, namespace);
  while ((left.namespace || left.pvcs.length || left.pvs.length) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    left = await kubeLeftovers(t, namespace);
  }
  return left;
}

/** The part of the kubelet's summary API (`/stats/summary`) read here. */
interface KubeletSummary {
  readonly pods?: readonly { readonly podRef: { readonly name: string; readonly namespace: string }; readonly memory?: { readonly workingSetBytes?: number } }[];
}

/**
 * Working-set memory of each pod in the namespace, from each node's kubelet
 * summary API through the API server's node proxy (no metrics-server needed).
 */
export async function kubePodMemory(t: KubeTarget, namespace: string): Promise<Map<string, number>> {
  const kc = loadKubeConfig(t);
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = (await answering(core.listNode())).items.map((n) => n.metadata?.name).filter((n): n is string => !!n);
  const out = new Map<string, number>();
  for (const node of nodes) {
    // A raw GET: CoreV1Api.connectGetNodeProxyWithPath would send the path as one segment (stats%2Fsummary).
    const summary = JSON.parse(await answering(rawGet(kc, `/api/v1/nodes/${encodeURIComponent(node)}/proxy/stats/summary`))) as KubeletSummary;
    for (const p of summary.pods ?? []) if (p.podRef.namespace === namespace) out.set(p.podRef.name, p.memory?.workingSetBytes ?? 0);
  }
  return out;
}

/**
 * GET of an API path with the kubeconfig's server, credentials and TLS
 * settings (what client-node's typed calls do), for paths it has no method
 * for; the body, or an error shaped like client-node's (`code`: the HTTP
 * status, `body`) for a status other than 2xx, or with the socket's `code`
 * (ECONNREFUSED, ...) when the server does not answer.
 */
export async function rawGet(kc: KubeConfig, apiPath: string, timeoutMs = 60_000): Promise<string> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig's current context names no cluster");
  const url = new URL(apiPath, server);
  const opts: https.RequestOptions = { method: "GET", headers: { Accept: "application/json" }, timeout: timeoutMs };
  await kc.applyToHTTPSOptions(opts);
  return new Promise<string>((resolve, reject) => {
    const req = (url.protocol === "https:" ? https : http).request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(body);
        else reject(Object.assign(new Error(`GET ${apiPath}: HTTP ${status}`), { code: status, body }));
      });
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`timed out after ${timeoutMs / 1000}s`), { code: "ETIMEDOUT" })));
    req.on("error", (e: NodeJS.ErrnoException) => reject(Object.assign(new Error(`request to ${url.href} failed, reason: ${e.message}`), { code: e.code })));
    req.end();
  });
}
