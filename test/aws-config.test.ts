import { describe, expect, it } from "vitest";
import { parseLabConfig } from "../components/config/schema";
import { manifest } from "./helpers/fixtures";

const MINE = ["81.2.69.0/24"];
const parse = (aws: Record<string, unknown>) => parseLabConfig({ module: 3, target: "aws", students: ["alice"], aws: { region: "eu-west-1", publicAccessCidrs: MINE, ...aws } }, manifest);

/** The error a parse throws (or undefined). */
function errorOf(aws: Record<string, unknown>): Error | undefined {
  try {
    parse(aws);
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

describe("lab:aws settings that are accepted", () => {
  it("fills the defaults and keeps the public access CIDRs", () => {
    expect(parse({}).aws).toEqual({ region: "eu-west-1", nodeCount: 2, instanceType: "t3.xlarge", kubernetesVersion: "1.33", vpcCidr: "10.40.0.0/16", publicAccessCidrs: MINE });
  });

  it.each(["10.40.0.0/16", "10.255.240.0/20", "172.16.0.0/16", "172.31.0.0/18", "192.168.0.0/16", "192.168.64.0/19"])("vpcCidr %s", (vpcCidr) => {
    expect(parse({ vpcCidr }).aws!.vpcCidr).toBe(vpcCidr);
  });

  it("accepts several public ranges, and 0.0.0.0/0 when it is written out", () => {
    expect(parse({ publicAccessCidrs: ["81.2.69.0/24", "2.16.0.0/13", "52.95.110.1/32"] }).aws!.publicAccessCidrs).toHaveLength(3);
    expect(parse({ publicAccessCidrs: ["0.0.0.0/0"] }).aws!.publicAccessCidrs).toEqual(["0.0.0.0/0"]);
  });

  it("does not ask for aws settings on other targets", () => {
    expect(parseLabConfig({ module: 2, target: "kubernetes" }, manifest).aws).toBeUndefined();
  });
});

describe("lab:aws settings that are refused, with one line naming the field and the fix", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["vpcCidr too small", { vpcCidr: "10.40.0.0/24" }, /^lab:aws\.vpcCidr: 10\.40\.0\.0\/24: AWS VPCs and the four class subnets need a block from \/16 to \/20 \(got \/24\)\. Use e\.g\. 10\.40\.0\.0\/16$/],
    ["vpcCidr too large", { vpcCidr: "10.0.0.0/8" }, /^lab:aws\.vpcCidr: .*\(got \/8\)\. Use e\.g\. 10\.40\.0\.0\/16$/],
    ["vpcCidr public", { vpcCidr: "8.8.0.0/16" }, /^lab:aws\.vpcCidr: 8\.8\.0\.0\/16 is not in a private range .*\. Use e\.g\. 10\.40\.0\.0\/16$/],
    ["vpcCidr just outside 172.16/12", { vpcCidr: "172.32.0.0/16" }, /^lab:aws\.vpcCidr: 172\.32\.0\.0\/16 is not in a private range/],
    ["vpcCidr host bits", { vpcCidr: "10.40.8.0/16" }, /^lab:aws\.vpcCidr: 10\.40\.8\.0\/16 has bits set beyond its prefix\. Use its network address 10\.40\.0\.0\/16$/],
    ["vpcCidr octet string", { vpcCidr: "10.40/16" }, /^lab:aws\.vpcCidr: "10\.40\/16" is not an IPv4 CIDR \(a\.b\.c\.d\/n\)\. Use e\.g\. 10\.40\.0\.0\/16$/],
    ["vpcCidr octet > 255", { vpcCidr: "10.300.0.0/16" }, /^lab:aws\.vpcCidr: "10\.300\.0\.0\/16" is not an IPv4 CIDR/],
    ["vpcCidr not a string", { vpcCidr: 16 }, /^lab:aws\.vpcCidr: expected string, got 16/],
    ["publicAccessCidrs missing", { publicAccessCidrs: undefined }, /^lab:aws\.publicAccessCidrs: is missing for the aws target \(the API endpoint is not opened to any address by default\)\. List the public addresses/],
    ["publicAccessCidrs empty", { publicAccessCidrs: [] }, /^lab:aws\.publicAccessCidrs: is empty, so no one could reach the API/],
    ["publicAccessCidrs a string", { publicAccessCidrs: "81.2.69.0/24" }, /^lab:aws\.publicAccessCidrs: must be a list of CIDRs, got "81\.2\.69\.0\/24"\. Write it as a YAML list/],
    ["publicAccessCidrs private", { publicAccessCidrs: ["81.2.69.0/24", "10.0.0.0/8"] }, /^lab:aws\.publicAccessCidrs\[1\]: 10\.0\.0\.0\/8 is a private range, .*\. List your network's public address instead$/],
    ["publicAccessCidrs example range", { publicAccessCidrs: ["203.0.113.0/24"] }, /^lab:aws\.publicAccessCidrs\[0\]: 203\.0\.113\.0\/24 is a documentation example range \(RFC 5737\)/],
    ["publicAccessCidrs host bits", { publicAccessCidrs: ["81.2.69.7/24"] }, /^lab:aws\.publicAccessCidrs\[0\]: 81\.2\.69\.7\/24 has bits set beyond its prefix\. Use its network address 81\.2\.69\.0\/24$/],
    ["publicAccessCidrs no prefix", { publicAccessCidrs: ["81.2.69.7"] }, /^lab:aws\.publicAccessCidrs\[0\]: "81\.2\.69\.7" is not an IPv4 CIDR/],
    ["publicAccessCidrs not strings", { publicAccessCidrs: [42] }, /^lab:aws\.publicAccessCidrs\[0\]: expected a CIDR, got 42/],
    ["publicAccessCidrs too many", { publicAccessCidrs: Array.from({ length: 41 }, (_, i) => `81.2.${i}.0/24`) }, /^lab:aws\.publicAccessCidrs: lists 41 CIDRs; EKS accepts at most 40/],
    ["region not a region", { region: "Ireland" }, /^lab:aws\.region: "Ireland" is not an AWS region name\. Use e\.g\. eu-west-1/],
    ["Graviton instance", { instanceType: "m7g.xlarge" }, /^lab:aws\.instanceType: m7g\.xlarge is an Arm \(Graviton\) type and the lab images are built for amd64\. Use an x86 type/],
    ["instance type typo", { instanceType: "t3xlarge" }, /^lab:aws\.instanceType: "t3xlarge" is not an EC2 instance type/],
  ];
  it.each(cases)("%s", (_label, aws, message) => {
    const error = errorOf(aws);
    expect(error?.name).toBe("LabConfigError");
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("\n");
  });

  it("accepts x86 instance types the Graviton check must not catch", () => {
    for (const instanceType of ["t3.xlarge", "m6i.2xlarge", "m6a.xlarge", "g4dn.xlarge", "r5dn.large", "c6in.xlarge"]) expect(parse({ instanceType }).aws!.instanceType).toBe(instanceType);
    for (const instanceType of ["t4g.large", "c7gn.xlarge", "m6gd.xlarge", "g5g.xlarge"]) expect(errorOf({ instanceType })?.message).toMatch(/Graviton/);
  });
});
