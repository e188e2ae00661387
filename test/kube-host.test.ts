import * as http from "http";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { KubeConfig, V1Pod } from "@kubernetes/client-node";
import type { WorkloadSpec } from "../components/core/spec";
import { UserError } from "../lab-workloads/access/errors";
import type { PodExecResult } from "../lab-workloads/access/kube-client";
// kube-client's workloadPod and podExec are mocked below (vi.mock is hoisted above the imports).
import { kubeExec, kubeLeftovers, kubePodMemory, waitKubeClean } from "../lab-workloads/access/kube-host";
import { deadKubeconfig, failure, FakeApi, FakeRequest, json, startFakeApi } from "./helpers/kube-api";

/** What kubeExec asked of the client: the pod it looked up, and the exec it ran. */
const calls = vi.hoisted(() => ({
  workloadPod: [] as { namespace: string; workload: string }[],
  podExec: [] as { namespace: string; pod: string; command: readonly string[]; opts: { container?: string; timeoutMs?: number } }[],
  pod: undefined as V1Pod | undefined,
  result: undefined as PodExecResult | undefined,
}));

vi.mock("../lab-workloads/access/kube-client", async (importOriginal) => {
  const real = await importOriginal<typeof import("../lab-workloads/access/kube-client")>();
  return {
    ...real,
    workloadPod: async (kc: KubeConfig, namespace: string, workload: string) => {
      calls.workloadPod.push({ namespace, workload });
      if (!calls.pod) return real.workloadPod(kc, namespace, workload);
      return calls.pod;
    },
    podExec: async (_kc: KubeConfig, namespace: string, pod: string, command: readonly string[], opts: { container?: string; timeoutMs?: number } = {}) => {
      calls.podExec.push({ namespace, pod, command, opts });
      return calls.result!;
    },
  };
});


