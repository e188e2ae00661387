import * as fs from "fs";
import { contextNamespace, loadKubeConfig, apiStatus } from "../../lab-workloads/access/kube-client";
import { connectionLines, connectLab, LabConnection, untilSignal } from "../lab-connect";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl connect`. */
export interface ConnectCommandOptions {
  /** The student's kubeconfig (from the class handout). */
  readonly kubeconfig: string;
  /** @default the kubeconfig's current context */
  readonly context?: string;
  /** @default the context's namespace */
  readonly namespace?: string;
  /** First local port; each UI's own port (8888, ...) when absent. */
  readonly portBase?: number;
  readonly json: boolean;
  /** Resolves when the command should stop forwarding. @default SIGINT or SIGTERM */
  readonly until?: Promise<void>;
}

/**
 * `labctl connect --kubeconfig FILE`: forwards the lab's JupyterLab and UIs
 * to 127.0.0.1 and prints the URLs (JupyterLab with its token); keeps
 * forwarding until interrupted.
 */
export async function connect(opts: ConnectCommandOptions, io: Io): Promise<number> {
  if (!fs.existsSync(opts.kubeconfig)) throw new UserError(`--kubeconfig ${opts.kubeconfig}: no such file; use the kubeconfig from your lab handout`);
  const kc = loadKubeConfig({ kubeconfig: opts.kubeconfig, ...(opts.context ? { context: opts.context } : {}) });
  const namespace = opts.namespace ?? contextNamespace(kc);
  if (!namespace) throw new UserError(`--kubeconfig ${opts.kubeconfig}: its context names no namespace; pass --namespace LAB`);
  let conn: LabConnection;
  try {
    conn = await connectLab(kc, namespace, opts.portBase ? { portBase: opts.portBase } : {});
  } catch (err) {
    const status = apiStatus(err);
    if (status === 401) throw new UserError(`the cluster refused the kubeconfig's credentials (401): ask your instructor for a new handout`, EXIT.environment);
    if (status === 403) throw new UserError(`the kubeconfig may not read namespace ${namespace} (403): use the kubeconfig of your own lab`, EXIT.environment);
    throw new UserError(`cannot reach lab ${namespace}: ${String((err as Error)?.message ?? err).split("\n")[0]}`, EXIT.environment);
  }
  if (conn.uis.length === 0) {
    await conn.close();
    throw new UserError(`lab ${namespace} has no running pod with a web UI; is it asleep or still starting? (labctl status)`, EXIT.failed);
  }
  if (opts.json) {
    io.out(JSON.stringify({ lab: namespace, jupyter: conn.jupyterUrl, token: conn.token, uis: conn.uis }));
  } else {
    io.out(`Connected to lab ${namespace}.`);
    for (const l of connectionLines(conn)) io.out(l);
  }
  await (opts.until ?? untilSignal());
  await conn.close();
  return EXIT.ok;
}
