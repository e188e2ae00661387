import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseLabConfig } from "../components/config/schema";
import { formatDuration, parseDuration } from "../components/core/units";
import { JANITOR_LAB_RULES, JANITOR_PORTS } from "../components/platform/kubernetes/janitor";
import { extendedExpiry, isExpired, LAB_ANNOTATIONS, labTimes } from "../components/platform/kubernetes/schedule";
import { renderGrid, sleepsText, statusGrid } from "../cli/class/grid";
import { scheduleOf } from "../cli/commands/class-status";
import { createLabs } from "../stacks/program";
import { manifest } from "./helpers/fixtures";
import { installMocks, ofType, resetRecorded, settle, valueOf } from "./helpers/mocks";

beforeAll(installMocks);
beforeEach(resetRecorded);

const CLUSTER = { server: "https://10.0.0.5:6443", caData: Buffer.from("CA").toString("base64") };
const CLASS = { module: 2, target: "kubernetes", name: "cls", students: ["alice", "bob"], kubernetes: { exposure: "none" } };

describe("durations", () => {
  it("reads 45m, 4h, 1h30m and 90s, and writes them back", () => {
    expect(parseDuration("f", "45m")).toBe(2700);
    expect(parseDuration("f", "4h")).toBe(14400);
    expect(parseDuration("f", "1h30m")).toBe(5400);
    expect(parseDuration("f", "90s")).toBe(90);
    expect(formatDuration(5400)).toBe("1h30m");
    expect(formatDuration(90)).toBe("1m30s");
  });
  it("refuses what is not a duration or out of range, in one line naming the field", () => {
    expect(() => parseDuration("lab:idleAfter", "soon")).toThrow(/^lab:idleAfter: cannot read "soon" as a duration\. Use a duration such as/);
    expect(() => parseDuration("lab:idleAfter", "45")).toThrow(/cannot read "45"/);
    expect(() => parseDuration("lab:idleAfter", 45)).toThrow(/cannot read 45/);
    expect(() => parseDuration("lab:idleAfter", "30s")).toThrow(/^lab:idleAfter: 30s is outside 1m-30d/);
    expect(() => parseDuration("lab:idleAfter", "31d")).toThrow(/outside/);
  });
});

describe("lab:idleAfter and lab:expiresAfter", () => {
  it("are read into seconds for a class on a cluster", () => {
    const cfg = parseLabConfig({ ...CLASS, idleAfter: "45m", expiresAfter: "4h" }, manifest);
    expect(cfg.idleAfterSeconds).toBe(2700);
    expect(cfg.expiresAfterSeconds).toBe(14400);
  });
  it("are refused on Docker and for a single lab, in one line", () => {
    expect(() => parseLabConfig({ module: 2, idleAfter: "45m" }, manifest)).toThrow(/^lab:idleAfter: applies to a class on kubernetes or aws.*Remove it/);
    expect(() => parseLabConfig({ module: 2, target: "kubernetes", expiresAfter: "4h" }, manifest)).toThrow(/^lab:expiresAfter: applies to a class/);
    expect(() => parseLabConfig({ ...CLASS, idleAfter: "a while" }, manifest)).toThrow(/^lab:idleAfter: cannot read/);
  });
});

describe("a lab's schedule", () => {
  const created = new Date("2026-11-27T10:00:00Z");
  const at = (iso: string) => new Date(iso);

  it("counts expiry from creation and idle from the last activity, and names the sooner", () => {
    const t = labTimes({ created, annotations: { [LAB_ANNOTATIONS.lastActive]: "2026-11-27T11:00:00Z" } }, { expiresAfterSeconds: 4 * 3600, idleAfterSeconds: 45 * 60 });
    expect(t.expiresAt).toEqual(at("2026-11-27T14:00:00Z"));
    expect(t.idleAt).toEqual(at("2026-11-27T11:45:00Z"));
    expect(t.next).toEqual({ at: at("2026-11-27T11:45:00Z"), reason: "idle" });
    expect(isExpired(t, at("2026-11-27T13:59:59Z"))).toBe(false);
    expect(isExpired(t, at("2026-11-27T14:00:00Z"))).toBe(true);
  });
  it("takes an extended expiry over the configured one, and extends from now once expired", () => {
    const t = labTimes({ created, annotations: { [LAB_ANNOTATIONS.expiresAt]: "2026-11-27T18:00:00Z" } }, { expiresAfterSeconds: 3600 });
    expect(t.expiresAt).toEqual(at("2026-11-27T18:00:00Z"));
    expect(t.lastActive).toEqual(created);
    expect(extendedExpiry(t, at("2026-11-27T12:00:00Z"), 3600)).toEqual(at("2026-11-27T19:00:00Z"));
    expect(extendedExpiry(t, at("2026-11-27T20:00:00Z"), 3600)).toEqual(at("2026-11-27T21:00:00Z"));
  });
  it("reads why a lab sleeps; an unknown reason is the instructor's", () => {
    const asleep = (reason: string) => labTimes({ created, annotations: { [LAB_ANNOTATIONS.asleepSince]: "2026-11-27T12:00:00Z", [LAB_ANNOTATIONS.asleepReason]: reason } }, {}).asleep;
    expect(asleep("expired")).toEqual({ since: at("2026-11-27T12:00:00Z"), reason: "expired" });
    expect(asleep("idle")?.reason).toBe("idle");
    expect(asleep("")?.reason).toBe("instructor");
    expect(labTimes({ created, annotations: {} }, {}).next).toBeUndefined();
  });
  it("shows in the status grid when each lab will sleep, or why it sleeps", () => {
    const now = at("2026-11-27T11:20:00Z");
    const awake = labTimes({ created, annotations: { [LAB_ANNOTATIONS.lastActive]: "2026-11-27T11:00:00Z" } }, { idleAfterSeconds: 45 * 60 });
    const sleeping = labTimes({ created, annotations: { [LAB_ANNOTATIONS.asleepSince]: "2026-11-27T11:10:00Z", [LAB_ANNOTATIONS.asleepReason]: "idle" } }, { idleAfterSeconds: 45 * 60 });
    expect(sleepsText(scheduleOf(awake, { idleAfterSeconds: 2700 }), now)).toBe("in 25 min (idle)");
    expect(sleepsText(scheduleOf(sleeping, { idleAfterSeconds: 2700 }), now)).toBe("asleep (idle)");
    expect(sleepsText(scheduleOf(awake, { idleAfterSeconds: 2700 }), at("2026-11-27T12:00:00Z"))).toBe("due (idle)");
    expect(scheduleOf(awake, {})).toBeUndefined();
    const grid = renderGrid(
      statusGrid(["spark"], [
        { student: "alice", lab: "cls-alice", services: { spark: { state: "ok" } }, schedule: scheduleOf(awake, { idleAfterSeconds: 2700 })! },
        { student: "bob", lab: "cls-bob", services: { spark: { state: "expired" } }, schedule: { asleep: { since: "2026-11-27T11:10:00Z", reason: "expired" } } },
      ], now),
    );
    expect(grid.split("\n")[0]).toMatch(/^STUDENT\s+spark\s+last used\s+sleeps$/);
    expect(grid).toMatch(/alice\s+ok\s+\?\s+in 25 min \(idle\)/);
    expect(grid).toMatch(/bob\s+expired\s+\?\s+asleep \(expired\)/);
    // Without a janitor there is no sleeps column.
    expect(renderGrid(statusGrid(["spark"], [{ student: "alice", lab: "cls-alice", services: { spark: { state: "ok" } } }], now))).not.toMatch(/sleeps/);
  });
});

