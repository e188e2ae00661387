import { labInstances, Target } from "../../components/config/schema";
import { MODULES, ModuleId } from "../../components/lab/modules";
import { openLabStack, prewarmPulumiCommand, stackLocked, stackName, stackStateExists } from "../../lab-workloads/access/automation";
import { labSettings, validateSettings } from "../lab-args";
import { ProgressView } from "../progress";
import { configOfStack, recordedKube, stackConfigEntries, stackOutputValues, StoodUp, stoodUp } from "../../lab-workloads/access/stack-lab";
import { runStackUpdate } from "../../lab-workloads/access/stack-run";
import { stackResources } from "../../lab-workloads/access/stack-state";
import { legacyDockerLab, unreadyContainers } from "../../lab-workloads/access/docker-host";
import { providerObjects, removeOrphans } from "../docker-orphans";
import { dockerPortHolders, stackPortClash } from "../docker-ports";
import { Io, pulumiFailure, renderEndpoints, stackBusy } from "./shared";
import { preflight } from "./preflight";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import type { StarterData } from "../../lab-workloads/reset";

/** Options of `labctl up`. */
export interface UpOptions {
  readonly module: ModuleId;
  /** @default "docker" */
  readonly target: Target;
  /** kubeconfig context for the kubernetes target. @default the current context */
  readonly context?: string;
  /** Print one JSON document instead of progress. @default false */
  readonly json: boolean;
}

