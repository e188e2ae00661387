import { labConfigEntries } from "../lab-workloads/access/stack-settings";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api } from "@kubernetes/client-node";
import { readKubeLab } from "../cli/lab-health";
import { timesOfNamespace } from "../cli/class/scale";
import { JUPYTER_ACTIVITY_PY, newestActivity } from "../cli/commands/class-status";
import { loadKubeConfig, podExec } from "../lab-workloads/access/kube-client";
import { configOfStack, planOfLab } from "../lab-workloads/access/stack-lab";
import { classStackConfig } from "./bench/class-config";
import { answer, callKind, FAKE_CONTEXT, FakeKube, LabObjects, labObjects, selfSignedCert, startFakeKube, writeFakeKubeconfig } from "./bench/fake-kube";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-fake-kube-"));
const kubeconfig = path.join(dir, "simulated.kubeconfig");
const cfg = configOfStack(labConfigEntries(classStackConfig({ module: 1, name: "sim", students: [{ name: "a" }, { name: "b" }], kubeconfig, context: FAKE_CONTEXT })));
const created = new Date("2026-11-27T10:00:00Z");
const labs = new Map<string, LabObjects>(["sim-a", "sim-b"].map((l) => [l, labObjects(l, planOfLab(cfg, l), { className: "sim", created })]));
const activity = { started: "2026-11-27T10:00:00.000Z", last_activity: "2026-11-27T10:30:00.000Z", kernels: ["2026-11-27T10:45:00.000Z"] };
let api: FakeKube;

beforeAll(async () => {
  const tls = selfSignedCert(dir);
  api = await startFakeKube(labs, () => `${JSON.stringify(activity)}\n`, tls);
  writeFakeKubeconfig(dir, api.url, tls.cert);
});
afterAll(async () => {
  await api.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("simulated Kubernetes API for the status bench", () => {
  it("has a controller per workload and its ready pods, labelled as the renderer labels them", () => {
    const plan = planOfLab(cfg, "sim-a");
    const objs = labs.get("sim-a")!;
    const workloads = plan.specs.flatMap((s) => s.workloads);
    expect(objs.statefulSets.length + objs.deployments.length).toBe(workloads.length);
    expect(objs.pods).toHaveLength(workloads.reduce((a, w) => a + w.replicas, 0));
    const ws = objs.pods.find((p) => (p["metadata"] as { labels: Record<string, string> }).labels["bigdata-labs.io/workload"] === "workspace");
    expect(ws).toBeDefined();
  });

  it("answers what class status reads, and the client's parsing finds every service ok", async () => {
    const kc = loadKubeConfig({ kubeconfig, context: FAKE_CONTEXT });
    const read = await readKubeLab(kc, "sim-a", planOfLab(cfg, "sim-a"));
    expect([...read.services.keys()].sort()).toEqual(["dask", "minio", "workspace"]);
    expect([...read.services.values()].every((s) => s.state === "ok")).toBe(true);
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: "sim-b" });
    expect(ns.metadata?.labels?.["bigdata-labs.io/class"]).toBe("sim");
    const times = timesOfNamespace(ns, cfg);
    expect(times.asleep).toBeUndefined();
  });

  it("runs an exec over the WebSocket channel protocol with a Success status", async () => {
    const kc = loadKubeConfig({ kubeconfig, context: FAKE_CONTEXT });
    const pod = labs.get("sim-a")!.pods.map((p) => (p["metadata"] as { name: string }).name).find((n) => n.startsWith("workspace-"))!;
    const r = await podExec(kc, "sim-a", pod, ["python3", "-c", JUPYTER_ACTIVITY_PY], { timeoutMs: 10_000 });
    expect(r.ok).toBe(true);
    expect(newestActivity(JSON.parse(r.stdout.trim()) as Parameters<typeof newestActivity>[0])).toBe("2026-11-27T10:45:00.000Z");
    const missing = await podExec(kc, "sim-a", "no-such-pod", ["true"], { timeoutMs: 10_000 });
    expect(missing.ok).toBe(false);
    expect(api.calls.get("exec")).toBe(2);
  });

  it("answers unknown namespaces and paths with a NotFound status", () => {
    expect(answer(labs, "/api/v1/namespaces/nope").code).toBe(404);
    expect(answer(labs, "/api/v1/nodes").code).toBe(404);
    expect((answer(labs, "/api/v1/namespaces/nope/pods").body as { items: unknown[] }).items).toEqual([]);
    expect(callKind("GET", "/apis/apps/v1/namespaces/x/statefulsets?limit=5")).toBe("GET statefulsets");
    expect(callKind("GET", "/api/v1/namespaces/x")).toBe("GET namespace");
  });
});
