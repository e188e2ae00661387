import * as crypto from "crypto";
import { promisify } from "util";

/**
 * Pulumi's passphrase secrets (the local backend's default), read and written
 * in-process: the CLI derives its key anew in every run that touches a secret
 * (PBKDF2-SHA256, 1,000,000 rounds: about 0.25 s of CPU), so each `config
 * set --secret` or `stack output --show-secrets` costs a CLI start and a key.
 * labctl derives the key once, in the background, and reads and writes the
 * same formats:
 * - the salt line of a stack's settings file, `encryptionsalt: v1:<salt>:<check>`,
 *   where `<check>` is the word "pulumi" encrypted with the key;
 * - a value, `v1:<nonce>:<AES-256-GCM ciphertext and tag>`, all base64.
 */
const ROUNDS = 1_000_000;
const KEY_BYTES = 32;
const pbkdf2 = promisify(crypto.pbkdf2);

/** A key made from a passphrase and a stack's salt, checked against the salt's check value. */
export interface PassphraseKey {
  /** The settings file's `encryptionsalt` this key belongs to. */
  readonly salt: string;
  readonly key: Buffer;
}

/**
 * The key of `encryptionsalt` for `passphrase`, or undefined when the salt is
 * not in the passphrase format or the passphrase does not open its check.
 * Derived on libuv's thread pool, so other work goes on meanwhile.
 */
export async function passphraseKey(passphrase: string, encryptionsalt: string): Promise<PassphraseKey | undefined> {
  const m = SALT.exec(encryptionsalt);
  if (!m) return undefined;
  return checkedKey(encryptionsalt, await pbkdf2(passphrase, Buffer.from(m[1]!, "base64"), ROUNDS, KEY_BYTES, "sha256"));
}

/** `encryptionsalt: v1:<salt>:<check>`. */
const SALT = /^v1:([A-Za-z0-9+/=]+):(v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+)$/;

/** `key` as the key of `encryptionsalt` when it opens the salt's check; undefined otherwise. */
export function checkedKey(encryptionsalt: string, key: Buffer): PassphraseKey | undefined {
  const m = SALT.exec(encryptionsalt);
  return m && key.length === KEY_BYTES && decryptValue(key, m[2]!) === "pulumi" ? { salt: encryptionsalt, key } : undefined;
}

/** A new salt and its key, as `pulumi stack init` makes them for a stack without one. */
export async function newPassphraseKey(passphrase: string): Promise<PassphraseKey> {
  const salt = crypto.randomBytes(8);
  const key = await pbkdf2(passphrase, salt, ROUNDS, KEY_BYTES, "sha256");
  return { salt: `v1:${salt.toString("base64")}:${encryptValue(key, "pulumi")}`, key };
}

/** `plaintext` encrypted as the CLI writes a secret. */
export function encryptValue(key: Buffer, plaintext: string): string {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `v1:${nonce.toString("base64")}:${body.toString("base64")}`;
}

/** A value the CLI encrypted, or undefined when it is not in that format or this key does not open it. */
export function decryptValue(key: Buffer, value: string): string | undefined {
  const parts = value.split(":");
  // Strict base64, as Go's decoder reads it (Node's skips what it does not know).
  if (parts.length !== 3 || parts[0] !== "v1" || !parts.slice(1).every((p) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(p))) return undefined;
  const nonce = Buffer.from(parts[1]!, "base64");
  const body = Buffer.from(parts[2]!, "base64");
  if (nonce.length !== 12 || body.length < 16) return undefined;
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
