/**
 * IPv4 CIDR arithmetic for the class cluster's network: parse, validate and
 * carve subnets. Pure: addresses are unsigned 32-bit numbers, never split
 * strings.
 */

/** An IPv4 block: its first address (as an unsigned 32-bit number) and prefix length. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** Why a string is not a usable CIDR; undefined when it parses. */
export type CidrProblem = "syntax" | "host-bits";

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The netmask of a prefix length, as an unsigned 32-bit number. */
function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses `a.b.c.d/n`. Returns the problem instead of throwing: `syntax` for
 * anything that is not four octets 0-255 and a prefix 0-32, `host-bits` when
 * bits beyond the prefix are set (`10.40.1.0/16`; AWS wants the network address).
 */
export function parseCidr(text: string): Cidr | CidrProblem {
  const m = CIDR_RE.exec(text.trim());
  if (!m) return "syntax";
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return "syntax";
  if (m.slice(1, 5).some((o) => o.length > 1 && o.startsWith("0"))) return "syntax";
  const address = octets.reduce((acc, o) => (acc * 256 + o) >>> 0, 0);
  if ((address & ~mask(prefix)) >>> 0 !== 0) return "host-bits";
  return { base: address, prefix };
}

/** The network address `text` would have with its host bits cleared (for "did you mean"), or undefined when it does not parse at all. */
export function canonicalCidr(text: string): string | undefined {
  const m = CIDR_RE.exec(text.trim());
  if (!m) return undefined;
  const prefix = Number(m[5]);
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => (acc * 256 + o) >>> 0, 0);
  return formatCidr({ base: (address & mask(prefix)) >>> 0, prefix });
}

/** `a.b.c.d/n` of a block. */
export function formatCidr(c: Cidr): string {
  const b = c.base;
  return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${c.prefix}`;
}

/** Number of addresses in a block. */
export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when `inner` lies entirely within `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.base & mask(outer.prefix)) >>> 0 === outer.base;
}

/** True when two blocks share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/**
 * The `index`-th block of length `prefix` inside `parent` (Terraform's
 * `cidrsubnet(parent, prefix - parent.prefix, index)`). Throws when the
 * prefix is shorter than the parent's or the index does not fit.
 */
export function subnet(parent: Cidr, prefix: number, index: number): Cidr {
  if (prefix < parent.prefix || prefix > 32) throw new RangeError(`/${prefix} is not inside /${parent.prefix}`);
  const count = 2 ** (prefix - parent.prefix);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`${formatCidr(parent)} has ${count} blocks of /${prefix}, not ${index + 1}`);
  return { base: (parent.base + index * 2 ** (32 - prefix)) >>> 0, prefix };
}

/** The private IPv4 ranges of RFC 1918. */
export const PRIVATE_RANGES: readonly Cidr[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((t) => parseCidr(t) as Cidr);

/** Documentation-only ranges of RFC 5737 (example addresses, never a real network). */
export const DOCUMENTATION_RANGES: readonly Cidr[] = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"].map((t) => parseCidr(t) as Cidr);

/** True when the block lies within an RFC 1918 private range. */
export function isPrivate(c: Cidr): boolean {
  return PRIVATE_RANGES.some((r) => contains(r, c));
}

/** The four subnets of the class VPC, two per availability zone. */
export interface VpcLayout {
  readonly vpc: string;
  /** One per AZ, for the nodes (and, with the VPC CNI, their pods' addresses): each a quarter of the VPC. */
  readonly private: readonly [string, string];
  /** One per AZ, for the NAT gateway and internet-facing load balancers: each a sixteenth of the VPC, in its third quarter. */
  readonly public: readonly [string, string];
}

/**
 * Carves the VPC: the first two quarters are the private subnets (the pods
 * take their addresses from them), blocks 8 and 9 of sixteen the public ones;
 * the rest stays free. A /16 gives 2 × /18 private and 2 × /20 public, a /20
 * gives 2 × /22 and 2 × /24. Throws for a block it cannot split this way
 * (validate with `checkVpcCidr` first).
 */
export function vpcLayout(vpcCidr: string): VpcLayout {
  const vpc = parseCidr(vpcCidr);
  if (typeof vpc === "string" || vpc.prefix > 24) throw new RangeError(`${vpcCidr} is not a VPC block this layout can split`);
  const quarter = vpc.prefix + 2;
  const sixteenth = vpc.prefix + 4;
  return {
    vpc: formatCidr(vpc),
    private: [formatCidr(subnet(vpc, quarter, 0)), formatCidr(subnet(vpc, quarter, 1))],
    public: [formatCidr(subnet(vpc, sixteenth, 8)), formatCidr(subnet(vpc, sixteenth, 9))],
  };
}
