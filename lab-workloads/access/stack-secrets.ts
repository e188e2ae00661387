/**
 * A stack's secrets without a CLI run: its encrypted settings and the secret
 * outputs in its state file, opened with a key derived once per process
 * (see passphrase-crypter). Anything not in the formats known here answers
 * undefined, and the caller asks the CLI, so a miss costs one CLI run only.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { checkedKey, decryptValue, encryptValue, newPassphraseKey, PassphraseKey, passphraseKey } from "./passphrase-crypter";
import { stackConfigFile, stackEncryptionSalt } from "./stack-settings";
import { labsDir, passphrase, passphraseFile, PROJECT_ROOT } from "./checkout";
import { createFileWhole } from "./new-file";
import type { ConfigMap } from "@pulumi/pulumi/automation";

/** How the state marks a secret value: `{ [SECRET_SIG_KEY]: SECRET_SIG, ciphertext }`. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const keys = new Map<string, Promise<PassphraseKey | undefined>>();

/**
 * Where the keys made from checkout `root`'s own passphrase file are kept
 * (`.labs/passphrase-keys.json`, mode 0600, beside that file): whoever can
 * read one can read the passphrase, so the file gives away nothing more, and
 * no later command derives a key it has seen (0.3 s of CPU). Undefined for any
 * other passphrase, such as one given in PULUMI_CONFIG_PASSPHRASE: it is not
 * on disk, and no key made from it is written there either.
 */
function keyFile(root: string, text: string): string | undefined {
  if (process.env["PULUMI_CONFIG_PASSPHRASE"] !== undefined) return undefined;
  try {
    return fs.readFileSync(passphraseFile(root), "utf8").trim() === text ? path.join(labsDir(root), "passphrase-keys.json") : undefined;
  } catch {
    return undefined;
  }
}

/** The keys kept in `file` that open their salt's check (others are ignored), newest first. */
function keptKeys(file: string | undefined): PassphraseKey[] {
  if (!file) return [];
  try {
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { keys?: { salt?: unknown; key?: unknown }[] };
    return (doc.keys ?? []).flatMap((k) => (typeof k.salt === "string" && typeof k.key === "string" ? [checkedKey(k.salt, Buffer.from(k.key, "base64"))] : [])).filter((k): k is PassphraseKey => k !== undefined);
  } catch {
    return [];
  }
}

/** Adds `key` to `file` (written whole, then renamed; a lost race only costs a later derivation). */
function keepKey(file: string | undefined, key: PassphraseKey): void {
  if (!file) return;
  const kept = [key, ...keptKeys(file).filter((k) => k.salt !== key.salt)].slice(0, 16);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify({ keys: kept.map((k) => ({ salt: k.salt, key: k.key.toString("base64") })) }, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * The key of a passphrase salt: kept from an earlier command (see keyFile), or
 * derived once per process in the background (start it early) and kept.
 */
export function stackKey(passphrase: string, salt: string, root = PROJECT_ROOT): Promise<PassphraseKey | undefined> {
  const id = `${salt}\n${passphrase}`;
  let key = keys.get(id);
  if (!key) {
    const file = keyFile(root, passphrase);
    const kept = keptKeys(file).find((k) => k.salt === salt);
    key = kept
      ? Promise.resolve(kept)
      : passphraseKey(passphrase, salt).then(
          (k) => {
            if (k) keepKey(file, k);
            return k;
          },
          () => undefined,
        );
    keys.set(id, key);
  }
  return key;
}

/** The variable through which the project's CLI takes a stack's key (tools/pulumi-cli/passphrase-key.sh). */
export const CLI_KEY_VARIABLE = "PULUMI_LABS_PASSPHRASE_KEY";

/**
 * The variable that hands the CLI stack `name`'s key, so that it does not
 * derive it again (0.26 s of CPU before the program starts): the key of the
 * stack's salt and the passphrase in `env`, kept or derived as
 * {@link stackKey} does. Empty when the stack has no settings file or salt,
 * `env` no passphrase, or the key cannot be made; the CLI then derives it, and
 * a CLI without the change ignores the variable.
 */
export async function cliKeyEnv(name: string, env: NodeJS.ProcessEnv, root = PROJECT_ROOT): Promise<Record<string, string>> {
  const phrase = env["PULUMI_CONFIG_PASSPHRASE"];
  const salt = stackEncryptionSalt(name, root);
  if (phrase === undefined || !salt) return {};
  const key = await stackKey(phrase, salt, root);
  return key ? { [CLI_KEY_VARIABLE]: key.key.toString("base64") } : {};
}

const fresh = new Map<string, Promise<PassphraseKey>>();

/**
 * The salt and key for the settings file of a new stack `name` of checkout
 * `root`, made once per process (start it early). With the checkout's own
 * passphrase file, the salt of its latest kept key serves every new stack (the
 * stacks share that passphrase anyway, so one key opens no more than another
 * would), and a new stack costs no derivation; otherwise a new salt.
 */
export function freshStackKey(root: string, name: string, passphrase: string): Promise<PassphraseKey> {
  const id = `${root}\n${name}\n${passphrase}`;
  let key = fresh.get(id);
  if (!key) {
    const file = keyFile(root, passphrase);
    const kept = keptKeys(file)[0];
    key = kept
      ? Promise.resolve(kept)
      : newPassphraseKey(passphrase).then((k) => {
          keepKey(file, k);
          return k;
        });
    void key.then((k) => keys.set(`${k.salt}\n${passphrase}`, Promise.resolve(k)), () => undefined);
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
  // Private, and created whole: a reader never sees half a file, and one that exists stays as it is.
  return createFileWhole(stackConfigFile(name, root), doc.toString(), 0o600);
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
  if (salt) void stackKey(passphrase(root), salt, root);
  else if (!fs.existsSync(stackConfigFile(name, root))) freshStackKey(root, name, passphrase(root)).catch(() => undefined);
}
