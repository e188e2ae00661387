import { LabConfigError } from "../core/errors";
import { canonicalCidr, contains, DOCUMENTATION_RANGES, isPrivate, parseCidr, vpcLayout } from "./cidr";

/**
 * Validators of the `lab:aws.*` settings that need more than a type check.
 * Each throws one {@link LabConfigError} line naming the field and the fix,
 * before any resource exists.
 */

/** Smallest and largest VPC blocks the class network accepts. */
export const VPC_PREFIX = { min: 16, max: 20 } as const;

/** EKS accepts at most this many public access CIDRs per cluster. */
export const MAX_PUBLIC_ACCESS_CIDRS = 40;

const SET_CIDRS = "pulumi config set --path 'lab:aws.publicAccessCidrs[0]' <your public IP>/32";

/** `lab:aws.region`: an AWS region name such as eu-west-1. */
export function checkRegion(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value)) {
    throw new LabConfigError("lab:aws.region", `${JSON.stringify(value)} is not an AWS region name`, "Use e.g. eu-west-1 or us-east-1");
  }
  return value;
}

/**
 * `lab:aws.instanceType`: an EC2 type name of an x86 family. Arm (Graviton)
 * types are refused because the lab images are built for amd64.
 */
export function checkInstanceType(value: string): string {
  const field = "lab:aws.instanceType";
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value)) throw new LabConfigError(field, `${JSON.stringify(value)} is not an EC2 instance type`, "Use e.g. t3.xlarge or m6i.xlarge");
  if (/^[a-z]+\d+[a-z]*g[a-z]*\./.test(value)) {
    throw new LabConfigError(field, `${value} is an Arm (Graviton) type and the lab images are built for amd64`, "Use an x86 type such as t3.xlarge or m6i.xlarge");
  }
  return value;
}

/**
 * `lab:aws.vpcCidr`: a private IPv4 network address from /16 to /20, which
 * {@link vpcLayout} splits into the four subnets.
 */
export function checkVpcCidr(value: unknown): string {
  const field = "lab:aws.vpcCidr";
  const fix = "Use e.g. 10.40.0.0/16";
  if (typeof value !== "string") throw new LabConfigError(field, `expected an IPv4 CIDR, got ${JSON.stringify(value)}`, fix);
  const c = parseCidr(value);
  if (c === "syntax") throw new LabConfigError(field, `${JSON.stringify(value)} is not an IPv4 CIDR (a.b.c.d/n)`, fix);
  if (c === "host-bits") throw new LabConfigError(field, `${value} has bits set beyond its prefix`, `Use its network address ${canonicalCidr(value)}`);
  if (c.prefix < VPC_PREFIX.min || c.prefix > VPC_PREFIX.max) {
    throw new LabConfigError(field, `${value}: AWS VPCs and the four class subnets need a block from /${VPC_PREFIX.min} to /${VPC_PREFIX.max} (got /${c.prefix})`, fix);
  }
  if (!isPrivate(c)) throw new LabConfigError(field, `${value} is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)`, fix);
  vpcLayout(value); // always fits from /16 to /20; throws if that ever changes
  return value;
}

/**
 * `lab:aws.publicAccessCidrs`: who may reach the cluster's public API
 * endpoint. Required: nothing opens the API to the internet by default. Each
 * entry must be a public IPv4 network address; `0.0.0.0/0` is accepted only
 * when written out (the API still requires IAM authentication).
 */
export function checkPublicAccessCidrs(value: unknown): string[] {
  const field = "lab:aws.publicAccessCidrs";
  if (value === undefined) {
    throw new LabConfigError(field, "is missing for the aws target (the API endpoint is not opened to any address by default)", `List the public addresses you run pulumi and kubectl from, e.g. \`${SET_CIDRS}\``);
  }
  if (!Array.isArray(value)) throw new LabConfigError(field, `must be a list of CIDRs, got ${JSON.stringify(value)}`, `Write it as a YAML list, e.g. ["<your public IP>/32"]`);
  if (value.length === 0) throw new LabConfigError(field, "is empty, so no one could reach the API to deploy the labs", `List at least one public address, e.g. \`${SET_CIDRS}\``);
  if (value.length > MAX_PUBLIC_ACCESS_CIDRS) throw new LabConfigError(field, `lists ${value.length} CIDRs; EKS accepts at most ${MAX_PUBLIC_ACCESS_CIDRS}`, "Merge them into wider blocks");
  return value.map((v, i) => {
    const at = `${field}[${i}]`;
    const fix = "Use a public address range such as <your public IP>/32";
    if (typeof v !== "string") throw new LabConfigError(at, `expected a CIDR, got ${JSON.stringify(v)}`, fix);
    const c = parseCidr(v);
    if (c === "syntax") throw new LabConfigError(at, `${JSON.stringify(v)} is not an IPv4 CIDR (a.b.c.d/n)`, fix);
    if (c === "host-bits") throw new LabConfigError(at, `${v} has bits set beyond its prefix`, `Use its network address ${canonicalCidr(v)}`);
    if (c.prefix > 0 && isPrivate(c)) {
      throw new LabConfigError(at, `${v} is a private range, which the public endpoint never sees (nodes and the VPC use the private endpoint)`, "List your network's public address instead");
    }
    if (DOCUMENTATION_RANGES.some((d) => contains(d, c))) {
      throw new LabConfigError(at, `${v} is a documentation example range (RFC 5737), not a real network`, "Replace it with the public address range you run pulumi and kubectl from");
    }
    return v;
  });
}
