import { afterEach, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { defaultParallel } from "../cli/commands/class-check";
import { FakeApi, json, startFakeApi } from "./helpers/kube-api";

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** `class check`'s default parallelism on a fake cluster whose nodes have these allocatable CPUs. */
async function parallelFor(cpus: readonly string[]): Promise<number> {
  const items = cpus.map((cpu, i) => ({ metadata: { name: `n${i}` }, status: { allocatable: { cpu, memory: "16Gi" } } }));
  api = await startFakeApi((r, res) => (r.method === "GET" && r.path === "/api/v1/nodes" ? json(res, 200, { kind: "NodeList", apiVersion: "v1", metadata: {}, items }) : false));
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  return defaultParallel(kc);
}

describe("class check: labs checked at once", () => {
  it("takes one lab per 4 allocatable CPUs of all nodes, in cores or millicores, between 2 and 8", async () => {
    expect(await parallelFor(["8", "7900m", "16"])).toBe(7);
    await api?.close();
    expect(await parallelFor(["64", "64"])).toBe(8);
    await api?.close();
    expect(await parallelFor(["2"])).toBe(2);
  });

  it("counts a node whose CPU it cannot read as none, instead of failing the sum", async () => {
    expect(await parallelFor(["12", "lots", "4000m"])).toBe(4);
  });
});
