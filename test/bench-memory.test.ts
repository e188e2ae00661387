import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { cgroupDirs, cgroupMemoryStats, memoryInUse } from "./bench/measure";

const MiB = 1024 * 1024;

/** A cgroup directory with the files the Engine reads, under a temporary root. */
function fakeCgroup(dir: string, usageFile: string, usage: number, stat: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, usageFile), `${usage}\n`);
  fs.writeFileSync(path.join(dir, "memory.stat"), stat);
}

describe("bench memory from cgroup files", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cgroup-"));

  it("looks where the Engine puts a container's cgroup: cgroupfs on v1, a systemd scope on v2", () => {
    expect(cgroupDirs("abc", "/r")).toEqual(["/r/memory/docker/abc", "/r/system.slice/docker-abc.scope"]);
  });

  it("reads cgroup v1: usage_in_bytes minus total_inactive_file, as docker stats counts it", () => {
    const [v1] = cgroupDirs("aaa", root);
    fakeCgroup(v1!, "memory.usage_in_bytes", 300 * MiB, `cache ${100 * MiB}\ninactive_file ${7 * MiB}\ntotal_inactive_file ${40 * MiB}\n`);
    expect(memoryInUse(cgroupMemoryStats("aaa", root)!)).toBe(260 * MiB);
  });

  it("reads cgroup v2: memory.current minus inactive_file", () => {
    const [, v2] = cgroupDirs("bbb", root);
    fakeCgroup(v2!, "memory.current", 500 * MiB, `anon ${400 * MiB}\nfile ${100 * MiB}\ninactive_file ${90 * MiB}\n`);
    expect(memoryInUse(cgroupMemoryStats("bbb", root)!)).toBe(410 * MiB);
  });

  it("answers undefined where the files are not shown, so the Engine's API is asked", () => {
    expect(cgroupMemoryStats("ccc", root)).toBeUndefined();
    fs.mkdirSync(cgroupDirs("ddd", root)[0]!, { recursive: true }); // a directory without its files
    expect(cgroupMemoryStats("ddd", root)).toBeUndefined();
  });
});