describe("the class janitor", () => {
  it("runs in the staff namespace with rights limited to the class's labs", async () => {
    const cfg = parseLabConfig({ ...CLASS, idleAfter: "2m", expiresAfter: "4h" }, manifest);
    const out = await createLabs(cfg, { clusterEndpoint: CLUSTER });
    await valueOf(out.credentials);
    await settle();
    const deploys = ofType("kubernetes:apps/v1:Deployment").filter((d) => d.inputs["metadata"]["name"] === "janitor");
    expect(deploys).toHaveLength(1);
    const pod = deploys[0]!.inputs["spec"]["template"]["spec"];
    expect(deploys[0]!.inputs["metadata"]["namespace"]).toBe("staff-cls");
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ LABS: "cls-alice,cls-bob", IDLE_AFTER_SECONDS: "120", EXPIRES_AFTER_SECONDS: "14400", ANNOTATION_LAST_ACTIVE: LAB_ANNOTATIONS.lastActive });
    expect(pod.containers[0].image).toBe(cfg.images.workspace);
    // The script ships in a ConfigMap the pod mounts.
    const code = ofType("kubernetes:core/v1:ConfigMap").find((c) => c.inputs["metadata"]["name"] === "janitor-code")!;
    expect(code.inputs["data"]["janitor.py"]).toMatch(/def tend\(lab\)/);
    // Namespaces: get and annotate, these two by name only.
    const [clusterRole] = ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    expect(clusterRole!.inputs["rules"]).toEqual([{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "patch"], resourceNames: ["cls-alice", "cls-bob"] }]);
    expect(clusterRole!.inputs["metadata"]["labels"]).toMatchObject({ "bigdata-labs.io/class": "cls" });
    for (const lab of ["cls-alice", "cls-bob"]) {
      const role = ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").find((r) => r.inputs["metadata"]["namespace"] === lab && r.inputs["metadata"]["name"] === "janitor")!;
      expect(role.inputs["rules"]).toEqual(JANITOR_LAB_RULES);
      const secretRule = JANITOR_LAB_RULES.find((r) => (r.resources as string[]).includes("secrets"))!;
      expect(secretRule.resourceNames).toEqual(["workspace-credentials"]);
      const policy = ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.inputs["metadata"]["namespace"] === lab && p.inputs["metadata"]["name"] === "lab-from-janitor")!;
      const from = policy.inputs["spec"]["ingress"][0];
      expect(from.from).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "staff-cls" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "janitor" } } }]);
      expect(from.ports.map((p: { port: number }) => p.port)).toEqual([...JANITOR_PORTS]);
    }
  });
  it("is not there without idleAfter or expiresAfter", async () => {
    const out = await createLabs(parseLabConfig(CLASS, manifest), { clusterEndpoint: CLUSTER });
    await valueOf(out.credentials);
    await settle();
    expect(ofType("kubernetes:apps/v1:Deployment").filter((d) => d.inputs["metadata"]["name"] === "janitor")).toEqual([]);
    expect(ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => r.inputs["metadata"]["name"] === "janitor")).toEqual([]);
  });
});

describe("last used with a janitor", () => {
  it("is the later of Jupyter's activity and the janitor's record", async () => {
    const { newerOf } = await import("../cli/commands/class-status");
    expect(newerOf(null, "2026-11-27T11:00:00Z")).toBe("2026-11-27T11:00:00Z");
    expect(newerOf("2026-11-27T12:00:00Z", "2026-11-27T11:00:00Z")).toBe("2026-11-27T12:00:00Z");
    expect(newerOf("2026-11-27T10:00:00Z", "2026-11-27T11:00:00Z")).toBe("2026-11-27T11:00:00Z");
    expect(newerOf(null, undefined)).toBeNull();
    expect(newerOf(undefined, undefined)).toBeUndefined();
  });
});
