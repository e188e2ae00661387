import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { estimateClass, kubeReservedCpuMillis, labFootprint, LabFootprint, nodeCapacity } from "../components/aws/capacity";
import { EKS_CONTROL_PLANE_HOURLY, INSTANCE_TYPES, NAT_GATEWAY_HOURLY, PRICES_AS_OF } from "../components/aws/prices";
import { AwsSettings } from "../components/config/schema";
import { ServiceSpec } from "../components/core/spec";
import { CHECK_JOB } from "../components/platform/kubernetes/render";
import { awsClassPreflight, classPreflightFromStack } from "../cli/commands/class-preflight";
import { planModuleLab } from "../cli/lab-args";

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const lab = (over: Partial<LabFootprint> = {}): LabFootprint => ({ cpuRequestMillis: 1000, memoryRequestBytes: 2 * GIB, memoryLimitBytes: 4 * GIB, pods: 6, volumes: 2, ...over });
const input = { lab: lab(), students: 10, nodeCount: 2, instanceType: "t3.xlarge", region: "eu-west-1" };

describe("node capacity (EKS reserved amounts)", () => {
  it("reserves CPU like the EKS AMIs: 6%, 1%, 0.5%, 0.5%, then 0.25% per core", () => {
    expect([1, 2, 4, 8].map(kubeReservedCpuMillis)).toEqual([60, 70, 80, 90]);
  });

  it("takes kube-reserved memory per possible pod and the eviction threshold off the visible memory", () => {
    const n = nodeCapacity(INSTANCE_TYPES["t3.xlarge"]!);
    expect(n.allocatableCpuMillis).toBe(3920);
    // 16 GiB × 0.96 − (255 MiB + 11 MiB × 58 pods) − 100 MiB
    expect(n.allocatableMemoryBytes).toBe(Math.floor(16 * GIB * 0.96 - (255 + 11 * 58 + 100) * MIB));
    const small = nodeCapacity(INSTANCE_TYPES["t3.large"]!);
    expect(small.allocatableMemoryBytes).toBe(Math.floor(8 * GIB * 0.96 - (255 + 11 * 35 + 100) * MIB));
  });
});

describe("labFootprint", () => {
  it("adds the check job's room and counts pods and volumes (per replica for StatefulSets)", () => {
    const w = (name: string, replicas: number, stateful: boolean, volumes: number) => ({ name, replicas, stateful, volumes: Array.from({ length: volumes }, (_, i) => ({ name: `v${i}`, mountPath: `/v${i}`, sizeBytes: GIB })) });
    const specs = [{ workloads: [w("a", 2, true, 2), w("b", 1, false, 1), w("c", 3, false, 0)] }] as unknown as ServiceSpec[];
    const totals = { cpuRequestMillis: 800, cpuLimitMillis: 4000, memoryRequestBytes: GIB, memoryLimitBytes: 3 * GIB };
    expect(labFootprint({ specs, totals })).toEqual({
      cpuRequestMillis: 800 + CHECK_JOB.cpuRequestMillis,
      memoryRequestBytes: GIB + CHECK_JOB.memoryRequestBytes,
      memoryLimitBytes: 3 * GIB + CHECK_JOB.memoryLimitBytes,
      pods: 2 + 1 + 3 + 1,
      volumes: 2 * 2 + 1,
    });
    expect(labFootprint({ specs, totals }, 0.25).cpuRequestMillis).toBe(200 + CHECK_JOB.cpuRequestMillis);
  });
});

