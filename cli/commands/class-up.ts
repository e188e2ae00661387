import { ModuleId } from "../../components/lab/modules";
import { labWorkspace, openLabStack } from "../../lab-workloads/access/automation";
import { classNames, classStackName } from "../class/stacks";
import { readRoster } from "../class/roster";
import { validateSettings } from "../lab-args";
import { ProgressView } from "../progress";
import { runStackUpdate } from "../../lab-workloads/access/stack-run";
import { readStack, recordedKube } from "../../lab-workloads/access/stack-lab";
import { UserError } from "../../lab-workloads/access/errors";
import { Io, pulumiFailure } from "./shared";

/** Options of `labctl class up`. */
export interface ClassUpOptions {
  readonly module: ModuleId;
  /** Roster file: one `name[,email]` per line. */
  readonly roster: string;
  /** Class name: the prefix of every lab (`<name>-<student>`). @default `bigdata-m<module>` */
  readonly name?: string;
  /** @default "kubernetes" */
  readonly target: "kubernetes" | "aws";
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Go on although no NetworkPolicy engine is found. @default false */
  readonly allowNoIsolation: boolean;
  /** Share of CPU requests asked of the scheduler (overcommit). @default 1 */
  readonly cpuRequestScale?: number;
  /** `lab:idleAfter`, e.g. `45m`: the janitor puts a lab with no sign of use that long to sleep. @default none */
  readonly idleAfter?: string;
  /** `lab:expiresAfter`, e.g. `4h`: the janitor puts a lab to sleep that long after `up` (or an extension). @default none */
  readonly expiresAfter?: string;
  readonly json: boolean;
}

/**
 * Stands up one isolated lab per student of a roster, in stack
 * `class-<name>`, on the cluster of the given (or current) context, which is
 * recorded for every later class command. Nothing is published on nodes
 * (`exposure: none`): students come in with `labctl connect` and their
 * handout kubeconfig.
 */
export async function classUp(opts: ClassUpOptions, io: Io): Promise<number> {
  const roster = readRoster(opts.roster);
  const name = opts.name ?? `bigdata-m${opts.module}`;
  const kubernetes: Record<string, unknown> = {
    exposure: "none",
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context ? { context: opts.context } : {}),
    ...(opts.allowNoIsolation ? { allowNoIsolation: true } : {}),
    ...(opts.cpuRequestScale !== undefined ? { cpuRequestScale: opts.cpuRequestScale } : {}),
  };
  const schedule = { ...(opts.idleAfter ? { idleAfter: opts.idleAfter } : {}), ...(opts.expiresAfter ? { expiresAfter: opts.expiresAfter } : {}) };
  const settings = { module: opts.module, target: opts.target, name, students: roster.map((s) => (s.email ? { name: s.name, email: s.email } : s.name)), kubernetes, ...schedule };
  const cfg = validateSettings(settings);
  if (opts.target === "kubernetes") Object.assign(kubernetes, recordedKube(cfg));
  const stackName = classStackName(name);
  const existing = await classNames(await labWorkspace());
  if (!existing.includes(name) && !opts.json) io.out(`New class ${name}: stack ${stackName}`);
  const stack = await openLabStack({ module: opts.module, target: opts.target, stackName, config: { name, students: settings.students, kubernetes, ...schedule } });
  if (!opts.json) io.out(`Standing up ${roster.length} labs of module ${opts.module} on ${opts.target}${cfg.target === "kubernetes" ? ` (context ${String(kubernetes["context"])})` : ""}`);
  const progress = new ProgressView((l) => (opts.json ? undefined : io.out(l)));
  const t0 = Date.now();
  try {
    await runStackUpdate(stack, "up", { onEvent: (e) => progress.onEvent(e) });
  } catch (err) {
    throw pulumiFailure("class up", err);
  }
  const stood = await readStack(stack);
  const seconds = (Date.now() - t0) / 1000;
  const labs = stood.classroom?.students ?? [];
  if (labs.length !== roster.length) throw new UserError(`class up: ${labs.length} of ${roster.length} labs are in the stack's outputs`);
  if (opts.json) {
    io.out(JSON.stringify({ class: name, stack: stackName, seconds, students: labs }, null, 2));
  } else {
    io.out(`\n${labs.length} labs ready in ${seconds.toFixed(0)}s: ${labs.map((l) => l.lab).join(", ")}`);
    if (opts.idleAfter || opts.expiresAfter) {
      io.out(`Janitor on: labs sleep${opts.idleAfter ? ` after ${opts.idleAfter} without use` : ""}${opts.idleAfter && opts.expiresAfter ? " or" : ""}${opts.expiresAfter ? ` ${opts.expiresAfter} after up` : ""} (labctl class status shows when; class extend, class wake)`);
    }
    io.out(`Hand them out: labctl class handout --class ${name} --out DIR   (one folder per student: kubeconfig, credentials, how-to)`);
  }
  return 0;
}
