/**
 * A stack's secrets without a CLI run: its encrypted settings and the secret
 * outputs in its state file, opened with a key derived once per process
 * (see passphrase-crypter). Anything not in the formats known here answers
 * undefined, and the caller asks the CLI, so a miss costs one CLI run only.
 */
import * as fs from "fs";
import * as YAML from "yaml";
import { decryptValue, encryptValue, newPassphraseKey, PassphraseKey, passphraseKey } from "./passphrase-crypter";
import { stackConfigFile, stackEncryptionSalt } from "./stack-settings";
import { passphrase, PROJECT_ROOT } from "./checkout";
import type { ConfigMap } from "@pulumi/pulumi/automation";

/** How the state marks a secret value: `{ [SECRET_SIG_KEY]: SECRET_SIG, ciphertext }`. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const keys = new Map<string, Promise<PassphraseKey | undefined>>();

/** The key of a passphrase salt, derived once per process (in the background: start it early). */
export function stackKey(passphrase: string, salt: string): Promise<PassphraseKey | undefined> {
  const id = `${salt}\n${passphrase}`;
  let key = keys.get(id);
  if (!key) {
    key = passphraseKey(passphrase, salt).catch(() => undefined);
    keys.set(id, key);
  }
  return key;
}

const fresh = new Map<string, Promise<PassphraseKey>>();

/** A new salt and key for the settings file of stack `name` of checkout `root`, made once per process (start it early). */
export function freshStackKey(root: string, name: string, passphrase: string): Promise<PassphraseKey> {
  const id = `${root}\n${name}\n${passphrase}`;
  let key = fresh.get(id);
  if (!key) {
    key = newPassphraseKey(passphrase).then((k) => {
      keys.set(`${k.salt}\n${passphrase}`, Promise.resolve(k));
      return k;
    });
    fresh.set(id, key);
  }
  return key;
}

/**
 * Creates the settings file of a stack that has none, as `pulumi stack
 * init` and `pulumi config set` would leave it: `key`'s salt, plain
 * `entries` and encrypted `secrets`. `pulumi stack init` then keeps the
 * salt. Returns false, having written nothing, when the file exists.
 */
export function createStackSettings(name: string, root: string, key: PassphraseKey, entries: ConfigMap, secrets: Readonly<Record<string, string>>): boolean {
  const doc = new YAML.Document({ encryptionsalt: key.salt, config: {} });
  for (const [k, v] of Object.entries(entries)) doc.setIn(["config", k], v.value);
  for (const [k, v] of Object.entries(secrets)) doc.setIn(["config", k], { secure: encryptValue(key.key, v) });
  // Written whole to a private temporary file, then linked in place: a reader never sees half a
  // file, and the link fails (changing nothing) when the file exists.
  const file = stackConfigFile(name, root);
  const tmp = `${file}.${process.pid}.new`;
  try {
    fs.writeFileSync(tmp, doc.toString(), { flag: "wx", mode: 0o600 });
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Whether `value` (from a state file) holds a secret anywhere. */
export function holdsSecret(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value === null || typeof value !== "object") return false;
  return SIG_KEY in value || Object.values(value).some(holdsSecret);
}

/**
 * `value` from a state file with its secrets opened, as `pulumi stack output
 * --show-secrets --json` prints it; undefined when a secret does not open
 * with `key` or the value holds another kind of special object (an asset, a
 * resource reference).
 */
export function revealSecrets(value: unknown, key: Buffer | undefined): unknown {
  if (Array.isArray(value)) {
    const out = value.map((v) => revealSecrets(v, key));
    return out.includes(undefined) ? undefined : out;
  }
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  if (SIG_KEY in obj) {
    if (obj[SIG_KEY] !== SECRET_SIG || typeof obj["ciphertext"] !== "string" || !key) return undefined;
    const plain = decryptValue(key, obj["ciphertext"]);
    if (plain === undefined) return undefined;
    try {
      return revealSecrets(JSON.parse(plain), key);
    } catch {
      return undefined;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const r = revealSecrets(v, key);
    // A key `__proto__` would set the object's prototype here: leave such an output to the CLI.
    if (r === undefined || k === "__proto__") return undefined;
    out[k] = r;
  }
  return out;
}

/**
 * Starts deriving, in the background, the passphrase key a command on stack
 * `name` will need (0.25 s of CPU that then overlaps other work): the key of
 * its settings file's salt, or a new salt's for a stack without settings
 * file (see openLabStack), with the passphrase labctl gives the CLI.
 */
export function prewarmStackKey(name: string, root = PROJECT_ROOT): void {
  const salt = stackEncryptionSalt(name, root);
  if (salt) void stackKey(passphrase(root), salt);
  else if (!fs.existsSync(stackConfigFile(name, root))) freshStackKey(root, name, passphrase(root)).catch(() => undefined);
}
