/**
 * The modules' starter notebooks (`lab-workloads/m<N>/notebooks/*.ipynb`):
 * loaded as the workspace's seed files, so every lab's JupyterLab starts with
 * its module's notebooks (copied only when absent; `labctl reset <N>
 * --notebooks` puts the originals back).
 */
import * as fs from "fs";
import * as path from "path";
import { SeedFileSpec } from "../components/core/spec";
import { ModuleId, ServiceSettings } from "../components/lab/modules";

/** The folder of a module's starter notebooks. */
export function notebooksDir(module: ModuleId): string {
  return path.join(__dirname, `m${module}`, "notebooks");
}

/** A module's starter notebooks in name order (none when the folder is absent). */
export function starterNotebooks(module: ModuleId): SeedFileSpec[] {
  const dir = notebooksDir(module);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((name) => ({ name, content: fs.readFileSync(path.join(dir, name), "utf8") }));
}

/** A lab's service settings with the module's starter notebooks as the workspace's seed files. */
export function withStarterNotebooks(module: ModuleId, services: ServiceSettings): ServiceSettings {
  const seedFiles = starterNotebooks(module);
  if (seedFiles.length === 0) return services;
  return { ...services, workspace: { ...(services.workspace ?? {}), seedFiles } };
}