describe("estimateClass", () => {
  it("counts labs per node, the add-on node, nodes needed and both prices", () => {
    const e = estimateClass(input);
    expect(e).toMatchObject({ labs: 10, labsPerNode: 3, labsOnAddonNode: 3, limitedBy: "cpu", capacity: 6, fits: false, nodesNeeded: 4 });
    expect(e.hourly).toMatchObject({ nodes: 0.3648, controlPlane: 0.1, natGateway: 0.048, total: 0.5128, currency: "USD" });
    expect(e.hourly!.source).toContain(PRICES_AS_OF);
    expect(e.hourlyNeeded!.total).toBeCloseTo(4 * 0.1824 + 0.1 + 0.048, 6);
    expect(e.reasons).toEqual(["10 labs need 4 t3.xlarge nodes, 2 configured (cpu runs out first); set lab:aws.nodeCount to 4"]);
  });

  it("says GO-sized when the class fits, with no second price", () => {
    const e = estimateClass({ ...input, students: 5 });
    expect(e).toMatchObject({ fits: true, nodesNeeded: 2, capacity: 6, reasons: [] });
    expect(e.hourlyNeeded).toBeUndefined();
    expect(estimateClass({ ...input, students: 0 }).labs).toBe(1);
  });

  it.each([
    ["memory", { memoryRequestBytes: 5 * GIB }, 2],
    ["pods", { pods: 20 }, 2],
    ["volumes", { volumes: 10 }, 2],
  ] as const)("finds %s as the limit", (limit, over, perNode) => {
    const e = estimateClass({ ...input, lab: lab(over) });
    expect(e.limitedBy).toBe(limit);
    expect(e.labsPerNode).toBe(perNode);
  });

  it("warns when labs at their memory limits would overcommit a node", () => {
    expect(estimateClass({ ...input, lab: lab({ memoryLimitBytes: 5 * GIB }) }).notes.join()).toMatch(/memory is overcommitted: 3 labs at their limits could use 15\.0 GiB/);
    expect(estimateClass({ ...input, lab: lab({ memoryLimitBytes: 3 * GIB }) }).notes).toEqual([]);
  });

  it("refuses a lab larger than a node, and an instance type it does not know", () => {
    const big = estimateClass({ ...input, lab: lab({ cpuRequestMillis: 5000 }) });
    expect(big).toMatchObject({ labsPerNode: 0, fits: false });
    expect(big.nodesNeeded).toBeUndefined();
    expect(big.reasons[0]).toMatch(/one lab does not fit a t3\.xlarge node \(its cpu runs out\); use a larger instance type/);
    const unknown = estimateClass({ ...input, instanceType: "x9.huge" });
    expect(unknown).toMatchObject({ fits: false, capacity: 0 });
    expect(unknown.node).toBeUndefined();
    expect(unknown.reasons[0]).toMatch(/x9\.huge is not in the table \(components\/aws\/prices\.ts\)/);
  });

  it("prices only regions in the table", () => {
    const e = estimateClass({ ...input, region: "sa-east-1" });
    expect(e.hourly).toBeUndefined();
    expect(e.notes.join()).toMatch(/no price for t3\.xlarge in sa-east-1/);
    for (const facts of Object.values(INSTANCE_TYPES)) expect(Object.keys(facts.hourly).sort()).toEqual(Object.keys(NAT_GATEWAY_HOURLY).sort());
    expect(Object.keys(EKS_CONTROL_PLANE_HOURLY).sort()).toEqual(Object.keys(NAT_GATEWAY_HOURLY).sort());
  });
});

describe("awsClassPreflight", () => {
  const aws: AwsSettings = { region: "eu-west-1", nodeCount: 2, instanceType: "t3.xlarge", kubernetesVersion: "1.33", vpcCidr: "10.40.0.0/16", publicAccessCidrs: ["81.2.69.0/24"] };
  const capture = () => {
    const lines: string[] = [];
    return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) } };
  };

  it("uses the module's planned requests plus the check job, and formats GO with the estimate", () => {
    const { lines, io } = capture();
    const r = awsClassPreflight({ module: 3, students: 4, aws, json: false }, io);
    const t = planModuleLab(3, "kubernetes").totals;
    expect(r.lab.cpuRequestMillis).toBe(t.cpuRequestMillis + CHECK_JOB.cpuRequestMillis);
    expect(r.lab.memoryRequestBytes).toBe(t.memoryRequestBytes + CHECK_JOB.memoryRequestBytes);
    expect(r.go).toBe(r.capacity >= 4);
    expect(r.go).toBe(true);
    expect(lines[0]).toBe("class preflight: module 3 (ml), 4 labs on 2 × t3.xlarge in eu-west-1: GO");
    expect(lines.join("\n")).toMatch(/estimate: \$0\.5128\/hour, about \$12\.31\/day \(nodes \$0\.3648 \+ EKS control plane \$0\.1000 \+ NAT gateway \$0\.0480\); an estimate from AWS public On-Demand list prices .* as of 2025-01, from components\/aws\/prices\.ts/);
    expect(lines.join("\n")).toMatch(/assumed per node: .*kube-reserved/);
  });

  it("answers NO-GO with the node count needed, and JSON on request", () => {
    const { lines, io } = capture();
    const r = awsClassPreflight({ module: 3, students: 30, aws, json: true }, io);
    expect(r.go).toBe(false);
    const parsed = JSON.parse(lines.join("\n"));
    expect(parsed).toMatchObject({ go: false, module: 3, labs: 30, nodesNeeded: r.nodesNeeded });
    expect(r.nodesNeeded).toBeGreaterThan(2);
    expect(r.reasons[0]).toMatch(new RegExp(`^30 labs need ${r.nodesNeeded} t3\\.xlarge nodes, 2 configured`));
  });

  it("reads an instructor's stack file, and refuses one without publicAccessCidrs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "class-"));
    const file = path.join(dir, "Pulumi.class.yaml");
    fs.writeFileSync(file, 'config:\n  lab:module: "2"\n  lab:target: aws\n  lab:students: [a, b, c]\n  lab:aws:\n    region: us-east-1\n    nodeCount: 1\n    publicAccessCidrs: [81.2.69.0/24]\n');
    const { io } = capture();
    const r = classPreflightFromStack(file, false, io);
    expect(r).toMatchObject({ module: 2, labs: 3, region: "us-east-1", nodeCount: 1 });
    expect(() => classPreflightFromStack(path.join(__dirname, "..", "stacks", "Pulumi.instructor-eks.yaml"), false, io)).toThrow(/Pulumi\.instructor-eks\.yaml: lab:aws\.publicAccessCidrs: is missing/);
    fs.writeFileSync(file, 'config:\n  lab:module: "2"\n');
    expect(() => classPreflightFromStack(file, false, io)).toThrow(/lab:target is docker, not aws/);
  });
});
