/**
 * A module and a target from the command line, checked without loading the
 * config schema or the Pulumi SDK (labctl's first steps run before those load).
 */
import type { Target } from "../components/config/schema";
import { findModule, ModuleId, MODULES } from "../components/lab/modules";
import { UserError } from "../lab-workloads/access/errors";

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
