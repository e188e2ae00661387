/**
 * A SIMULATED Kubernetes API for benchmarking `labctl class status` on a
 * class larger than the project's node can hold: a local HTTP server that
 * answers exactly the calls class status makes (read a namespace; list its
 * pods, StatefulSets and Deployments; exec into the workspace pod for
 * Jupyter's activity, over the v4 channel WebSocket protocol) with the
 * objects a stood-up lab has: its controllers and ready pods as the
 * Kubernetes renderer names and labels them, from the lab's own plan.
 * Nothing here is a cluster; figures measured against it say so.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import { execFileSync } from "child_process";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { WebSocketServer } from "ws";
import { LabPlan } from "../../components/lab/plan";
import { podLabels } from "../../components/platform/kubernetes/render";

/** The objects of one lab namespace, as the API server returns them (JSON). */
export interface LabObjects {
  readonly namespace: Record<string, unknown>;
  readonly pods: Record<string, unknown>[];
  readonly statefulSets: Record<string, unknown>[];
  readonly deployments: Record<string, unknown>[];
}

/** A short stable hash (the ReplicaSet and pod suffixes a Deployment's pods carry). */
const suffix = (text: string, n: number) => crypto.createHash("sha256").update(text).digest("hex").replace(/[^a-z0-9]/g, "").slice(0, n);

/**
 * The namespace, controllers and pods of a lab that is up and ready (pure):
 * a StatefulSet (pods `<name>-<i>`) or Deployment (pods `<name>-<rs>-<id>`)
 * per workload with its replicas, every pod Running with ready containers,
 * labelled as components/platform/kubernetes/render.ts labels them.
 */
export function labObjects(lab: string, plan: LabPlan, opts: { className: string; created: Date; node?: string }): LabObjects {
  const created = opts.created.toISOString();
  const node = opts.node ?? "labs-node";
  const meta = (name: string, labels: Record<string, string>) => ({ name, namespace: lab, uid: crypto.randomUUID(), creationTimestamp: created, labels: { ...labels, "app.kubernetes.io/managed-by": "pulumi" } });
  const pods: Record<string, unknown>[] = [];
  const statefulSets: Record<string, unknown>[] = [];
  const deployments: Record<string, unknown>[] = [];
  let ip = 10;
  for (const spec of plan.specs) {
    for (const w of spec.workloads) {
      const labels = podLabels(lab, spec, w);
      const controller = {
        metadata: meta(w.name, labels),
        spec: { replicas: w.replicas, selector: { matchLabels: labels }, ...(w.stateful ? { serviceName: w.name } : {}) },
        status: { replicas: w.replicas, readyReplicas: w.replicas, availableReplicas: w.replicas, observedGeneration: 1 },
      };
      (w.stateful ? statefulSets : deployments).push(controller);
      const rs = suffix(`${lab}/${w.name}`, 10);
      for (let i = 0; i < w.replicas; i++) {
        const name = w.stateful ? `${w.name}-${i}` : `${w.name}-${rs}-${suffix(`${lab}/${w.name}/${i}`, 5)}`;
        pods.push({
          metadata: { ...meta(name, labels), labels: { ...labels, "app.kubernetes.io/version": spec.version, "app.kubernetes.io/managed-by": "pulumi" } },
          spec: { nodeName: node, containers: [{ name: w.name, image: w.image }] },
          status: {
            phase: "Running",
            podIP: `10.42.${(ip >> 8) & 255}.${ip++ & 255}`,
            startTime: created,
            conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type, status: "True", lastTransitionTime: created })),
            containerStatuses: [{ name: w.name, image: w.image, imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: created } } }],
          },
        });
      }
    }
  }
  const namespace = {
    metadata: { name: lab, uid: crypto.randomUUID(), creationTimestamp: created, labels: { "bigdata-labs.io/class": opts.className, "kubernetes.io/metadata.name": lab } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
  return { namespace, pods, statefulSets, deployments };
}

/** A Kubernetes list object (pure). */
export function listOf(kind: string, apiVersion: string, items: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: "1" }, items };
}