/** Stands up a module's lab and prints its endpoints. */
export async function up(opts: UpOptions, io: Io): Promise<number> {
  const settings = labSettings(opts.module, opts.target, opts.context);
  const cfg = validateSettings(settings);
  // The cluster is recorded in the stack: later commands use it, whatever context is current then.
  const kube = opts.target === "kubernetes" ? recordedKube(cfg) : undefined;
  // The CLI lookup runs while the capacity is checked (a `pulumi version` run when its version is not
  // remembered). labctl started the stack's passphrase key and Docker's capacity before loading this file.
  prewarmPulumiCommand();
  // The stack opens (a new one: its settings and empty state, see openLabStack) while the capacity is
  // checked; a stack this run created is removed again when a check fails.
  const name = stackName(opts.module, opts.target);
  const created = !stackStateExists(name);
  const opening = openLabStack({ module: opts.module, target: opts.target, config: kube ? { kubernetes: kube } : {} });
  opening.catch(() => undefined);
  const checked = preflight({ module: opts.module, target: opts.target, ...(opts.context ? { context: opts.context } : {}), json: false, quiet: opts.json }, io);
  checked.catch(() => undefined);
  // On Docker, the lab's objects are listed while the stack opens (see removeOrphans), and Docker's
  // published ports (a listing that fails leaves the ports to the provider, as before).
  const docker = opts.target === "docker";
  const listings = docker ? labInstances(cfg).map((l) => ({ lab: l.name, objects: providerObjects(l.name) })) : [];
  for (const l of listings) l.objects.catch(() => undefined);
  const holders = docker ? dockerPortHolders().catch(() => undefined) : undefined;
  const fits = async (): Promise<void> => {
    const check = await checked;
    if (!check.go) throw new UserError(`not enough resources for module ${opts.module}: ${check.reasons[0]}`, EXIT.environment);
  };
  // A lab that does not fit is said first, as when the capacity was checked before the stack opened.
  const stack = await opening.catch(async (err: unknown) => {
    await fits();
    throw err;
  });
  // The stack's own settings (labctl keeps those it does not set, such as pinned image tags), read while `up` runs: it does not change them.
  const stackSettings = stackConfigEntries(stack);
  stackSettings.catch(() => undefined);
  if (docker && stackLocked(stack.name)) {
    await fits();
    throw stackBusy("up");
  }

  // What must hold before anything is created runs while the CLI starts, and the program (run in this
  // process, see inline-program.ts) waits for it: the capacity, then on Docker the host ports, a lab
  // of an earlier labctl, and objects an interrupted run left. A failure stops the program before it
  // registers anything. When the CLI ends without asking for the program (it failed on its own), the
  // checks stop before their next step.
  // The program's modules load with the checks; the program then finds them loaded.
  const loadProgram = () => import("../../stacks/lab-program");
  let stopped = false;
  const ready = async (signal: AbortSignal): Promise<void> => {
    try {
      const loading = loadProgram();
      await fits();
      if (signal.aborted) return;
      const mod = MODULES[opts.module];
      if (!opts.json) io.out(`Standing up module ${mod.id} (${mod.slug}) on ${opts.target}: ${Object.keys(mod.services).join(", ")}`);
      if (holders) {
        // A host port another lab or program holds: one line now, before anything is created.
        const clash = await stackPortClash(configOfStack(await stackSettings), holders);
        if (clash) throw new UserError(`up failed: ${clash}`, EXIT.environment);
      }
      if (docker) {
        const resources = await stackResources(stack);
        if (signal.aborted) return;
        // A lab of an earlier labctl (dynamic providers) cannot be taken over by the Docker provider.
        const legacy = legacyDockerLab(resources, opts.module);
        if (legacy) throw new UserError(legacy, EXIT.usage);
        // Containers an interrupted `up` created but never recorded would block theirs by name.
        for (const { lab, objects } of listings) {
          if (signal.aborted) return;
          const orphans = await removeOrphans(lab, resources, objects);
          if (orphans.length > 0 && !opts.json) io.out(`Removed ${orphans.length} object(s) an interrupted run created but never recorded: ${orphans.join(", ")}`);
        }
      }
      await loading;
    } catch (err) {
      stopped = true;
      throw err;
    }
  };

  const progress = new ProgressView((l) => (opts.json ? undefined : io.out(l)));
  const t0 = Date.now();
  // The starter data is generated while the containers start (once the program has sent its first
  // resource, so that it does not compete with the program's own start): after the update only the writes remain.
  // Their modules (the S3 and Kafka clients, 0.1-0.2 s to load) are loaded then too, not before the update starts.
  let data: Promise<StarterData | undefined> | undefined;
  const generate = (): Promise<StarterData | undefined> =>
    new Promise((resolve) => setImmediate(resolve))
      .then(() => import("../../lab-workloads/reset"))
      .then(({ starterData }) => starterData(opts.module))
      .catch(() => undefined);
  try {
    await runStackUpdate(stack, "up", {
      program: { ready, main: async () => (await loadProgram()).labProgram() },
      onEvent: (e) => {
        if (!data && e.resourcePreEvent) data = generate();
        // A failed check is said once, as labctl's error, not again as the engine's report of the program's end.
        if (stopped && e.diagnosticEvent) return;
        progress.onEvent(e);
      },
    });
  } catch (err) {
    if (stopped) {
      // A check failed: nothing was created, and a stack this run created goes again (the CLI has ended).
      if (created) await stack.workspace.removeStack(stack.name).catch(() => undefined);
      throw err;
    }
    // The provider only says a container did not become healthy: show why.
    if (docker) {
      const why = await unreadyContainers(cfg.name).catch(() => "");
      if (why) io.err(why);
    }
    throw pulumiFailure("up", err);
  }
  // The stack's own settings and its outputs (secrets shown: the starter data needs the lab's keys).
  const outputs = await stackOutputValues(stack);
  const labs = outputs["labs"] as Record<string, unknown>;
  const starter = await writeStarterData(stoodUp(stack, configOfStack(await stackSettings), outputs), opts, io, await data);
  if (opts.json) {
    io.out(JSON.stringify({ stack: stack.name, seconds: (Date.now() - t0) / 1000, labs, seeded: starter.seeded }, null, 2));
  } else {
    io.out(`\nReady in ${((Date.now() - t0) / 1000).toFixed(0)}s (${progress.count} resources changed).`);
    io.out(renderEndpoints(labs as never));
    io.out(`Credentials (Jupyter token, S3 keys): labctl status --secrets`);
  }
  return starter.ok ? EXIT.ok : EXIT.failed;
}

/**
 * The module's starter data, written once the lab is up, where absent (never
 * deleting or rewriting anything: a second `up` leaves the student's data).
 * A failure is reported in one line with what to run; the lab stays up.
 */
async function writeStarterData(stood: StoodUp, opts: UpOptions, io: Io, data?: StarterData): Promise<{ ok: boolean; seeded: string[] }> {
  try {
    const name = Object.keys(stood.labs)[0];
    if (!name) throw new Error(`the stack has no lab for module ${opts.module}`);
    const [{ openStackLab }, { seedStarterData }] = await Promise.all([import("../../lab-workloads/common/lab"), import("../../lab-workloads/reset")]);
    const lab = await openStackLab(stood, name);
    const seeded = await seedStarterData(lab, () => undefined, { onlyIfAbsent: true, ...(data ? { data } : {}) }).finally(() => lab.close());
    if (!opts.json) io.out(seeded.length > 0 ? `Starter data written: ${seeded.join(", ")}` : "Starter data already in place.");
    return { ok: true, seeded };
  } catch (err) {
    io.err(`labctl: the lab is up but its starter data was not written (${String((err as Error)?.message ?? err).split("\n")[0]}); run labctl reset ${opts.module}`);
    return { ok: false, seeded: [] };
  }
}
