import { afterEach, describe, expect, it } from "vitest";
import { KubeConfig, V1ResourceQuota } from "@kubernetes/client-node";
import { CHECK_JOB } from "../components/platform/kubernetes/render";
import { JobError } from "../lab-workloads/common/job-error";
import { admitWithinQuota, jobQuotaNeed, quotaShortfall } from "../lab-workloads/common/kube-quota";
import { FakeApi, json, startFakeApi } from "./helpers/kube-api";

const NS = "lab-m2";
const QUOTAS = `/api/v1/namespaces/${NS}/resourcequotas`;
const need = jobQuotaNeed(CHECK_JOB);

/** The lab's quota: room for one check Job beside the services (the numbers of module 2's). */
function quota(usedLimitsMemory: string): V1ResourceQuota {
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "lab-quota" },
    spec: { hard: { "limits.memory": "3500Mi", "requests.cpu": "1375m" } },
    status: { hard: { "limits.memory": "3500Mi", "requests.cpu": "1375m" }, used: { "limits.memory": usedLimitsMemory, "requests.cpu": "1100m" } },
  };
}

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe("room in the lab's quota for a check Job", () => {
  it("compares what a Job charges with what is left, resource by resource", () => {
    expect(quotaShortfall(quota("2000Mi"), need)).toEqual([]);
    expect(quotaShortfall(quota("2300Mi"), need)).toEqual(["lab-quota: limits.memory 2300Mi of 3500Mi used"]);
    const cpu = quota("0");
    cpu.status!.used!["requests.cpu"] = "1.2";
    expect(quotaShortfall(cpu, need)).toEqual(["lab-quota: requests.cpu 1.2 of 1375m used"]);
  });

  it("admits jobs one at a time, each once the watched quota has room", async () => {
    let current = quota("2000Mi");
    api = await startFakeApi((r, res) => (r.method === "GET" && r.path === QUOTAS ? json(res, 200, { kind: "ResourceQuotaList", apiVersion: "v1", metadata: { resourceVersion: api!.rv() }, items: [current] }) : false));
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const order: string[] = [];
    const fake = api;
    // Admitting a job charges its limits, as the quota admission does when its pod is created.
    const charge = (name: string) => async () => {
      order.push(`admit ${name}`);
      current = quota("3280Mi");
      return name;
    };
    const first = admitWithinQuota(kc, NS, need, 10, "job a", charge("a"));
    const second = admitWithinQuota(kc, NS, need, 10, "job b", charge("b"));
    expect(await first).toBe("a");
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual(["admit a"]);
    // Job a's pod ends: the quota controller gives its room back.
    current = quota("2000Mi");
    order.push("room");
    fake.emit(QUOTAS, "MODIFIED", current);
    expect(await second).toBe("b");
    expect(order).toEqual(["admit a", "room", "admit b"]);
    expect(api.requests.some((r) => r.path === QUOTAS && r.query.get("watch") === "true")).toBe(true);
  });

  it("says which quota is full when no room comes in time, and lets the next job try", async () => {
    api = await startFakeApi((r, res) => (r.method === "GET" && r.path === QUOTAS ? json(res, 200, { kind: "ResourceQuotaList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [quota("3000Mi")] }) : false));
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const err = await admitWithinQuota(kc, NS, need, 0.3, "job wordcount", async () => "never").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobError);
    expect((err as Error).message).toBe(`no room for job wordcount in namespace ${NS}'s quota within 0.3s (lab-quota: limits.memory 3000Mi of 3500Mi used); another check running on this lab?`);
    const empty = await startFakeApi((r, res) => (r.path.endsWith("/resourcequotas") ? json(res, 200, { kind: "ResourceQuotaList", apiVersion: "v1", metadata: {}, items: [] }) : false));
    const kc2 = new KubeConfig();
    kc2.loadFromFile(empty.kubeconfig);
    expect(await admitWithinQuota(kc2, NS, need, 1, "job b", async () => "ok")).toBe("ok");
    await empty.close();
  });
});
