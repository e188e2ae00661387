import { describe, expect, it } from "vitest";
import { formatBytes, jvmSize, k8sMemory, kubeCpuMillis, kubeMemoryBytes, kubeQuantity, parseCpu, parseMemory } from "../components/core/units";
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

describe("quantities the cluster reports", () => {
  it("reads CPU in millicores and memory in bytes, binary and decimal", () => {
    expect(kubeCpuMillis("2")).toBe(2000);
    expect(kubeCpuMillis("1500m")).toBe(1500);
    expect(kubeCpuMillis("0.25")).toBe(250);
    expect(kubeCpuMillis("250000000n")).toBe(250);
    expect(kubeMemoryBytes("24564816Ki")).toBe(24564816 * 1024);
    expect(kubeMemoryBytes("1Gi")).toBe(2 ** 30);
    expect(kubeMemoryBytes("500M")).toBe(5e8);
    expect(kubeMemoryBytes("1e3")).toBe(1000);
    expect(kubeMemoryBytes("2Pi")).toBe(2 * 2 ** 50);
  });

  it("takes m as milli, as the API server writes it, not as a lab setting's MiB", () => {
    expect(kubeQuantity("1500m")).toBe(1.5);
    expect(kubeMemoryBytes("1500m")).toBe(2);
    expect(parseMemory("x", "1500m")).toBe(1500 * 2 ** 20);
  });

  it("reads counts, and nothing that is not a quantity", () => {
    expect(kubeQuantity("10")).toBe(10);
    expect(kubeQuantity("1k")).toBe(1000);
    for (const q of ["", "Gi", "1 G", "1g", "1GB", "abc", "1.2.3"]) expect(kubeQuantity(q)).toBeNaN();
  });
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
