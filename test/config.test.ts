import { describe, expect, it } from "vitest";
import { labInstances, parseLabConfig } from "../components/config/schema";
import { manifest } from "./helpers/fixtures";

const parse = (raw: Record<string, unknown>) => parseLabConfig(raw, manifest);

describe("parseLabConfig defaults", () => {
  it("fills every default for a module on Docker", () => {
    const cfg = parse({ module: "2" });
    expect(cfg).toMatchObject({ module: 2, target: "docker", name: "bigdata-m2", students: [], hostPortBase: 30000, workspace: true });
    expect(cfg.images.spark).toBe(`bigdata-labs/spark:${manifest.images.spark.tag}`);
    expect(cfg.kubernetes).toEqual({ exposure: "nodePort", quota: true, networkPolicies: true, allowNoIsolation: false, cpuRequestScale: 1 });
  });

  it("accepts module slugs and numbers", () => {
    expect(parse({ module: "streaming" }).module).toBe(4);
    expect(parse({ module: 5 }).module).toBe(5);
    expect(parse({ module: "m3" }).module).toBe(3);
  });

  it("applies the image registry prefix and per-image tags", () => {
    const cfg = parse({ module: 1, images: { registry: "ghcr.io/course/", tags: { dask: "custom" } } });
    expect(cfg.images.dask).toBe("ghcr.io/course/dask:custom");
    expect(cfg.images.minio).toBe(`ghcr.io/course/minio:${manifest.images.minio.tag}`);
  });

  it("exposes nothing on a class cluster by default", () => {
    const cfg = parse({ module: 3, target: "aws", aws: { region: "eu-west-1", publicAccessCidrs: ["81.2.69.0/24"] }, students: ["alice", "bob"] });
    expect(cfg.hostPortBase).toBeUndefined();
    expect(cfg.aws).toEqual({ region: "eu-west-1", nodeCount: 2, instanceType: "t3.xlarge", kubernetesVersion: "1.33", vpcCidr: "10.40.0.0/16", publicAccessCidrs: ["81.2.69.0/24"] });
    expect(labInstances(cfg)).toEqual([{ name: "bigdata-m3-alice", student: "alice" }, { name: "bigdata-m3-bob", student: "bob" }]);
  });

  it("gives each student lab its own port range", () => {
    const cfg = parse({ module: 2, target: "kubernetes", students: ["alice", "bob"], hostPortBase: 30100 });
    expect(labInstances(cfg)).toEqual([
      { name: "bigdata-m2-alice", student: "alice", hostPortBase: 30100 },
      { name: "bigdata-m2-bob", student: "bob", hostPortBase: 30150 },
    ]);
  });

  it("reads students as names or { name, email } entries", () => {
    const cfg = parse({ module: 2, target: "kubernetes", students: ["alice", { name: "bob", email: "bob@example.org" }, { name: "carol" }] });
    expect(cfg.students).toEqual(["alice", "bob", "carol"]);
    expect(cfg.studentEmails).toEqual({ bob: "bob@example.org" });
  });
});

describe("parseLabConfig rejects bad input with one line naming the field and the fix", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["missing module", {}, /^lab:module: is missing\. Set it to a module 1-5/],
    ["unknown module", { module: "7" }, /^lab:module: unknown module "7"\. Use one of 1 \(foundations\), 2 \(spark\)/],
    ["unknown target", { module: 2, target: "podman" }, /^lab:target: unknown target "podman"\. Use "docker", "kubernetes" or "aws"$/],
    ["lab name not a DNS label", { module: 2, name: "My_Lab" }, /^lab:name: "My_Lab" is not a DNS label\./],
    ["student name not a DNS label", { module: 2, target: "kubernetes", students: ["ok", "Bad Name"] }, /^lab:students\[1\]: "Bad Name" is not a DNS label/],
    ["students not a list", { module: 2, students: "alice" }, /^lab:students: must be a list of names/],
    ["duplicate student", { module: 2, target: "kubernetes", students: ["a", "a"] }, /^lab:students: "a" is listed twice/],
    ["duplicate student by entry", { module: 2, target: "kubernetes", students: ["a", { name: "a" }] }, /^lab:students: "a" is listed twice/],
    ["student entry without a name", { module: 2, target: "kubernetes", students: [{ email: "x@example.org" }] }, /^lab:students\[0\]\.name: is missing/],
    ["student e-mail not an address", { module: 2, target: "kubernetes", students: [{ name: "ann", email: "ann at home" }] }, /^lab:students\[0\]\.email: "ann at home" is not an e-mail address/],
    ["shared S3 user in a class", { module: 2, target: "kubernetes", students: ["a", "b"], services: { objectStore: { accessKey: "teacher" } } }, /^lab:services\.objectStore\.accessKey: would give every student of the class the same S3 user/],
    ["CPU request scale out of range", { module: 2, target: "kubernetes", kubernetes: { cpuRequestScale: 0 } }, /^lab:kubernetes\.cpuRequestScale: must be a number from 0\.05 to 1 \(got 0\)/],
    ["network policies not a boolean", { module: 2, target: "kubernetes", kubernetes: { networkPolicies: "yes" } }, /^lab:kubernetes\.networkPolicies: expected boolean/],
    ["too many Docker labs", { module: 2, students: ["a", "b", "c", "d", "e"] }, /^lab:students: 5 labs do not fit one Docker host/],
    ["unknown top-level key", { module: 2, modul: 3 }, /^lab:modul: is not a setting of this project\. Known settings: lab:module/],
    ["host port base out of range", { module: 2, hostPortBase: 80 }, /^lab:hostPortBase: 80 does not leave 50 ports within 1024-65535/],
    ["node port base out of range", { module: 2, target: "kubernetes", hostPortBase: 9000 }, /^lab:hostPortBase: 9000 does not leave 50 ports within 30000-32767\. Use a whole number from 30000/],
    ["host port base not a number", { module: 2, hostPortBase: "lots" }, /^lab:hostPortBase: "lots" does not leave/],
    ["workspace not boolean", { module: 2, workspace: "yes" }, /^lab:workspace: expected true or false, got "yes"/],
    ["unknown service setting", { module: 2, services: { spark: { wrokers: 2 } } }, /^lab:services\.spark: unknown setting "wrokers"\. Known settings: workers, workerCores/],
    ["unknown service", { module: 2, services: { flink: {} } }, /^lab:services: unknown setting "flink"\. Known settings: spark, kafka/],
    ["wrong type of size", { module: 2, services: { spark: { workers: "two" } } }, /^lab:services\.spark\.workers: expected number, got "two"/],
    ["bad exposure", { module: 2, kubernetes: { exposure: "loadBalancer" } }, /^lab:kubernetes\.exposure: must be one of "nodePort", "none"/],
    ["aws without region", { module: 3, target: "aws" }, /^lab:aws\.region: is missing for the aws target/],
    ["aws zero nodes", { module: 3, target: "aws", aws: { region: "eu-west-1", nodeCount: 0 } }, /^lab:aws\.nodeCount: must be a whole number from 1 to 50 \(got 0\)/],
    ["unknown image", { module: 2, images: { tags: { flink: "1" } } }, /^lab:images\.tags\.flink: is not a lab image\. Known images: spark/],
  ];
  it.each(cases)("%s", (_label, raw, message) => {
    let error: Error | undefined;
    try {
      parse(raw);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe("LabConfigError");
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("\n");
  });
});
