import { Target } from "../../components/config/schema";
import { MODULES, ModuleId } from "../../components/lab/modules";
import { openLabStack } from "../automation";
import { labSettings, validateSettings } from "../lab-args";
import { ProgressView } from "../progress";
import { recordedKube } from "../stack-lab";
import { legacyDockerLab, unreadyContainers } from "../docker-host";
import { Io, pulumiFailure, renderEndpoints } from "./shared";
import { preflight } from "./preflight";
import { EXIT, UserError } from "../errors";

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
  const check = await preflight({ module: opts.module, target: opts.target, ...(opts.context ? { context: opts.context } : {}), json: false, quiet: opts.json }, io);
  if (!check.go) throw new UserError(`not enough resources for module ${opts.module}: ${check.reasons[0]}`, EXIT.environment);
  const mod = MODULES[opts.module];
  if (!opts.json) io.out(`Standing up module ${mod.id} (${mod.slug}) on ${opts.target}: ${Object.keys(mod.services).join(", ")}`);
  const stack = await openLabStack({ module: opts.module, target: opts.target, config: kube ? { kubernetes: kube } : {} });
  if (opts.target === "docker") {
    // A lab of an earlier labctl (dynamic providers) cannot be taken over by the Docker provider.
    const legacy = legacyDockerLab((await stack.exportStack()).deployment?.resources ?? [], opts.module);
    if (legacy) throw new UserError(legacy, EXIT.usage);
  }
  const progress = new ProgressView((l) => (opts.json ? undefined : io.out(l)));
  const t0 = Date.now();
  let result;
  try {
    result = await stack.up({ onEvent: (e) => progress.onEvent(e) });
  } catch (err) {
    // The provider only says a container did not become healthy: show why.
    if (opts.target === "docker") {
      const why = await unreadyContainers(cfg.name).catch(() => "");
      if (why) io.err(why);
    }
    throw pulumiFailure("up", err);
  }
  const labs = result.outputs["labs"]?.value as Record<string, unknown>;
  if (opts.json) {
    io.out(JSON.stringify({ stack: stack.name, seconds: (Date.now() - t0) / 1000, labs }, null, 2));
  } else {
    io.out(`\nReady in ${((Date.now() - t0) / 1000).toFixed(0)}s (${progress.count} resources changed).`);
    io.out(renderEndpoints(labs as never));
    io.out(`Credentials (Jupyter token, S3 keys): labctl status --secrets`);
  }
  return 0;
}
