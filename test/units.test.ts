import { describe, expect, it } from "vitest";
import { formatBytes, jvmSize, k8sMemory, parseCpu, parseMemory } from "../components/core/units";
import { requireDnsLabel } from "../components/core/names";

const MiB = 1024 * 1024;

describe("parseMemory", () => {
  it.each([
    ["512Mi", 512 * MiB],
    ["1Gi", 1024 * MiB],
    ["1.5Gi", 1536 * MiB],
    ["384m", 384 * MiB],
    ["2g", 2048 * MiB],
    ["1G", 1e9],
    ["500M", 5e8],
    ["64Ki", 64 * 1024],
  ])("reads %s", (text, bytes) => {
    expect(parseMemory("f", text)).toBe(bytes);
  });

  it("accepts a byte count", () => expect(parseMemory("f", 1048576)).toBe(MiB));

  it.each(["", "lots", "512 MB", "-1Gi", "1.2.3Gi", "Gi"])("rejects %j with the field name and a fix", (text) => {
    expect(() => parseMemory("lab:services.spark.workerMemory", text)).toThrow(
      /^lab:services\.spark\.workerMemory: cannot read .* as a memory size\. Use a size such as "512Mi"/,
    );
  });

  it("rejects zero", () => expect(() => parseMemory("x.heap", "0Mi")).toThrow(/^x\.heap: memory must be more than 0/));
  it("rejects negative numbers", () => expect(() => parseMemory("x.heap", -5)).toThrow(/^x\.heap: cannot read -5/));
});

describe("parseCpu", () => {
  it.each([["250m", 250], ["1", 1000], ["0.5", 500], [2, 2000]])("reads %j", (v, m) => expect(parseCpu("c", v)).toBe(m));
  it.each(["", "fast", "0", "-1"])("rejects %j", (v) => expect(() => parseCpu("lab:cpu", v)).toThrow(/^lab:cpu: cannot read/));
});

describe("formatting", () => {
  it("renders Kubernetes, JVM and human sizes", () => {
    expect(k8sMemory(384 * MiB)).toBe("384Mi");
    expect(k8sMemory(384 * MiB + 1)).toBe("385Mi");
    expect(jvmSize(160 * MiB)).toBe("160m");
    expect(formatBytes(3.5 * 1024 * MiB)).toBe("3.5 GiB");
    expect(formatBytes(640 * MiB)).toBe("640 MiB");
  });
});

describe("requireDnsLabel", () => {
  it("accepts lab names", () => expect(requireDnsLabel("lab:name", "bigdata-m2")).toBe("bigdata-m2"));
  it.each(["Alice", "2fast", "a_b", "ends-", "x".repeat(41), "a.b"])("rejects %j", (v) => {
    expect(() => requireDnsLabel("lab:name", v)).toThrow(/^lab:name: ".*" is not a DNS label\. Use at most 40 lower-case letters/);
  });
  it("rejects a missing value", () => expect(() => requireDnsLabel("lab:name", undefined)).toThrow(/^lab:name: is missing\./));
});
