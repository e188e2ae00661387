import * as fs from "fs";
import * as zlib from "zlib";
import { Stack } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT, stackStateFile } from "./automation";

/** A resource of a stack's state, as `pulumi stack export` and the state file list it. */
export interface StateResource {
  readonly urn?: string;
  readonly type: string;
  readonly id?: string;
  /** Its outputs; secret values stay encrypted here. */
  readonly outputs?: Record<string, unknown>;
}

/**
 * The resources of a stack of this checkout, read from its state file (a
 * version 3 checkpoint, as the local file backend writes it, gzipped or
 * not) without a CLI run. Undefined when there is no such file or it is not
 * a checkpoint read this way: the caller then asks the CLI.
 */
export function stateFileResources(name: string, root = PROJECT_ROOT): StateResource[] | undefined {
  const file = stackStateFile(name, root);
  if (!file) return undefined;
  try {
    const bytes = fs.readFileSync(file);
    const doc = JSON.parse((file.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("utf8")) as { version?: number; checkpoint?: { latest?: { resources?: unknown } | null } };
    if (doc.version !== 3 || !doc.checkpoint) return undefined;
    const resources = doc.checkpoint.latest?.resources ?? [];
    if (!Array.isArray(resources) || !resources.every((r) => typeof (r as StateResource)?.type === "string")) return undefined;
    return resources as StateResource[];
  } catch {
    return undefined;
  }
}

/**
 * A stack's resources: from its state file (`pulumi stack export` takes
 * 0.45 s, on the path of every `up` and `down`), else from the CLI.
 */
export async function stackResources(stack: Stack, root = PROJECT_ROOT): Promise<StateResource[]> {
  return stateFileResources(stack.name, root) ?? (((await stack.exportStack()).deployment?.resources ?? []) as StateResource[]);
}
