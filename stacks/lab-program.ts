import * as pulumi from "@pulumi/pulumi";
import { isLabConfigError } from "../components/core/errors";
import { LabConfig, labContext, labInstances } from "../components/config/schema";
import { planLab } from "../components/lab/plan";
import { clusterEndpoint, isClass, loadConfig, loadSecretSeed, verifyCluster } from "./config";
import { createLabs, StackOutputs } from "./program";

/**
 * A problem as one line (LABS_DEBUG=1 keeps the stack trace): a configuration
 * problem as it is (it names the key and the fix), anything else, such as a
 * RangeError from a spec, as its first line with where to find more.
 */
function oneLine(err: unknown): unknown {
  if (process.env["LABS_DEBUG"] === "1") return err;
  if (isLabConfigError(err)) return new pulumi.RunError(err.message);
  if (err instanceof pulumi.RunError) return err;
  const first = String((err as Error)?.message ?? err).split("\n")[0];
  return new pulumi.RunError(`${(err as Error)?.name ?? "Error"}: ${first} (set LABS_DEBUG=1 for the stack trace)`);
}

/**
 * Plans every lab of the stack (pure: the service specs check their ranges
 * and sizes) so that a bad value fails before the first resource, even the
 * labs' component resources, is registered.
 */
function planAll(cfg: LabConfig): void {
  for (const inst of labInstances(cfg)) {
    planLab({ name: inst.name, module: cfg.module, context: labContext(cfg, inst.hostPortBase), services: cfg.services, withoutWorkspace: !cfg.workspace });
  }
}

/**
 * The Pulumi program: read and validate `lab:*` config (and, on Kubernetes,
 * ask the cluster whether it answers and can bind volumes), then create the
 * module's lab(s). A problem is one line and no resource.
 */
function main(): Promise<StackOutputs> {
  let cfg: LabConfig;
  let secretSeed: pulumi.Output<string> | undefined;
  try {
    cfg = loadConfig();
    secretSeed = loadSecretSeed();
    planAll(cfg);
  } catch (err) {
    throw oneLine(err);
  }
  const seed = secretSeed ? { secretSeed } : {};
  const ready = cfg.target === "kubernetes" ? verifyCluster(cfg).then(() => (isClass(cfg) ? { clusterEndpoint: clusterEndpoint(cfg) } : {})) : Promise.resolve({});
  return ready
    .then((facts) => createLabs(cfg, { ...facts, ...seed }))
    .catch((err: unknown) => {
      throw oneLine(err);
    });
}

/** The stack's outputs, one per key of {@link StackOutputs}. */
export type LabProgramOutputs = Readonly<Record<keyof StackOutputs, pulumi.Output<unknown>>>;

/**
 * Runs the lab program once: its outputs, which the stack keeps. The
 * program's entry (stacks/index.ts) exports them, and labctl's `up` runs it
 * in its own process (an inline program, see lab-workloads/access/inline-program.ts).
 */
export function labProgram(): LabProgramOutputs {
  const result = main();
  const pick = (k: keyof StackOutputs): pulumi.Output<unknown> => pulumi.output(result.then((o) => o[k]));
  return {
    labs: pick("labs"),
    credentials: pick("credentials"),
    kubeconfig: pick("kubeconfig"),
    access: pick("access"),
    classroom: pick("classroom"),
    staffKubeconfig: pick("staffKubeconfig"),
    registry: pick("registry"),
  };
}
