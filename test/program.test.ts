import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseLabConfig } from "../components/config/schema";
import { createLabs } from "../stacks/program";
import { loadConfig } from "../stacks/config";
import { manifest } from "./helpers/fixtures";
import { installMocks, ofType, recorded, resetRecorded, settle, valueOf } from "./helpers/mocks";

beforeAll(installMocks);
beforeEach(resetRecorded);

/** Sets `lab:*` config the way the engine hands it to the program (strings, JSON for objects). */
function setConfig(values: Record<string, unknown>): void {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) all[`lab:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(all);
}

describe("AWS class cluster (mocks only: it cannot run on this machine)", () => {
  it("builds a VPC, EKS and a node group sized from config, then one namespace per student", async () => {
    const cfg = parseLabConfig({ module: 3, target: "aws", name: "ml", students: ["alice", "bob"], aws: { region: "eu-west-1", nodeCount: 3, instanceType: "m6i.xlarge", publicAccessCidrs: ["81.2.69.0/24"] } }, manifest);
    const out = await createLabs(cfg);
    await valueOf(out.credentials);
    await valueOf(out.kubeconfig!);
    await settle();
    expect(ofType("aws:ec2/vpc:Vpc")[0]!.inputs["cidrBlock"]).toBe("10.40.0.0/16");
    expect(ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs["cidrBlock"]).sort()).toEqual(["10.40.0.0/18", "10.40.128.0/20", "10.40.144.0/20", "10.40.64.0/18"]);
    expect(ofType("aws:eks/cluster:Cluster")[0]!.inputs["version"]).toBe("1.33");
    expect(ofType("aws:eks/nodeGroup:NodeGroup")[0]!.inputs).toMatchObject({ instanceTypes: ["m6i.xlarge"], scalingConfig: { desiredSize: 3, minSize: 3, maxSize: 3 } });
    expect(ofType("aws:eks/addon:Addon").map((a) => a.inputs["addonName"]).sort()).toEqual(["aws-ebs-csi-driver", "eks-pod-identity-agent", "vpc-cni"]);
    expect(ofType("aws:eks/cluster:Cluster")[0]!.inputs["vpcConfig"]).toMatchObject({ endpointPrivateAccess: true, publicAccessCidrs: ["81.2.69.0/24"] });
    expect(ofType("kubernetes:storage.k8s.io/v1:StorageClass")[0]!.inputs["provisioner"]).toBe("ebs.csi.aws.com");
    expect(ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs["metadata"]["name"]).sort()).toEqual(["ml-alice", "ml-bob", "staff-ml"]);
    expect(await valueOf(out.registry!.imageRegistry)).toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/[a-z0-9-]+$/);
    const sts = ofType("kubernetes:apps/v1:StatefulSet");
    expect(sts.every((s) => s.inputs["spec"]["volumeClaimTemplates"].every((t: any) => t.spec.storageClassName === "labs-gp3"))).toBe(true);
    expect(ofType("kubernetes:core/v1:Service").filter((s) => s.inputs["spec"]["type"] === "NodePort")).toEqual([]);
    const kubeconfig = JSON.parse(await valueOf(out.kubeconfig!));
    expect(kubeconfig.users[0].user.exec.args).toEqual(expect.arrayContaining(["eks", "get-token", "--region", "eu-west-1"]));
    expect(Object.keys(out.labs).sort()).toEqual(["ml-alice", "ml-bob"]);
    // The class cluster's provider may send 200 requests a second (the client's default of 50 held a class of 100's preview to 65 s).
    expect(clientSettings(ofType("pulumi:providers:kubernetes")[0]!.inputs)).toEqual({ qps: 200, burst: 400 });
  });
});

/** A Kubernetes provider's `kubeClientSettings` input (providers take object inputs as JSON text). */
function clientSettings(inputs: Record<string, any>): unknown {
  const v = inputs["kubeClientSettings"];
  return typeof v === "string" ? JSON.parse(v) : v;
}

describe("the Kubernetes provider of a lab or class on a cluster", () => {
  it("sends up to 200 requests a second", async () => {
    await createLabs(parseLabConfig({ module: 1, target: "kubernetes", kubernetes: { context: "kind-labs" } }, manifest));
    await settle();
    const [provider] = ofType("pulumi:providers:kubernetes");
    expect(clientSettings(provider!.inputs)).toEqual({ qps: 200, burst: 400 });
    expect(provider!.inputs["context"]).toBe("kind-labs");
  });
});

/** What loading the Pulumi program (stacks/index.ts) with the current config throws. */
async function programError(): Promise<unknown> {
  try {
    await import("../stacks/index");
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("stack program", () => {
  it("on Docker: one lab with UI URLs on 127.0.0.1", async () => {
    const out = await createLabs(parseLabConfig({ module: 2 }, manifest));
    await valueOf(out.credentials);
    await settle();
    const lab = out.labs["bigdata-m2"]!;
    expect(lab.uis).toEqual({
      "minio.console": "http://127.0.0.1:30021",
      "spark.ui": "http://127.0.0.1:30001",
      "workspace.jupyter": "http://127.0.0.1:30000/lab",
      "workspace.sparkAppUi": "http://127.0.0.1:30003",
    });
    expect(await valueOf(lab.location)).toBe("bigdata-m2");
    expect(ofType("kubernetes:core/v1:Namespace")).toEqual([]);
  });

  it("reads lab:* config as the engine stores it", () => {
    setConfig({ module: "3", target: "docker", hostPortBase: 31000, services: { spark: { workers: 2 } } });
    const cfg = loadConfig();
    expect(cfg).toMatchObject({ module: 3, target: "docker", hostPortBase: 31000, services: { spark: { workers: 2 } } });
  });

  it("reports an unknown lab:* key", () => {
    setConfig({ module: "2", wrkspace: false });
    expect(() => loadConfig()).toThrow(/^lab:wrkspace: is not a setting of this project/);
  });

  it("checks the kubeconfig and context before creating anything", () => {
    setConfig({ module: "2", target: "kubernetes", kubernetes: { kubeconfig: "/nonexistent/kubeconfig" } });
    expect(() => loadConfig()).toThrow(/^lab:kubernetes\.kubeconfig: kubeconfig \/nonexistent\/kubeconfig does not exist\. Create a cluster/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kc-")), "config");
    fs.writeFileSync(file, "apiVersion: v1\nkind: Config\ncontexts:\n- name: kind-labs\n  context: {cluster: kind-labs, user: kind-labs}\ncurrent-context: kind-labs\n");
    setConfig({ module: "2", target: "kubernetes", kubernetes: { kubeconfig: file, context: "kind-other" } });
    expect(() => loadConfig()).toThrow(/^lab:kubernetes\.context: context "kind-other" is not in .*\. Use one of: kind-labs$/);
    setConfig({ module: "2", target: "kubernetes", kubernetes: { kubeconfig: file } });
    expect(loadConfig().kubernetes.kubeconfig).toBe(file);
  });

  it("turns a config error into a one-line RunError and creates no resource", async () => {
    setConfig({ module: "9" });
    const error = await programError();
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^lab:module: unknown module 9\. Use one of 1 \(foundations\)/);
    await settle();
    expect(recorded).toEqual([]);
  });

  it("turns a service spec's range error into one line before the first resource, even the lab's component", async () => {
    setConfig({ module: "2", services: { spark: { workers: 0 } } });
    vi.resetModules();
    const error = await programError();
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^lab:services\.spark\.workers: must be a whole number from 1 to 8 \(got 0\)\. Set it/);
    await settle();
    expect(recorded).toEqual([]);
  });
});
