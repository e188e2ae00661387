import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Lab } from "../components/lab/lab";
import { MODULES, ModuleId } from "../components/lab/modules";
import { planLab } from "../components/lab/plan";
import { CHECK_JOB, KubernetesPlatform } from "../components/platform/kubernetes/render";
import { context } from "./helpers/fixtures";
import { installMocks, ofType, recorded, resetRecorded, settle, valueOf } from "./helpers/mocks";

const ctx = context();
const STS = "kubernetes:apps/v1:StatefulSet";
const DEPLOY = "kubernetes:apps/v1:Deployment";
const SVC = "kubernetes:core/v1:Service";

beforeAll(installMocks);
beforeEach(resetRecorded);

async function render(module: ModuleId, platform = new KubernetesPlatform(), name = `bigdata-m${module}`) {
  const lab = new Lab(name, { module, platform, context: ctx });
  await valueOf(lab.urn);
  await valueOf(lab.credentials);
  await settle();
  return lab;
}

const podSpec = (r: { inputs: Record<string, any> }) => r.inputs["spec"]["template"]["spec"];

describe("Kubernetes renderer", () => {
  it.each(Object.keys(MODULES).map(Number) as ModuleId[])("module %i: StatefulSets for stateful workloads, Deployments for the rest", async (module) => {
    await render(module);
    const plan = planLab({ name: `bigdata-m${module}`, module, context: ctx });
    const workloads = plan.specs.flatMap((s) => s.workloads);
    expect(ofType(STS).map((r) => r.inputs["metadata"]["name"]).sort()).toEqual(workloads.filter((w) => w.stateful).map((w) => w.name).sort());
    expect(ofType(DEPLOY).map((r) => r.inputs["metadata"]["name"]).sort()).toEqual(workloads.filter((w) => !w.stateful).map((w) => w.name).sort());
    expect(ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs["metadata"]["name"])).toEqual([`bigdata-m${module}`]);
    for (const w of [...ofType(STS), ...ofType(DEPLOY)]) {
      const pod = podSpec(w);
      const c = pod.containers[0];
      expect(w.inputs["metadata"]["namespace"]).toBe(`bigdata-m${module}`);
      expect(c.imagePullPolicy).toBe("IfNotPresent");
      expect(c.image).toMatch(/^bigdata-labs\/[a-z]+:[^:]+$/);
      expect(c.readinessProbe).toBeDefined();
      expect(c.resources.requests.cpu).toMatch(/^\d+m$/);
      expect(c.resources.limits.memory).toMatch(/^\d+Mi$/);
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(w.inputs["metadata"]["labels"]).toMatchObject({ "app.kubernetes.io/instance": `bigdata-m${module}`, "app.kubernetes.io/part-of": "bigdata-labs" });
      expect(w.inputs["spec"]["selector"]["matchLabels"]["bigdata-labs.io/workload"]).toBe(w.inputs["metadata"]["name"]);
    }
    // No LoadBalancer: it would keep `pulumi up` waiting on a local cluster.
    expect(ofType(SVC).every((s) => s.inputs["spec"]["type"] !== "LoadBalancer")).toBe(true);
  });

  it("gives every workload a headless Service of its own name, so names resolve to the pod", async () => {
    await render(4);
    const headless = ofType(SVC).filter((s) => s.inputs["spec"]["clusterIP"] === "None");
    expect(headless.map((s) => s.inputs["metadata"]["name"]).sort()).toEqual(["kafka-0", "minio", "spark-master", "spark-worker", "workspace"]);
    expect(headless.every((s) => s.inputs["spec"]["publishNotReadyAddresses"] === true)).toBe(true);
  });

  it("exposes host ports as NodePorts equal to the planned host ports", async () => {
    await render(4);
    const kafkaHost = ofType(SVC).find((s) => s.inputs["metadata"]["name"] === "kafka-0-host")!;
    expect(kafkaHost.inputs["spec"]).toMatchObject({ type: "NodePort", ports: [{ name: "external", port: 9094, nodePort: 30010 }] });
    const nodePorts = ofType(SVC).flatMap((s) => (s.inputs["spec"]["ports"] as { nodePort?: number }[]).map((p) => p.nodePort).filter((p) => p !== undefined));
    expect(new Set(nodePorts).size).toBe(nodePorts.length);
    expect(nodePorts.every((p) => p! >= 30000 && p! <= 32767)).toBe(true);
  });

  it("exposes nothing with exposure none", async () => {
    await render(4, new KubernetesPlatform({ exposure: "none" }));
    expect(ofType(SVC).filter((s) => s.inputs["spec"]["type"] === "NodePort")).toEqual([]);
  });

  it("keeps credentials in Secrets referenced by secretKeyRef", async () => {
    await render(2);
    const secrets = ofType("kubernetes:core/v1:Secret").map((s) => s.inputs["metadata"]["name"]).sort();
    expect(secrets).toEqual(["minio-credentials", "spark-credentials", "workspace-credentials"]);
    const ws = ofType(STS).find((s) => s.inputs["metadata"]["name"] === "workspace")!;
    const env = podSpec(ws).containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
    expect(env.find((e) => e.name === "JUPYTER_TOKEN")).toEqual({ name: "JUPYTER_TOKEN", valueFrom: { secretKeyRef: { name: "workspace-credentials", key: "jupyter-token" } } });
    expect(env.find((e) => e.name === "AWS_SECRET_ACCESS_KEY")?.valueFrom).toEqual({ secretKeyRef: { name: "workspace-credentials", key: "s3-secret-key" } });
  });

  it("gives StatefulSets claim templates that are deleted with them, in the configured class", async () => {
    await render(5, new KubernetesPlatform({ storageClass: "local-path" }));
    const dn = ofType(STS).find((s) => s.inputs["metadata"]["name"] === "hdfs-datanode-0")!;
    expect(dn.inputs["spec"]["volumeClaimTemplates"][0]["spec"]).toMatchObject({ storageClassName: "local-path", resources: { requests: { storage: "4096Mi" } } });
    // Scaled to zero (a sleeping lab), the claims stay; deleted with the StatefulSet, they go.
    expect(dn.inputs["spec"]["persistentVolumeClaimRetentionPolicy"]).toEqual({ whenDeleted: "Delete", whenScaled: "Retain" });
  });

  it("adds a quota sized from the module's totals, with room for one check job", async () => {
    await render(3);
    const quota = ofType("kubernetes:core/v1:ResourceQuota")[0]!;
    const totals = planLab({ name: "bigdata-m3", module: 3, context: ctx }).totals;
    expect(quota.inputs["spec"]["hard"]["requests.cpu"]).toBe(`${Math.ceil(totals.cpuRequestMillis * 1.25) + CHECK_JOB.cpuRequestMillis}m`);
    expect(CHECK_JOB.memoryLimitBytes).toBe(1280 * 2 ** 20);
    expect(ofType("kubernetes:core/v1:LimitRange")).toHaveLength(1);
  });

  it("keeps one namespace per lab, so a stack can hold many", async () => {
    const platform = new KubernetesPlatform();
    await render(2, platform, "lab-alice");
    await render(2, platform, "lab-bob");
    expect(ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs["metadata"]["name"]).sort()).toEqual(["lab-alice", "lab-bob"]);
    expect(new Set(recorded.map((r) => r.urn)).size).toBe(recorded.length);
  });
});

describe("kind cluster config", () => {
  it("maps every host port any module's default lab uses", () => {
    const YAML = require("yaml") as typeof import("yaml");
    const fs = require("fs") as typeof import("fs");
    const kind = YAML.parse(fs.readFileSync(`${__dirname}/../stacks/kind-cluster.yaml`, "utf8"));
    const mapped = new Set<number>(kind.nodes[0].extraPortMappings.map((m: { hostPort: number }) => m.hostPort));
    for (const id of Object.keys(MODULES).map(Number) as ModuleId[]) {
      const ports = planLab({ name: "x", module: id, context: ctx }).specs.flatMap((s) => s.workloads.flatMap((w) => w.ports.map((p) => p.hostPort)));
      for (const p of ports.filter((x): x is number => x !== undefined)) expect(mapped.has(p), `module ${id} port ${p}`).toBe(true);
    }
  });
});
