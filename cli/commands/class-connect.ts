import { KubeConfig } from "@kubernetes/client-node";
import { openClass, studentLab } from "../class/stacks";
import { connectionLines, connectLab, untilSignal } from "../lab-connect";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl class connect`. */
export interface ClassConnectOptions {
  readonly className?: string;
  readonly student: string;
  readonly json: boolean;
  /** Resolves when forwarding should stop. @default SIGINT or SIGTERM */
  readonly until?: Promise<void>;
}

/**
 * Course staff into one student's lab, with the class's staff kubeconfig
 * (a Role in each lab of the class, nothing outside it): JupyterLab with the
 * student's token and the lab's UIs, forwarded to 127.0.0.1.
 */
export async function classConnect(opts: ClassConnectOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const lab = studentLab(stood, opts.student);
  if (!stood.staffKubeconfig) throw new UserError(`class ${stood.cfg.name} has no staff kubeconfig in its outputs; run labctl class up again`, EXIT.usage);
  const kc = new KubeConfig();
  kc.loadFromString(stood.staffKubeconfig);
  const conn = await connectLab(kc, lab, {});
  if (conn.uis.length === 0) {
    await conn.close();
    throw new UserError(`lab ${lab} has no running pod with a web UI; is it asleep? (labctl class wake --student ${opts.student})`, EXIT.failed);
  }
  if (opts.json) io.out(JSON.stringify({ lab, jupyter: conn.jupyterUrl, token: conn.token, uis: conn.uis }));
  else {
    io.out(`Connected to ${opts.student}'s lab ${lab} as course staff.`);
    for (const l of connectionLines(conn)) io.out(l);
  }
  await (opts.until ?? untilSignal());
  await conn.close();
  return EXIT.ok;
}
