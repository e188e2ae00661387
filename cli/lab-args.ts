import { LabConfig, labContext, parseLabConfig, Target } from "../components/config/schema";
import { isLabConfigError } from "../components/core/errors";
import { ModuleId } from "../components/lab/modules";
import { LabPlan, planLab } from "../components/lab/plan";
import { loadImageManifest } from "../components/config/stack-values";
import { EXIT, UserError } from "../lab-workloads/access/errors";

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
