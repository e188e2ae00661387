import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_KEYS, ImageManifest, LabConfig } from "./schema";
import { LabConfigError } from "../core/errors";
import { KubeconfigDoc, readKubeconfig } from "../core/kubeconfig-file";

/*
 * Reading a stack's `lab:*` values, the image manifest and the kubeconfig they
 * name: pure and free of the Pulumi SDK, shared by the program's config reader
 * (stacks/config.ts) and by labctl, which reads a stack's config from outside.
 */

/**
 * The `lab:*` values as the engine stores them (strings; JSON for objects,
 * lists, numbers and booleans), parsed. `get` returns a key's text or
 * undefined; the same reading serves the program and commands that read a
 * stack's config from outside.
 */
export function rawLabValues(get: (key: string) => string | undefined): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const text = get(key);
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text; // a plain string such as `docker`
    }
  }
  return raw;
}

/** images/manifest.json: image names and tags the lab uses by default. */
export function loadImageManifest(root = path.join(__dirname, "..", "..")): ImageManifest {
  const file = path.join(root, "images", "manifest.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ImageManifest;
  } catch (err) {
    throw new LabConfigError("images/manifest.json", `cannot be read (${(err as Error).message})`, "Restore it from the repository");
  }
}

/**
 * Fails before any resource is created when the kubeconfig file is missing,
 * unreadable, or lacks the requested context.
 */
export function checkKubeconfig(cfg: LabConfig): { file: string; context: string } {
  const file = cfg.kubernetes.kubeconfig ?? process.env["KUBECONFIG"]?.split(path.delimiter)[0] ?? path.join(os.homedir(), ".kube", "config");
  const field = cfg.kubernetes.kubeconfig ? "lab:kubernetes.kubeconfig" : "KUBECONFIG";
  let doc: KubeconfigDoc;
  try {
    doc = readKubeconfig(file);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be read (${(err as Error).message.split("\n")[0]})`;
    throw new LabConfigError(field, `kubeconfig ${file} ${why}`, "Create a cluster (kind create cluster, or npm run toolchain -- --kubernetes) or point lab:kubernetes.kubeconfig at its kubeconfig");
  }
  const contexts = (doc.contexts ?? []).map((c) => c.name);
  const wanted = cfg.kubernetes.context ?? doc["current-context"];
  if (!wanted) throw new LabConfigError("lab:kubernetes.context", `kubeconfig ${file} has no current context`, `Set one of: ${contexts.join(", ") || "(none)"}`);
  if (!contexts.includes(wanted)) {
    throw new LabConfigError("lab:kubernetes.context", `context "${wanted}" is not in ${file}`, `Use one of: ${contexts.join(", ") || "(none)"}`);
  }
  return { file, context: wanted };
}
