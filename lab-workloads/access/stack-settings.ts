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
import type { ConfigMap, ConfigValue } from "@pulumi/pulumi/automation";
import { SECRET_SEED_KEY } from "../../components/core/names";

/** The Pulumi project's settings this checkout's stacks belong to (Pulumi.yaml). */
export function projectSettings(root: string): { name?: string; stackConfigDir?: string; config?: unknown } {
  return (YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name?: string; stackConfigDir?: string } | null) ?? {};
}

/** The file that holds a stack's settings: `Pulumi.<stack>.yaml` in the project's `stackConfigDir`. */
export function stackConfigFile(name: string, root: string): string {
  return path.join(root, projectSettings(root).stackConfigDir ?? "", `Pulumi.${name}.yaml`);
}

/** A stack's settings file, parsed; undefined when it cannot be read. */
function stackSettingsFile(name: string, root: string): { encryptionsalt?: unknown; config?: Record<string, unknown> } | undefined {
  try {
    return (YAML.parse(fs.readFileSync(stackConfigFile(name, root), "utf8")) as { encryptionsalt?: unknown; config?: Record<string, unknown> } | null) ?? {};
  } catch {
    return undefined;
  }
}

/** The `config` map of a stack's settings file; undefined when it cannot be read. */
export function stackSettingsConfig(name: string, root: string): Record<string, unknown> | undefined {
  const doc = stackSettingsFile(name, root);
  return doc && (doc.config ?? {});
}

/** The `encryptionsalt` of a stack's settings file; undefined when it has none or cannot be read. */
export function stackEncryptionSalt(name: string, root: string): string | undefined {
  const salt = stackSettingsFile(name, root)?.encryptionsalt;
  return typeof salt === "string" ? salt : undefined;
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
export function stackConfigHolds(name: string, entries: Readonly<Record<string, ConfigValue>>, root: string): boolean {
  const config = stackSettingsConfig(name, root);
  return config !== undefined && Object.entries(entries).every(([k, v]) => config[k] === v.value);
}

/**
 * `lab:*` settings as the Automation API sets them: each key prefixed with
 * `lab:`, strings as they are, anything else (objects, numbers) as JSON.
 */
export function labConfigEntries(config: Readonly<Record<string, unknown>>): ConfigMap {
  const entries: ConfigMap = {};
  for (const [k, v] of Object.entries(config)) entries[`lab:${k}`] = { value: typeof v === "string" ? v : JSON.stringify(v) };
  return entries;
}

/** Plain text Go's YAML reader (the CLI's) and this one both read as the same text. */
const PLAIN_TEXT = /^[A-Za-z/][A-Za-z0-9._/:-]*$/;
/** Plain words YAML 1.1 (Go's reader) takes for booleans or null. */
const YAML11_WORDS = /^(y|n|yes|no|on|off|true|false|null)$/i;

/**
 * A settings value as `pulumi config --json` gives it, or undefined when the
 * CLI might read it differently (the caller then asks the CLI): quoted text,
 * plain words, plain decimal integers and true/false, in any nesting; not an
 * encrypted (`secure:`) value, a number such as `0123`, `30_000`, `0x1F` or
 * one past 2^53, a date, or anything else the two YAML readers may disagree on.
 */
function plainValue(node: unknown): unknown {
  if (YAML.isScalar(node)) {
    const source = (node as YAML.Scalar & { source?: string }).source ?? "";
    if (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") return typeof node.value === "string" ? node.value : undefined;
    if (node.type !== "PLAIN") return undefined;
    if (typeof node.value === "string") return PLAIN_TEXT.test(node.value) && !YAML11_WORDS.test(node.value) ? node.value : undefined;
    if (typeof node.value === "number") return /^-?(0|[1-9][0-9]*)$/.test(source) && Number.isSafeInteger(node.value) ? node.value : undefined;
    if (typeof node.value === "boolean") return source === "true" || source === "false" ? node.value : undefined;
    return undefined;
  }
  if (YAML.isSeq(node)) {
    const items = node.items.map(plainValue);
    return items.every((v) => v !== undefined) ? items : undefined;
  }
  if (YAML.isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = YAML.isScalar(pair.key) ? pair.key.value : undefined;
      const value = plainValue(pair.value);
      if (typeof key !== "string" || key === "secure" || value === undefined) return undefined;
      out[key] = value;
    }
    return out;
  }
  return undefined;
}

/**
 * A stack's `lab:*` settings as `pulumi config --json` would give them
 * (strings as they are, anything else as JSON), from its settings file.
 * The seed is left out (it is encrypted and nothing here reads it).
 * Undefined, so that the caller asks the CLI, when the file cannot be read,
 * when a `lab:*` value is one the CLI might read differently (see
 * {@link plainValue}) or is encrypted, or when the CLI would merge in more
 * (project-wide config in Pulumi.yaml, an `environment:` in the file).
 */
export function stackLabSettings(name: string, root: string): ConfigMap | undefined {
  try {
    if (projectSettings(root).config !== undefined) return undefined;
    const doc = YAML.parseDocument(fs.readFileSync(stackConfigFile(name, root), "utf8"));
    if (doc.errors.length > 0 || doc.has("environment")) return undefined;
    const config = doc.get("config", true);
    if (config === undefined || (YAML.isScalar(config) && config.value === null)) return {};
    if (!YAML.isMap(config)) return undefined;
    const entries: ConfigMap = {};
    for (const pair of config.items) {
      const k = YAML.isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof k !== "string" || !k.startsWith("lab:") || k === `lab:${SECRET_SEED_KEY}`) continue;
      const v = plainValue(pair.value);
      if (v === undefined) return undefined;
      entries[k] = { value: typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v) };
    }
    return entries;
  } catch {
    return undefined;
  }
}

