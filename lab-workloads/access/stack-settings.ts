/**
 * A lab stack's settings file (`Pulumi.<stack>.yaml` in the project's
 * `stackConfigDir`), read and written without a CLI run. The file is the
 * CLI's own documented format; anything this module cannot read plainly
 * (no file, bad YAML, an encrypted `lab:*` value it would need, project-wide
 * config in Pulumi.yaml) answers undefined or false, and the caller asks the
 * CLI instead, so a wrong answer can only cost a CLI run.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { SECRET_SEED_KEY } from "../../components/core/derived-secret";

/** A stack setting as the CLI's `config --json` gives it. */
export interface ConfigEntry {
  readonly value: string;
}

/** The Pulumi project's settings this checkout's stacks belong to (Pulumi.yaml). */
export function projectSettings(root: string): { name?: string; stackConfigDir?: string; config?: unknown } {
  return (YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name?: string; stackConfigDir?: string } | null) ?? {};
}

/** The file that holds a stack's settings: `Pulumi.<stack>.yaml` in the project's `stackConfigDir`. */
export function stackConfigFile(name: string, root: string): string {
  return path.join(root, projectSettings(root).stackConfigDir ?? "", `Pulumi.${name}.yaml`);
}

/** The `config` map of a stack's settings file; undefined when it cannot be read. */
export function stackSettingsConfig(name: string, root: string): Record<string, unknown> | undefined {
  try {
    const doc = YAML.parse(fs.readFileSync(stackConfigFile(name, root), "utf8")) as { config?: Record<string, unknown> } | null;
    return doc?.config ?? {};
  } catch {
    return undefined;
  }
}

/** Whether a stack's settings file has an entry for `key` (whatever its value). */
export function stackConfigHas(name: string, key: string, root: string): boolean {
  return stackSettingsConfig(name, root)?.[key] !== undefined;
}

/**
 * Whether a stack's settings file already holds every entry with the same
 * text. Anything unreadable or different answers false (the settings are
 * then written).
 */
export function stackConfigHolds(name: string, entries: Readonly<Record<string, ConfigEntry>>, root: string): boolean {
  const config = stackSettingsConfig(name, root);
  return config !== undefined && Object.entries(entries).every(([k, v]) => config[k] === v.value);
}

/**
 * `lab:*` settings as the Automation API sets them: each key prefixed with
 * `lab:`, strings as they are, anything else (objects, numbers) as JSON.
 */
export function labConfigEntries(config: Readonly<Record<string, unknown>>): Record<string, ConfigEntry> {
  const entries: Record<string, ConfigEntry> = {};
  for (const [k, v] of Object.entries(config)) entries[`lab:${k}`] = { value: typeof v === "string" ? v : JSON.stringify(v) };
  return entries;
}

/** Whether a YAML value holds an encrypted (`secure:`) value anywhere in it. */
function holdsSecure(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (!Array.isArray(v) && "secure" in v) return true;
  return Object.values(v).some(holdsSecure);
}

/**
 * A stack's `lab:*` settings as `pulumi config --json` would give them
 * (strings as they are, anything else as JSON), from its settings file.
 * The seed is left out (it is encrypted and nothing here reads it).
 * Undefined, so that the caller asks the CLI, when the file cannot be read,
 * when another `lab:*` value is encrypted, or when Pulumi.yaml holds
 * project-wide config the CLI would merge in.
 */
export function stackLabSettings(name: string, root: string): Record<string, ConfigEntry> | undefined {
  try {
    if (projectSettings(root).config !== undefined) return undefined;
  } catch {
    return undefined;
  }
  const config = stackSettingsConfig(name, root);
  if (!config) return undefined;
  const entries: Record<string, ConfigEntry> = {};
  for (const [k, v] of Object.entries(config)) {
    if (!k.startsWith("lab:") || k === `lab:${SECRET_SEED_KEY}`) continue;
    if (holdsSecure(v) || v === null || v === undefined) return undefined;
    entries[k] = { value: typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v) };
  }
  return entries;
}

/**
 * Writes plain-text `entries` into a stack's existing settings file, as
 * `pulumi config set-all --plaintext` would, keeping everything else in it
 * (the encryption salt, encrypted values, other keys, comments). The file is
 * replaced at once (a temporary file renamed over it, its mode kept).
 * Returns false, having written nothing, when the file is missing or is not
 * a YAML mapping: the caller then runs the CLI.
 */
export function writeStackSettings(name: string, entries: Readonly<Record<string, ConfigEntry>>, root: string): boolean {
  const file = stackConfigFile(name, root);
  let doc: YAML.Document;
  let mode: number;
  try {
    mode = fs.statSync(file).mode & 0o777;
    doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
  } catch {
    return false;
  }
  if (doc.errors.length > 0 || !(doc.contents === null || YAML.isMap(doc.contents))) return false;
  const config = doc.get("config");
  if (config !== undefined && config !== null && !YAML.isMap(config)) return false;
  for (const [k, v] of Object.entries(entries)) doc.setIn(["config", k], v.value);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, doc.toString(), { mode });
  fs.renameSync(tmp, file);
  return true;
}
