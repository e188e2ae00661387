import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { checkCluster, ClusterCheckError, detectPolicyEngine } from "../components/platform/kubernetes/cluster-check";

function kubeconfig(server: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kc-")), "config");
  fs.writeFileSync(file, [
    "apiVersion: v1", "kind: Config",
    "clusters:", `- name: c`, `  cluster: {server: "${server}", insecure-skip-tls-verify: true}`,
    "users:", "- name: u", "  user: {token: abc}",
    "contexts:", "- name: ctx", "  context: {cluster: c, user: u}",
    "current-context: ctx", "",
  ].join("\n"));
  return file;
}

describe("cluster check before any resource", () => {
  it("names the context and the fix when the API server does not answer", async () => {
    const err = await checkCluster(kubeconfig("https://127.0.0.1:1"), "ctx", undefined, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterCheckError);
    expect((err as Error).message).toMatch(/^lab:kubernetes\.context: the cluster of context "ctx" at https:\/\/127\.0\.0\.1:1 does not answer \(.*ECONNREFUSED.*\)\. Start it/);
    expect((err as Error).message.split("\n")).toHaveLength(1);
  });

  it("rejects a context that names no cluster", async () => {
    await expect(checkCluster(kubeconfig("https://127.0.0.1:1"), "nope")).rejects.toThrow(/^lab:kubernetes\.context: context "nope" names no cluster/);
  });
});

describe("NetworkPolicy engine detection", () => {
  const pod = (name: string, containers: { name: string; args?: string[] }[] = [{ name: "main" }]) => ({ name, containers: containers.map((c) => ({ name: c.name, args: c.args ?? [] })) });
  it("finds the project's node by its label, known engines by their pods, EKS's agent only when enabled", () => {
    expect(detectPolicyEngine([{ "bigdata-labs.io/network-policy": "kube-router" }], [])).toBe("kube-router");
    expect(detectPolicyEngine([{}], [pod("coredns-1"), pod("calico-node-x2")])).toBe("calico");
    expect(detectPolicyEngine([{}], [pod("cilium-abcde")])).toBe("cilium");
    expect(detectPolicyEngine([{}], [pod("kindnet-7s")])).toBe("kindnet");
    expect(detectPolicyEngine([{}], [pod("aws-node-1", [{ name: "aws-node" }, { name: "aws-eks-nodeagent", args: ["--enable-network-policy=false"] }])])).toBeUndefined();
    expect(detectPolicyEngine([{}], [pod("aws-node-1", [{ name: "aws-node" }, { name: "aws-eks-nodeagent", args: ["--enable-network-policy=true"] }])])).toBe("aws-network-policy-agent");
    expect(detectPolicyEngine([{}], [pod("coredns-1"), pod("kube-proxy-1"), pod("local-path-provisioner-1")])).toBeUndefined();
  });
});
