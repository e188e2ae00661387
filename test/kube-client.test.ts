import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { UserError } from "../lab-workloads/access/errors";
import { loadKubeConfig } from "../lab-workloads/access/kube-client";

describe("no kubeconfig at all", () => {
  it("is one line naming the fix, not client-node's unauthenticated localhost:8080", async () => {
    const saved = { KUBECONFIG: process.env["KUBECONFIG"], HOME: process.env["HOME"] };
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "no-kube-home-"));
    delete process.env["KUBECONFIG"];
    process.env["HOME"] = home;
    try {
      expect(() => loadKubeConfig({})).toThrow(UserError);
      expect(() => loadKubeConfig({})).toThrow(/no kubeconfig: .*point KUBECONFIG at the cluster's kubeconfig/);
      fs.mkdirSync(path.join(home, ".kube"));
      fs.writeFileSync(path.join(home, ".kube", "config"), "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: 'https://k.example:6443'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n");
      expect(loadKubeConfig({}).getCurrentCluster()?.server).toBe("https://k.example:6443");
    } finally {
      for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