const worker = { name: "spark-worker", stateful: false } as WorkloadSpec;
let api: FakeApi | undefined;
beforeEach(() => {
  calls.workloadPod.length = 0;
  calls.podExec.length = 0;
  calls.pod = undefined;
  calls.result = undefined;
});
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe("kubeExec: a command in a workload's pod over the API", () => {
  it("runs in the workload's pod (by its label), in its default container, with the timeout", async () => {
    api = await startFakeApi(() => false);
    calls.pod = { metadata: { name: "spark-worker-7d9f-abcde", annotations: { "kubectl.kubernetes.io/default-container": "worker" } }, spec: { containers: [{ name: "sidecar" }, { name: "worker" }] } };
    calls.result = { ok: true, stdout: "starting\nspark worker ok: 2 cores\n", stderr: "", reason: "" };
    const r = await kubeExec({ kubeconfig: api.kubeconfig }, "lab-m2", worker, ["sh", "-c", "probe"], 120);
    expect(calls.workloadPod).toEqual([{ namespace: "lab-m2", workload: "spark-worker" }]);
    expect(calls.podExec).toEqual([{ namespace: "lab-m2", pod: "spark-worker-7d9f-abcde", command: ["sh", "-c", "probe"], opts: { container: "worker", timeoutMs: 120_000 } }]);
    expect(r).toMatchObject({ ok: true, line: "spark worker ok: 2 cores", output: "starting\nspark worker ok: 2 cores\n" });
  });

  it("reports a failed command by its last line, a timeout as such, and never throws", async () => {
    api = await startFakeApi(() => false);
    calls.pod = { metadata: { name: "minio-0" }, spec: { containers: [{ name: "minio" }] } };
    calls.result = { ok: false, stdout: "", stderr: "mc: connection refused\n", reason: "exit code 1" };
    let r = await kubeExec({ kubeconfig: api.kubeconfig }, "lab-m2", worker, ["probe"]);
    expect(calls.podExec[0]!.opts.container).toBe("minio");
    expect(r).toMatchObject({ ok: false, line: "mc: connection refused" });
    calls.result = { ok: false, stdout: "half a line", stderr: "", reason: "timed out after 300s" };
    r = await kubeExec({ kubeconfig: api.kubeconfig }, "lab-m2", worker, ["probe"]);
    expect(r).toMatchObject({ ok: false, line: "timed out after 300s" });
    calls.result = { ok: false, stdout: "", stderr: "", reason: "exec refused (403 Forbidden)" };
    r = await kubeExec({ kubeconfig: api.kubeconfig }, "lab-m2", worker, ["probe"]);
    expect(r.line).toBe("exec refused (403 Forbidden)");
  });

  it("returns the cluster's one line when it does not answer", async () => {
    const r = await kubeExec({ kubeconfig: await deadKubeconfig() }, "lab-m2", worker, ["probe"]);
    expect(r.ok).toBe(false);
    expect(r.line).toMatch(/^the cluster does not answer \(.*ECONNREFUSED.*\); start it \(the project's node: npm run kube -- start\) and retry$/);
    expect(calls.podExec).toEqual([]);
  });
});

describe("what down leaves behind, read from the API", () => {
  it("sees the namespace until it is gone, its claims, and only the volumes bound to its claims", async () => {
    let namespaceReads = 0;
    api = await startFakeApi((r: FakeRequest, res: http.ServerResponse) => {
      if (r.path === "/api/v1/namespaces/lab-m2") return ++namespaceReads <= 2 ? json(res, 200, { kind: "Namespace", apiVersion: "v1", metadata: { name: "lab-m2" }, status: { phase: "Terminating" } }) : failure(res, 404, "NotFound", 'namespaces "lab-m2" not found');
      if (r.path === "/api/v1/namespaces/lab-m2/persistentvolumeclaims") return json(res, 200, { kind: "PersistentVolumeClaimList", apiVersion: "v1", metadata: {}, items: namespaceReads <= 2 ? [{ metadata: { name: "data-minio-0" } }] : [] });
      if (r.path === "/api/v1/persistentvolumes") {
        const items = [
          { metadata: { name: "pvc-other" }, spec: { claimRef: { namespace: "lab-m3", name: "data-minio-0" } } },
          ...(namespaceReads <= 2 ? [{ metadata: { name: "pvc-1234" }, spec: { claimRef: { namespace: "lab-m2", name: "data-minio-0" } } }] : []),
          { metadata: { name: "pv-unbound" }, spec: {} },
        ];
        return json(res, 200, { kind: "PersistentVolumeList", apiVersion: "v1", metadata: {}, items });
      }
      return false;
    });
    const t = { kubeconfig: api.kubeconfig };
    expect(await kubeLeftovers(t, "lab-m2")).toEqual({ namespace: true, pvcs: ["persistentvolumeclaim/data-minio-0"], pvs: ["pvc-1234"] });
    const t0 = Date.now();
    expect(await waitKubeClean(t, "lab-m2", 10, 50)).toEqual({ namespace: false, pvcs: [], pvs: [] });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(namespaceReads).toBe(3);
  });

  it("gives up after the time and says what is left", async () => {
    api = await startFakeApi((r, res) => {
      if (r.path === "/api/v1/namespaces/stuck") return json(res, 200, { kind: "Namespace", apiVersion: "v1", metadata: { name: "stuck" } });
      if (r.path.endsWith("/persistentvolumeclaims")) return failure(res, 403, "Forbidden", "no");
      if (r.path === "/api/v1/persistentvolumes") return json(res, 200, { kind: "PersistentVolumeList", apiVersion: "v1", metadata: {}, items: [] });
      return false;
    });
    expect(await waitKubeClean({ kubeconfig: api.kubeconfig }, "stuck", 0.2, 50)).toEqual({ namespace: true, pvcs: [], pvs: [] });
  });

  it("says in one line (exit 3) that the cluster does not answer", async () => {
    const err = await kubeLeftovers({ kubeconfig: await deadKubeconfig() }, "lab-m2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(/^the cluster does not answer \(http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+\); start it/);
  });
});

describe("kubePodMemory: the kubelet's summary through the node proxy", () => {
  it("asks every node's stats/summary and keeps the namespace's pods", async () => {
    api = await startFakeApi((r, res) => {
      if (r.path === "/api/v1/nodes") return json(res, 200, { kind: "NodeList", apiVersion: "v1", metadata: {}, items: [{ metadata: { name: "node-a" } }, { metadata: { name: "node-b" } }] });
      const node = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/stats\/summary$/.exec(r.path)?.[1];
      if (!node) return false;
      const pods = node === "node-a"
        ? [{ podRef: { name: "spark-master-0", namespace: "lab-m2" }, memory: { workingSetBytes: 300_000_000 } }, { podRef: { name: "other-0", namespace: "lab-m3" }, memory: { workingSetBytes: 1 } }]
        : [{ podRef: { name: "minio-0", namespace: "lab-m2" }, memory: { workingSetBytes: 120_000_000 } }, { podRef: { name: "job-x", namespace: "lab-m2" } }];
      return json(res, 200, { node: { nodeName: node }, pods });
    });
    const m = await kubePodMemory({ kubeconfig: api.kubeconfig }, "lab-m2");
    expect([...m.entries()].sort()).toEqual([["job-x", 0], ["minio-0", 120_000_000], ["spark-master-0", 300_000_000]]);
    expect(api.requests.map((r) => r.path).sort()).toEqual(["/api/v1/nodes", "/api/v1/nodes/node-a/proxy/stats/summary", "/api/v1/nodes/node-b/proxy/stats/summary"]);
  });
});
