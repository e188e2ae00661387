/**
 * The one Kubernetes client of the command line: @kubernetes/client-node,
 * which reads kubeconfig files the way kubectl does (lists, exec plugins,
 * tokens, client certificates) and speaks exec and port-forward itself, so
 * a student needs no kubectl.
 */
import * as net from "net";
import { Writable } from "stream";
import { CoreV1Api, Exec, KubeConfig, PortForward, V1Pod, V1Status } from "@kubernetes/client-node";
import { EXIT, UserError } from "./errors";

/** Which cluster and identity: a kubeconfig file and a context in it. */
export interface KubeTarget {
  /** @default $KUBECONFIG or ~/.kube/config */
  readonly kubeconfig?: string;
  /** @default the kubeconfig's current context */
  readonly context?: string;
}

/**
 * A loaded kubeconfig for a target. With no file named, no $KUBECONFIG, no
 * ~/.kube/config and no in-cluster account, client-node falls back to an
 * unauthenticated http://localhost:8080, which no cluster of a lab answers:
 * that is refused in one line instead (kubectl's own fallback, which the
 * command line used before, ended in "the cluster does not answer").
 */
export function loadKubeConfig(t: KubeTarget): KubeConfig {
  const kc = new KubeConfig();
  if (t.kubeconfig) kc.loadFromFile(t.kubeconfig);
  else {
    kc.loadFromDefault();
    const cluster = kc.getCurrentCluster();
    if (cluster?.name === "cluster" && cluster.server === "http://localhost:8080" && !process.env["KUBECONFIG"]) {
      throw new UserError("no kubeconfig: $KUBECONFIG is not set and ~/.kube/config does not exist; point KUBECONFIG at the cluster's kubeconfig (the project's node: the one `npm run kube -- start` prints) and retry", EXIT.environment);
    }
  }
  if (t.context) kc.setCurrentContext(t.context);
  return kc;
}

/** The namespace a kubeconfig's current context names (a student's kubeconfig names their lab). */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace;
}

/** HTTP status of a failed API call, or undefined for other errors. */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

/** The first running pod of a lab workload (`bigdata-labs.io/workload=<name>`). */
export async function workloadPod(kc: KubeConfig, namespace: string, workload: string): Promise<V1Pod> {
  const api = kc.makeApiClient(CoreV1Api);
  const pods = await api.listNamespacedPod({ namespace, labelSelector: `bigdata-labs.io/workload=${workload}` });
  const pod = pods.items.find((p) => p.status?.phase === "Running") ?? pods.items[0];
  if (!pod?.metadata?.name) throw new Error(`no pod of ${workload} in namespace ${namespace}`);
  return pod;
}

/** What a command run in a pod printed, and whether it exited 0. */
export interface PodExecResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** The API's reason when it failed (exit code, or why it could not run). */
  readonly reason: string;
}

/** Runs `command` in a pod's first container (or `container`); never throws. */
export async function podExec(kc: KubeConfig, namespace: string, pod: string, command: readonly string[], opts: { container?: string; timeoutMs?: number } = {}): Promise<PodExecResult> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString("utf8"));
        cb();
      },
    });
  return new Promise<PodExecResult>((resolve) => {
    let done = false;
    let socket: { close(): void } | undefined;
    const finish = (ok: boolean, reason: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ok, stdout, stderr, reason });
    };
    const timer = setTimeout(() => {
      finish(false, `timed out after ${(opts.timeoutMs ?? 60_000) / 1000}s`);
      // Close the stream: the session is not kept open, and read, until the command ends by itself.
      socket?.close();
    }, opts.timeoutMs ?? 60_000);
    const container = opts.container ?? "";
    new Exec(kc)
      .exec(namespace, pod, container, [...command], sink((s) => (stdout += s)), sink((s) => (stderr += s)), null, false, (status: V1Status) => {
        const code = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
        finish(status.status === "Success", status.status === "Success" ? "" : code !== undefined ? `exit code ${code}` : (status.message ?? "failed"));
      })
      .then(
        (ws) => {
          socket = ws;
          if (done) ws.close();
          ws.on("close", () => setTimeout(() => finish(false, "the connection closed without an exit status"), 200));
        },
        (err: unknown) => finish(false, `exec refused (${apiStatus(err) ?? ""} ${String((err as Error)?.message ?? err).split("\n")[0]})`.replace("( ", "(")),
      );
  });
}

/** A local TCP listener forwarding to a pod's port. */
export interface Forward {
  readonly localPort: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (`localPort`, or a free port when 0) and forwards each
 * connection to `port` of `pod` through the API server. Nothing listens
 * beyond the loopback address.
 */
export async function forwardPort(kc: KubeConfig, namespace: string, pod: string, port: number, localPort = 0): Promise<Forward> {
  const pf = new PortForward(kc);
  const server = net.createServer((socket) => {
    socket.on("error", () => socket.destroy());
    pf.portForward(namespace, pod, [port], socket, null, socket).then(
      (ws) => {
        const close = () => socket.destroy();
        if (typeof ws === "function") return;
        ws.on("close", close);
        ws.on("error", close);
        socket.on("close", () => ws.close());
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(localPort, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    localPort: actual,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
