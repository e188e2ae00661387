import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { LabConfigError } from "./errors";
import { SECRET_SEED_KEY } from "./names";

export { SECRET_SEED_KEY };

/** Fewest characters a seed may have (32 random base64 characters carry 192 bits). */
export const SECRET_SEED_MIN_LENGTH = 32;

/**
 * Checks a `lab:secretSeed` value: one line naming the key and the fix when
 * it is stored in plain text or too short (spaces not counted) to be a
 * random seed.
 */
export function parseSecretSeed(text: string, storedEncrypted = true): string {
  const fix = `Set a random one, encrypted: openssl rand -base64 32 | pulumi config set --secret lab:${SECRET_SEED_KEY} (labctl sets one in every stack it creates)`;
  if (!storedEncrypted) throw new LabConfigError(`lab:${SECRET_SEED_KEY}`, "is stored in plain text in the stack's settings; every lab's credentials can be derived from it", fix);
  if (text.trim().length < SECRET_SEED_MIN_LENGTH) {
    throw new LabConfigError(
      `lab:${SECRET_SEED_KEY}`,
      `is ${text.trim().length} characters (spaces not counted); a seed needs at least ${SECRET_SEED_MIN_LENGTH}`,
      fix,
    );
  }
  return text;
}

/**
 * A secret of `length` characters (letters, digits, '-' and '_', as a
 * RandomSecret's) derived from the seed and a label with HKDF-SHA256: the
 * same seed and label give the same value, and knowing one lab's values says
 * nothing about another label's or the seed. Pure.
 */
export function deriveSecretValue(seed: string, label: string, length = 32): string {
  if (!Number.isInteger(length) || length < 16 || length > 128) throw new Error(`derived secret ${label}: length must be an integer from 16 to 128 (got ${length})`);
  const bytes = Math.ceil((length * 3) / 4) + 3;
  return Buffer.from(crypto.hkdfSync("sha256", seed, Buffer.alloc(0), `bigdata-labs/${label}`, bytes)).toString("base64url").slice(0, length);
}

/** {@link deriveSecretValue} of a seed held as a Pulumi secret; the result is a secret too. */
export function derivedSecret(seed: pulumi.Output<string>, label: string, length = 32): pulumi.Output<string> {
  return pulumi.secret(seed.apply((s) => deriveSecretValue(s, label, length)));
}
