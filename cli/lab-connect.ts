/**
 * A way into one lab with nothing but a kubeconfig: forward the lab's web
 * UIs (JupyterLab, Spark, MinIO, Dask, HDFS) to 127.0.0.1 through the API
 * server, and read the Jupyter token from the workspace itself. Works on any
 * cluster and with `exposure: none`, since port-forward needs no Service,
 * NodePort or load balancer.
 */
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { UI_ANNOTATION } from "../components/platform/kubernetes/render";
import { Forward, forwardPort, podExec } from "../lab-workloads/access/kube-client";

/** One forwarded UI. */
export interface ConnectedUi {
  /** `<service>.<port name>`, e.g. `workspace.http`, `spark.ui`. */
  readonly name: string;
  readonly workload: string;
  readonly url: string;
}

/** An open connection to a lab. */
export interface LabConnection {
  readonly namespace: string;
  readonly uis: ConnectedUi[];
  /** The JupyterLab URL with the token, when the lab has a workspace. */
  readonly jupyterUrl?: string;
  /** The Jupyter token (read in the workspace pod). */
  readonly token?: string;
  close(): Promise<void>;
}

/** Options of {@link connectLab}. */
export interface ConnectOptions {
  /**
   * First local port to try for each UI: its own port number (8888 for
   * JupyterLab) when 0, a free one when that is taken. @default 0
   */
  readonly portBase?: number;
}

/**
 * Forwards every UI the lab's pods announce (the renderer's
 * {@link UI_ANNOTATION}) and reads the Jupyter token. Needs only `get`/`list`
 * on pods and `create` on pods/exec and pods/portforward in the namespace.
 */
export async function connectLab(kc: KubeConfig, namespace: string, opts: ConnectOptions = {}): Promise<LabConnection> {
  const api = kc.makeApiClient(CoreV1Api);
  const pods = (await api.listNamespacedPod({ namespace, labelSelector: "app.kubernetes.io/part-of=bigdata-labs" })).items.filter((p) => p.status?.phase === "Running");
  const forwards: Forward[] = [];
  const uis: ConnectedUi[] = [];
  let jupyterUrl: string | undefined;
  let token: string | undefined;
  let next = opts.portBase ?? 0;
  try {
    for (const pod of pods) {
      const announced = pod.metadata?.annotations?.[UI_ANNOTATION];
      if (!announced) continue;
      const podName = pod.metadata!.name!;
      const workload = pod.metadata?.labels?.["bigdata-labs.io/workload"] ?? podName;
      for (const ui of JSON.parse(announced) as { name: string; port: number; path: string }[]) {
        const wanted = opts.portBase ? next++ : ui.port;
        const f = await forwardPort(kc, namespace, podName, ui.port, wanted).catch(() => forwardPort(kc, namespace, podName, ui.port, 0));
        forwards.push(f);
        const url = `http://127.0.0.1:${f.localPort}${ui.path}`;
        uis.push({ name: ui.name, workload, url });
        if (ui.name === "workspace.http") {
          const r = await podExec(kc, namespace, podName, ["printenv", "JUPYTER_TOKEN"], { timeoutMs: 30_000 });
          token = r.ok ? r.stdout.trim() : undefined;
          jupyterUrl = token ? `${url}?token=${token}` : url;
        }
      }
    }
  } catch (err) {
    await Promise.all(forwards.map((f) => f.close()));
    throw err;
  }
  return {
    namespace,
    uis,
    ...(jupyterUrl ? { jupyterUrl } : {}),
    ...(token ? { token } : {}),
    close: async () => {
      await Promise.all(forwards.map((f) => f.close()));
    },
  };
}

/** The connection's URLs for a terminal, one per line: JupyterLab (with its token) first. */
export function connectionLines(conn: LabConnection): string[] {
  return [
    ...(conn.jupyterUrl ? [`  JupyterLab             ${conn.jupyterUrl}`] : []),
    ...conn.uis.filter((u) => u.name !== "workspace.http").map((ui) => `  ${ui.name.padEnd(22)} ${ui.url}`),
    "Forwarding on 127.0.0.1 only; press Ctrl-C to stop.",
  ];
}

/** Resolves on Ctrl-C or SIGTERM: how long a connection stays open. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}