/** Every value of a settings text read as plain text (YAML's failsafe schema), to compare two versions of a file. */
function asText(text: string): unknown {
  return YAML.parse(text, { schema: "failsafe" });
}

/**
 * Writes plain-text `entries` into a stack's existing settings file, as
 * `pulumi config set-all --plaintext` would, keeping everything else in it
 * (the encryption salt, encrypted values, other keys, comments). The file is
 * replaced at once (a temporary file renamed over it, its mode kept; a
 * symlink's target is written). Returns false, having changed nothing, when
 * the file is missing, not writable or not a YAML mapping, when rewriting it
 * would change the text of any value it does not set (YAML tools spell some
 * numbers differently), or when writing fails: the caller then runs the CLI.
 */
export function writeStackSettings(name: string, entries: Readonly<Record<string, ConfigValue>>, root: string): boolean {
  let file: string;
  let tmp: string | undefined;
  try {
    file = fs.realpathSync(stackConfigFile(name, root));
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    const mode = fs.statSync(file).mode & 0o777;
    const before = fs.readFileSync(file, "utf8");
    const doc = YAML.parseDocument(before);
    if (doc.errors.length > 0 || !(doc.contents === null || YAML.isMap(doc.contents))) return false;
    const config = doc.get("config", true);
    if (YAML.isScalar(config) && config.value === null) doc.set("config", doc.createNode({}));
    else if (config !== undefined && !YAML.isMap(config)) return false;
    for (const [k, v] of Object.entries(entries)) doc.setIn(["config", k], v.value);
    const after = doc.toString();
    // Nothing but the entries may change, value by value, as text.
    const was = (asText(before) ?? {}) as { config?: Record<string, unknown> | null };
    const now = asText(after) as { config?: Record<string, unknown> };
    const rest = (o: { config?: Record<string, unknown> | null }) => ({ ...o, config: Object.fromEntries(Object.entries(o.config ?? {}).filter(([k]) => !(k in entries))) });
    if (JSON.stringify(rest(was)) !== JSON.stringify(rest(now)) || Object.entries(entries).some(([k, v]) => now.config?.[k] !== v.value)) return false;
    tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, after, { mode });
    fs.renameSync(tmp, file);
    tmp = undefined;
    return true;
  } catch {
    return false;
  } finally {
    if (tmp) fs.rmSync(tmp, { force: true });
  }
}
