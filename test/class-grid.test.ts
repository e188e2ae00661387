import { describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { ago, checkGrid, gridJson, LabStatus, labState, renderGrid, stateCounts, statusDocument, statusGrid } from "../cli/class/grid";
import { newestActivity } from "../cli/commands/class-status";
import { serviceState, workloadState } from "../cli/lab-health";

const NOW = new Date("2026-11-27T12:00:00Z");

const lab = (student: string, services: LabStatus["services"], lastUsed?: string | null): LabStatus => ({ student, lab: `e2e-${student}`, services, ...(lastUsed !== undefined ? { lastUsed } : {}) });

describe("grid layout", () => {
  it("aligns columns, puts a dash in a missing cell and lists titles and details under the table", () => {
    const text = renderGrid({
      corner: "STUDENT",
      columns: [{ key: "a", header: "E1", title: "word count" }, { key: "b", header: "longer" }],
      rows: [
        { key: "alice", cells: { a: { text: "pass" }, b: { text: "x" } } },
        { key: "bob", cells: { a: { text: "fail", detail: "expected 3, got 2" } } },
      ],
    });
    expect(text).toBe(["STUDENT  E1    longer", "alice    pass  x", "bob      fail  -", "", "E1  word count", "", "! bob E1: expected 3, got 2"].join("\n"));
  });

  it("gives JSON with every column of every row, null where a row has no cell", () => {
    const doc = gridJson({ corner: "STUDENT", columns: [{ key: "a", header: "A" }, { key: "b", header: "B" }], rows: [{ key: "bob", cells: { a: { text: "ok" } } }] });
    expect(doc.rows).toEqual([{ key: "bob", cells: { a: { text: "ok" }, b: null } }]);
    expect(JSON.parse(JSON.stringify(doc)).columns.map((c: { key: string }) => c.key)).toEqual(["a", "b"]);
  });
});

describe("class status grid", () => {
  const labs = [
    lab("alice", { minio: { state: "ok" }, spark: { state: "ok" }, workspace: { state: "ok" } }, "2026-11-27T11:55:00Z"),
    lab("bob", { minio: { state: "ok" }, spark: { state: "failing", detail: "spark-worker: 0/1 ready, CrashLoopBackOff" }, workspace: { state: "asleep" } }),
    lab("carol", { minio: { state: "asleep" }, spark: { state: "asleep" }, workspace: { state: "asleep" } }),
    lab("dave", { minio: { state: "ok" }, spark: { state: "ok" }, workspace: { state: "ok" } }, null),
  ];

  it("a lab is its worst service: failing beats asleep, all asleep is asleep, expired and unknown count", () => {
    expect(labs.map(labState)).toEqual(["ok", "failing", "asleep", "ok"]);
    expect(labState(lab("x", { a: { state: "ok" }, b: { state: "expired" }, c: { state: "asleep" } }))).toBe("expired");
    expect(labState(lab("x", { a: { state: "unknown" }, b: { state: "expired" } }))).toBe("unknown");
    expect(labState(lab("x", {}))).toBe("unknown");
    expect(stateCounts(labs)).toEqual({ ok: 2, failing: 1, asleep: 1, expired: 0, unknown: 0 });
  });

  it("has a row per student, a column per service and last used, and the failing detail underneath", () => {
    const lines = renderGrid(statusGrid(["minio", "spark", "workspace"], labs, NOW)).split("\n");
    expect(lines[0]).toBe("STUDENT  minio   spark    workspace  last used");
    expect(lines[1]).toBe("alice    ok      ok       ok         5 min ago");
    expect(lines[2]).toBe("bob      ok      failing  asleep     ?");
    expect(lines[3]).toBe("carol    asleep  asleep   asleep     ?");
    expect(lines[4]).toBe("dave     ok      ok       ok         never");
    expect(lines).toContain("! bob spark: spark-worker: 0/1 ready, CrashLoopBackOff");
    expect(lines.filter((l) => l.startsWith("!"))).toHaveLength(1);
  });

  it("says how long ago in minutes, hours and days", () => {
    expect(ago("2026-11-27T11:59:30Z", NOW)).toBe("just now");
    expect(ago("2026-11-27T09:00:00Z", NOW)).toBe("3 h ago");
    expect(ago("2026-11-25T11:00:00Z", NOW)).toBe("2 d ago");
    expect(ago("not a time", NOW)).toBe("?");
  });

  it("prints one JSON document with ISO times, never relative ones", () => {
    const doc = JSON.parse(JSON.stringify(statusDocument("e2e", 2, ["minio", "spark", "workspace"], labs, NOW)));
    expect(doc).toMatchObject({ class: "e2e", module: 2, at: "2026-11-27T12:00:00.000Z", counts: { ok: 2, failing: 1, asleep: 1 } });
    expect(doc.students.map((s: { student: string; state: string }) => `${s.student}=${s.state}`)).toEqual(["alice=ok", "bob=failing", "carol=asleep", "dave=ok"]);
    expect(doc.students[0]).toMatchObject({ lab: "e2e-alice", lastUsed: "2026-11-27T11:55:00Z", lastUsedKnown: true });
    expect(doc.students[1]).toMatchObject({ lastUsed: null, lastUsedKnown: false, services: { spark: { state: "failing", detail: "spark-worker: 0/1 ready, CrashLoopBackOff" } } });
    expect(doc.students[3]).toMatchObject({ lastUsed: null, lastUsedKnown: true });
  });
});

describe("class check grid", () => {
  it("numbers the exercises, titles them underneath and totals each row", () => {
    const text = renderGrid(
      checkGrid(["RDD word count", "DataFrame groupBy"], [
        { student: "alice", marks: ["pass", "pass"] },
        { student: "bob", marks: ["pass", "fail"] },
        { student: "carol", marks: ["none", "none"], note: "no file matching an exercise; not run" },
      ]),
    );
    expect(text.split("\n").slice(0, 4)).toEqual(["STUDENT  E1    E2    passed", "alice    pass  pass  2/2", "bob      pass  fail  1/2", "carol    none  none  0/2"]);
    expect(text).toContain("E1  RDD word count\nE2  DataFrame groupBy");
    expect(text).toContain("! carol passed: no file matching an exercise; not run");
  });
});

const pod = (workload: string, phase: string, ready: boolean, extra: Partial<V1Pod["status"]> = {}): V1Pod => ({
  metadata: { name: `${workload}-0`, labels: { "bigdata-labs.io/workload": workload } },
  status: { phase, containerStatuses: [{ name: "main", image: "x", imageID: "", restartCount: 0, ready, ...(ready ? {} : { state: { waiting: { reason: "CrashLoopBackOff" } } }) }], ...extra },
});

describe("states from one list of pods", () => {
  it("reads ok, failing (with the reason), asleep at 0 replicas and a missing controller", () => {
    expect(workloadState({ name: "spark-master", desired: 1, pods: [pod("spark-master", "Running", true)] })).toEqual({ state: "ok" });
    expect(workloadState({ name: "spark-worker", desired: 1, pods: [pod("spark-worker", "Running", false)] })).toEqual({ state: "failing", detail: "spark-worker: 0/1 ready, CrashLoopBackOff" });
    expect(workloadState({ name: "workspace", desired: 0, pods: [] })).toEqual({ state: "asleep" });
    expect(workloadState({ name: "minio", desired: 1, pods: [] })).toEqual({ state: "failing", detail: "minio: 0/1 ready, no pod" });
    expect(workloadState({ name: "kafka-0", desired: undefined, pods: [] })).toMatchObject({ state: "failing" });
    const pending = pod("dask-worker", "Pending", false, { containerStatuses: [], conditions: [{ type: "PodScheduled", status: "False", message: "0/1 nodes are available: insufficient memory" }] });
    expect(workloadState({ name: "dask-worker", desired: 2, pods: [pod("dask-worker", "Running", true), pending] }).detail).toBe("dask-worker: 1/2 ready, Pending: 0/1 nodes are available: insufficient memory");
  });

  it("a service is its worst workload, with the details of that state", () => {
    expect(serviceState([{ state: "ok" }, { state: "failing", detail: "a" }, { state: "failing", detail: "b" }, { state: "asleep" }])).toEqual({ state: "failing", detail: "a; b" });
    expect(serviceState([{ state: "asleep" }, { state: "asleep" }])).toEqual({ state: "asleep" });
    expect(serviceState([{ state: "ok" }, { state: "ok" }])).toEqual({ state: "ok" });
  });

  it("last used is the newest of Jupyter's and its kernels' activity; never when nothing happened since the start", () => {
    expect(newestActivity({ started: "2026-11-27T08:00:00.000000Z", last_activity: "2026-11-27T09:00:00.000000Z", kernels: ["2026-11-27T10:30:00.123456Z"] })).toBe("2026-11-27T10:30:00.123Z");
    expect(newestActivity({ started: "2026-11-27T08:00:00Z", last_activity: "2026-11-27T11:00:00Z", kernels: ["2026-11-27T10:00:00Z"] })).toBe("2026-11-27T11:00:00.000Z");
    expect(newestActivity({ started: "2026-11-27T08:00:00Z", last_activity: "2026-11-27T08:00:00Z", kernels: [] })).toBeNull();
    expect(newestActivity({})).toBeNull();
  });
});
