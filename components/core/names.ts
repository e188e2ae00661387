import { LabConfigError } from "./errors";

/** The stack setting (a Pulumi secret) the labs' credentials are derived from: `lab:secretSeed`. */
export const SECRET_SEED_KEY = "secretSeed";

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks that `value` is an RFC 1123 DNS label that starts with a letter (it
 * becomes a namespace, container-name prefix and host name) and returns it.
 * `maxLength` leaves room for the suffixes a lab appends.
 */
export function requireDnsLabel(field: string, value: unknown, maxLength = 40): string {
  if (value === undefined || value === null || value === "") {
    throw new LabConfigError(field, "is missing", 'Set it to a short lower-case name such as "alice"');
  }
  if (typeof value !== "string") {
    throw new LabConfigError(field, `expected a name, got ${JSON.stringify(value)}`, 'Set it to a short lower-case name such as "alice" (quote it in YAML)');
  }
  if (!DNS_LABEL.test(value) || value.length > maxLength) {
    throw new LabConfigError(
      field,
      `"${value}" is not a DNS label`,
      `Use at most ${maxLength} lower-case letters, digits and '-', starting with a letter and not ending with '-'`,
    );
  }
  return value;
}