/** What the simulated API answers a GET (pure): status code and JSON body. */
export function answer(labs: ReadonlyMap<string, LabObjects>, urlPath: string): { code: number; body: unknown } {
  const p = urlPath.split("?")[0]!;
  const notFound = (what: string) => ({ code: 404, body: { kind: "Status", apiVersion: "v1", status: "Failure", message: `${what} not found`, reason: "NotFound", code: 404 } });
  let m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(p);
  if (m) return labs.has(m[1]!) ? { code: 200, body: { kind: "Namespace", apiVersion: "v1", ...labs.get(m[1]!)!.namespace } } : notFound(`namespaces "${m[1]}"`);
  if (p === "/api/v1/namespaces") return { code: 200, body: listOf("Namespace", "v1", [...labs.values()].map((l) => l.namespace)) };
  m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p);
  if (m) return { code: 200, body: listOf("Pod", "v1", labs.get(m[1]!)?.pods ?? []) };
  m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(statefulsets|deployments)$/.exec(p);
  if (m) {
    const lab = labs.get(m[1]!);
    const stateful = m[2] === "statefulsets";
    return { code: 200, body: listOf(stateful ? "StatefulSet" : "Deployment", "apps/v1", (stateful ? lab?.statefulSets : lab?.deployments) ?? []) };
  }
  return notFound(`path ${p}`);
}

/** A running simulated API server. */
export interface FakeKube {
  readonly url: string;
  /** Requests answered, by kind (`GET namespace`, `GET pods`, `exec`, ...). */
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

/** The kind of a request, for the call count (pure). */
export function callKind(method: string, urlPath: string): string {
  const p = urlPath.split("?")[0]!;
  if (/\/pods\/[^/]+\/exec$/.test(p)) return "exec";
  const last = p.split("/").filter(Boolean);
  if (/^\/api\/v1\/namespaces\/[^/]+$/.test(p)) return `${method} namespace`;
  return `${method} ${last[last.length - 1] ?? "/"}`;
}

/** A self-signed certificate for 127.0.0.1 (openssl), so clients speak TLS to the simulated API as to a real one. */
export interface ServerCert {
  readonly key: string;
  readonly cert: string;
}

/** Makes a one-day self-signed certificate for 127.0.0.1 with openssl, in `dir`. */
export function selfSignedCert(dir: string): ServerCert {
  const key = path.join(dir, "api.key");
  const cert = path.join(dir, "api.crt");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=simulated-kube-api", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  return { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8") };
}

/**
 * Starts the simulated API on https://127.0.0.1 (a free port) with `tls`.
 * `execStdout` is what every exec prints (the command is not run); the exec
 * ends with a Success status, as a command that exited 0.
 */
export async function startFakeKube(labs: ReadonlyMap<string, LabObjects>, execStdout: (namespace: string, pod: string) => string, tls: ServerCert): Promise<FakeKube> {
  const calls = new Map<string, number>();
  const count = (k: string) => calls.set(k, (calls.get(k) ?? 0) + 1);
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req: http.IncomingMessage, res: http.ServerResponse) => {
    count(callKind(req.method ?? "GET", req.url ?? "/"));
    const { code, body } = req.method === "GET" ? answer(labs, req.url ?? "/") : { code: 405, body: { kind: "Status", status: "Failure", message: "the simulated API only reads", code: 405 } };
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false) });
  server.on("upgrade", (req, socket: net.Socket, head) => {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec/.exec(req.url ?? "");
    count("exec");
    if (!m || !labs.get(m[1]!)?.pods.some((p) => (p["metadata"] as { name: string }).name === m[2])) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(execStdout(m[1]!, m[2]!), "utf8")]));
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ metadata: {}, status: "Success" }), "utf8")]));
      ws.close();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The context name of the simulated API's kubeconfig. */
export const FAKE_CONTEXT = "simulated";

/** Writes a kubeconfig (mode 0600) that points at the simulated API and trusts its certificate; returns its path. */
export function writeFakeKubeconfig(dir: string, url: string, caPem: string): string {
  const file = path.join(dir, "simulated.kubeconfig");
  const doc = [
    "apiVersion: v1",
    "kind: Config",
    `clusters:\n- name: ${FAKE_CONTEXT}\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${Buffer.from(caPem).toString("base64")}`,
    `users:\n- name: ${FAKE_CONTEXT}\n  user:\n    token: simulated`,
    `contexts:\n- name: ${FAKE_CONTEXT}\n  context:\n    cluster: ${FAKE_CONTEXT}\n    user: ${FAKE_CONTEXT}`,
    `current-context: ${FAKE_CONTEXT}`,
    "",
  ].join("\n");
  fs.writeFileSync(file, doc, { mode: 0o600 });
  return file;
}
