import { LabConfig, labContext, parseLabConfig, Target } from "../components/config/schema";
import { isLabConfigError } from "../components/core/errors";
import { findModule, ModuleId, MODULES } from "../components/lab/modules";
import { LabPlan, planLab } from "../components/lab/plan";
import { loadImageManifest } from "../stacks/config";
import { EXIT, UserError } from "../lab-workloads/access/errors";

/** A module number or slug from the command line. */
export function resolveModule(arg: string | undefined): ModuleId {
  if (!arg) throw new UserError("which module? Give 1-5 or a name: " + moduleList());
  const m = findModule(arg);
  if (!m) throw new UserError(`unknown module "${arg}"; use ${moduleList()}`);
  return m.id;
}

function moduleList(): string {
  return Object.values(MODULES).map((m) => `${m.id} (${m.slug})`).join(", ");
}

/** A target from `--target`. */
export function resolveTarget(arg: string | undefined): Target {
  const t = arg ?? "docker";
  if (t !== "docker" && t !== "kubernetes") throw new UserError(`unknown target "${t}"; use docker or kubernetes (the aws class cluster is set up with pulumi up and a stack file)`);
  return t;
}

/** The `lab:*` settings labctl gives a module's stack. */
export function labSettings(module: ModuleId, target: Target, kubeContext?: string): Record<string, unknown> {
  return {
    module,
    target,
    ...(target === "kubernetes" && kubeContext ? { kubernetes: { context: kubeContext } } : {}),
  };
}

/** Validates labctl's settings with the same validator the Pulumi program uses. */
export function validateSettings(settings: Record<string, unknown>): LabConfig {
  try {
    return parseLabConfig(settings, loadImageManifest());
  } catch (err) {
    if (isLabConfigError(err)) throw new UserError(err.message, EXIT.usage);
    throw err;
  }
}

/**
 * The plan of a module's lab as labctl stands it up (default settings on
 * `target`), named `name` (default: the configured lab name).
 */
export function planModuleLab(module: ModuleId, target: Target, name?: string): LabPlan {
  const cfg = validateSettings(labSettings(module, target));
  const context = labContext(cfg, cfg.hostPortBase);
  return planLab({ name: name ?? cfg.name, module, context });
}
