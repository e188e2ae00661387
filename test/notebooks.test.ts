import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { MODULES, ModuleId } from "../components/lab/modules";
import { restoreSeedScript, restoreStamp, SEED_DIR, SEED_THEN_EXEC, WORK_DIR } from "../components/services/workspace-spec";
import { notebooksDir, starterNotebooks } from "../lab-workloads/notebooks";
import { parseRunnerOutput, RUNNER } from "./e2e/notebooks";

const MODULE_IDS = Object.keys(MODULES).map(Number) as ModuleId[];

interface Cell {
  cell_type: string;
  id: string;
  source: string[] | string;
  outputs?: unknown[];
  execution_count?: number | null;
  metadata: object;
}
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

describe("starter notebooks", () => {
  it.each(MODULE_IDS)("module %i: 2-4 notebooks, valid nbformat 4 JSON, no outputs, ending in an asserting cell", (module) => {
    const notebooks = starterNotebooks(module);
    expect(notebooks.length, notebooksDir(module)).toBeGreaterThanOrEqual(2);
    expect(notebooks.length).toBeLessThanOrEqual(4);
    for (const nb of notebooks) {
      const doc = JSON.parse(nb.content) as { nbformat: number; nbformat_minor: number; metadata: { kernelspec?: { name: string } }; cells: Cell[] };
      expect(doc.nbformat, nb.name).toBe(4);
      expect(doc.nbformat_minor).toBeGreaterThanOrEqual(5);
      expect(doc.metadata.kernelspec?.name).toBe("python3");
      const ids = doc.cells.map((c) => c.id);
      expect(new Set(ids).size, `${nb.name}: cell ids unique`).toBe(ids.length);
      for (const c of doc.cells) {
        expect(["markdown", "code"]).toContain(c.cell_type);
        expect(c.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        if (c.cell_type === "code") {
          expect(c.outputs, `${nb.name} ${c.id}: stored without outputs`).toEqual([]);
          expect(c.execution_count).toBeNull();
        }
      }
      expect(doc.cells[0]!.cell_type, `${nb.name} opens with an explanation`).toBe("markdown");
      const last = doc.cells.at(-1)!;
      expect(last.cell_type, `${nb.name} ends in a code cell`).toBe("code");
      expect(text(last), `${nb.name}: the last cell checks its own result`).toMatch(/^assert /m);
    }
  });

  it.each(MODULE_IDS)("module %i: reaches the lab by its environment, never by a local address", (module) => {
    for (const nb of starterNotebooks(module)) {
      const code = (JSON.parse(nb.content) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code").map(text).join("\n");
      expect(code, nb.name).not.toMatch(/localhost|127\.0\.0\.1|:30\d\d\d/);
      // Service addresses come from the env the workspace has, not from literals.
      expect(code, nb.name).not.toMatch(/["'](?:https?|tcp|spark|hdfs):\/\/(?:minio|spark-master|kafka-\d|hdfs-namenode|dask-scheduler)/);
      expect(code, nb.name).toMatch(/os\.environ|getOrCreate\(\)/);
    }
  });

  it.each(MODULE_IDS)("module %i: writes and reads only the buckets the module's object store has", (module) => {
    for (const nb of starterNotebooks(module)) {
      const code = (JSON.parse(nb.content) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code").map(text).join("\n");
      for (const m of code.matchAll(/s3a?:\/\/([a-z0-9.-]+)\//g)) expect(MODULES[module].buckets, `${nb.name}: s3://${m[1]}`).toContain(m[1]);
    }
  });

  it("fit the seed budget together (a ConfigMap holds 1 MiB)", () => {
    for (const m of MODULE_IDS) {
      const bytes = starterNotebooks(m).reduce((a, f) => a + Buffer.byteLength(f.content), 0);
      expect(bytes, `module ${m}`).toBeLessThan(200 * 1024);
    }
  });
});

/** Runs a workspace shell script with the seed and work folders moved into a temporary directory. */
function runScript(script: string, args: string[] = []): { dir: string; seed: string; work: string; run: () => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seed-"));
  const seed = path.join(dir, "seed");
  const work = path.join(dir, "work");
  fs.mkdirSync(seed);
  fs.mkdirSync(work);
  const local = script.split(SEED_DIR).join(seed).split(WORK_DIR).join(work);
  return { dir, seed, work, run: () => execFileSync("bash", ["-c", local, "test", ...args], { encoding: "utf8" }) };
}

describe("seed files in the workspace (the container's shell)", () => {
  it("copies a seed file only when absent, never over the student's copy, then execs the server", () => {
    const t = runScript(SEED_THEN_EXEC, ["echo", "server started"]);
    fs.writeFileSync(path.join(t.seed, "01-a.ipynb"), "original a");
    fs.writeFileSync(path.join(t.seed, "02-b.ipynb"), "original b");
    fs.writeFileSync(path.join(t.work, "01-a.ipynb"), "student's a");
    expect(t.run().trim()).toBe("server started");
    expect(fs.readFileSync(path.join(t.work, "01-a.ipynb"), "utf8")).toBe("student's a");
    expect(fs.readFileSync(path.join(t.work, "02-b.ipynb"), "utf8")).toBe("original b");
    // A second start changes nothing.
    fs.writeFileSync(path.join(t.work, "02-b.ipynb"), "student's b");
    t.run();
    expect(fs.readFileSync(path.join(t.work, "02-b.ipynb"), "utf8")).toBe("student's b");
    fs.rmSync(t.dir, { recursive: true });
  });

  it("starts the server when there are no seed files", () => {
    const t = runScript(SEED_THEN_EXEC, ["echo", "ok"]);
    fs.rmdirSync(t.seed);
    expect(t.run().trim()).toBe("ok");
    expect(fs.readdirSync(t.work)).toEqual([]);
    fs.rmSync(t.dir, { recursive: true });
  });

  it("restores the originals, keeping an edited copy as <name>.orig-<stamp>.ipynb", () => {
    const stamp = restoreStamp(new Date(Date.UTC(2026, 10, 27, 14, 5, 9)));
    expect(stamp).toBe("20261127-140509");
    const t = runScript(restoreSeedScript(stamp));
    for (const n of ["01-a.ipynb", "02-b.ipynb", "03-c.ipynb"]) fs.writeFileSync(path.join(t.seed, n), `original ${n}`);
    fs.writeFileSync(path.join(t.work, "01-a.ipynb"), "student's a");
    fs.writeFileSync(path.join(t.work, "02-b.ipynb"), "original 02-b.ipynb");
    const lines = t.run().trim().split("\n");
    expect(lines).toEqual(["kept 01-a.ipynb as 01-a.orig-20261127-140509.ipynb", "restored 01-a.ipynb", "unchanged 02-b.ipynb", "restored 03-c.ipynb"]);
    expect(fs.readFileSync(path.join(t.work, "01-a.orig-20261127-140509.ipynb"), "utf8")).toBe("student's a");
    for (const n of ["01-a.ipynb", "02-b.ipynb", "03-c.ipynb"]) expect(fs.readFileSync(path.join(t.work, n), "utf8")).toBe(`original ${n}`);
    fs.rmSync(t.dir, { recursive: true });
  });

  it("refuses a malformed stamp", () => {
    expect(() => restoreSeedScript("now; rm -rf /")).toThrow(/YYYYmmdd-HHMMSS/);
  });
});

describe("notebook runner", () => {
  it("names the failing notebook, cell and the error's last line", () => {
    const out = 'noise\nNOTEBOOK {"name": "02-x.ipynb", "cells": 4, "seconds": 3.5, "delivered": true, "failed": {"cell": 6, "error": "AssertionError: 3 != 4"}}\n';
    const run = parseRunnerOutput("02-x.ipynb", { ok: false, line: "", output: out, seconds: 4 });
    expect(run).toEqual({ name: "02-x.ipynb", cells: 4, seconds: 3.5, delivered: true, failure: "02-x.ipynb cell 6: AssertionError: 3 != 4" });
  });

  it("counts a run that never printed its summary as failed", () => {
    const run = parseRunnerOutput("01-y.ipynb", { ok: false, line: "timed out after 300s", output: "", seconds: 300 });
    expect(run.failure).toBe("01-y.ipynb: the runner did not finish (timed out after 300s)");
    expect(run.cells).toBe(0);
    expect(run.delivered).toBeUndefined();
  });

  it("passes a clean run", () => {
    const out = 'NOTEBOOK {"name": "a.ipynb", "cells": 5, "seconds": 1.0, "delivered": true, "failed": null}';
    expect(parseRunnerOutput("a.ipynb", { ok: true, line: "", output: out, seconds: 1 }).failure).toBeUndefined();
  });

  it("runs the copies in the student's folder and compares them with the seed originals", () => {
    expect(RUNNER).toContain(JSON.stringify(SEED_DIR));
    expect(RUNNER).toContain("client.execute_cell(cell, index)");
  });
});
