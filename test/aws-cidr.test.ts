import { describe, expect, it } from "vitest";
import { canonicalCidr, contains, formatCidr, isPrivate, overlaps, parseCidr, size, subnet, vpcLayout, Cidr } from "../components/aws/cidr";

const c = (text: string) => {
  const parsed = parseCidr(text);
  if (typeof parsed === "string") throw new Error(`${text}: ${parsed}`);
  return parsed;
};

describe("parseCidr / formatCidr", () => {
  it("reads network addresses as unsigned 32-bit numbers and writes them back", () => {
    expect(c("10.40.0.0/16")).toEqual({ base: 0x0a280000, prefix: 16 });
    expect(c("255.255.255.255/32")).toEqual({ base: 0xffffffff, prefix: 32 });
    expect(c("0.0.0.0/0")).toEqual({ base: 0, prefix: 0 });
    for (const t of ["10.40.0.0/16", "192.168.240.0/20", "172.31.255.0/24", "0.0.0.0/0", "255.255.255.255/32"]) expect(formatCidr(c(t))).toBe(t);
  });

  it("names what is wrong instead of throwing", () => {
    for (const bad of ["10.40.0/16", "10.40.0.0", "10.40.0.256/16", "10.40.0.0/33", "a.b.c.d/8", "10.040.0.0/16", "10.40.0.0/16 x", ""]) {
      expect(parseCidr(bad), bad).toBe("syntax");
    }
    expect(parseCidr("10.40.1.0/16")).toBe("host-bits");
    expect(parseCidr("192.168.1.1/24")).toBe("host-bits");
    expect(canonicalCidr("10.40.1.7/16")).toBe("10.40.0.0/16");
    expect(canonicalCidr("nonsense")).toBeUndefined();
  });
});

describe("subnet arithmetic", () => {
  it("carves the n-th block like Terraform's cidrsubnet", () => {
    const vpc = c("10.40.0.0/16");
    expect(formatCidr(subnet(vpc, 18, 0))).toBe("10.40.0.0/18");
    expect(formatCidr(subnet(vpc, 18, 3))).toBe("10.40.192.0/18");
    expect(formatCidr(subnet(vpc, 20, 9))).toBe("10.40.144.0/20");
    expect(formatCidr(subnet(c("192.168.0.0/16"), 24, 255))).toBe("192.168.255.0/24");
    expect(formatCidr(subnet(c("255.255.0.0/16"), 17, 1))).toBe("255.255.128.0/17"); // no sign overflow
    expect(() => subnet(vpc, 18, 4)).toThrow(/has 4 blocks of \/18, not 5/);
    expect(() => subnet(vpc, 15, 0)).toThrow(/not inside/);
  });

  it("knows containment, overlap, size and private ranges", () => {
    expect(contains(c("10.0.0.0/8"), c("10.40.0.0/16"))).toBe(true);
    expect(contains(c("10.40.0.0/16"), c("10.0.0.0/8"))).toBe(false);
    expect(overlaps(c("10.40.0.0/16"), c("10.0.0.0/8"))).toBe(true);
    expect(overlaps(c("10.40.0.0/18"), c("10.40.64.0/18"))).toBe(false);
    expect(size(c("10.40.0.0/20"))).toBe(4096);
    expect(isPrivate(c("172.16.0.0/12"))).toBe(true);
    expect(isPrivate(c("172.32.0.0/16"))).toBe(false);
    expect(isPrivate(c("192.168.16.0/20"))).toBe(true);
    expect(isPrivate(c("100.64.0.0/16"))).toBe(false);
  });
});

describe("vpcLayout", () => {
  it("gives two private quarters and two public sixteenths for a /16", () => {
    expect(vpcLayout("10.40.0.0/16")).toEqual({
      vpc: "10.40.0.0/16",
      private: ["10.40.0.0/18", "10.40.64.0/18"],
      public: ["10.40.128.0/20", "10.40.144.0/20"],
    });
  });

  it("does not split octets: a /20 that starts mid-octet works", () => {
    expect(vpcLayout("172.20.48.0/20")).toEqual({
      vpc: "172.20.48.0/20",
      private: ["172.20.48.0/22", "172.20.52.0/22"],
      public: ["172.20.56.0/24", "172.20.57.0/24"],
    });
  });

  it("keeps every subnet inside the VPC and apart from the others, for every size from /16 to /20", () => {
    for (let prefix = 16; prefix <= 20; prefix++) {
      const vpcText = formatCidr(subnet(c("10.0.0.0/8"), prefix, 37));
      const layout = vpcLayout(vpcText);
      const all: Cidr[] = [...layout.private, ...layout.public].map(c);
      for (const s of all) expect(contains(c(vpcText), s), `${formatCidr(s)} in ${vpcText}`).toBe(true);
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i]!, all[j]!)).toBe(false);
      expect(all.map((s) => s.prefix)).toEqual([prefix + 2, prefix + 2, prefix + 4, prefix + 4]);
    }
  });

  it("refuses what it cannot split", () => {
    expect(() => vpcLayout("10.40.0.0/26")).toThrow(RangeError);
    expect(() => vpcLayout("10.40.1.0/16")).toThrow(RangeError);
  });
});
