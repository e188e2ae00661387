import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { memoryCgroup } from "../lab-workloads/access/docker-host";
import { cgroupMemoryStats, memoryInUse } from "./bench/measure";

const MiB = 1024 * 1024;

/** A cgroup directory with the files the Engine reads, under a temporary root. */
function fakeCgroup(dir: string, usageFile: string, usage: number, stat: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, usageFile), `${usage}\n`);
  fs.writeFileSync(path.join(dir, "memory.stat"), stat);
}

describe("a container's memory from its cgroup files (bench and e2e)", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cgroup-"));

  it("reads cgroup v1: usage_in_bytes minus total_inactive_file, as docker stats counts it", () => {
    fakeCgroup(path.join(root, "memory/docker/aaa"), "memory.usage_in_bytes", 300 * MiB, `cache ${100 * MiB}\ninactive_file ${7 * MiB}\ntotal_inactive_file ${40 * MiB}\n`);
    expect(memoryCgroup("aaa", root)).toEqual({ dir: path.join(root, "memory/docker/aaa"), current: path.join(root, "memory/docker/aaa/memory.usage_in_bytes"), peak: path.join(root, "memory/docker/aaa/memory.max_usage_in_bytes") });
    expect(memoryInUse(cgroupMemoryStats("aaa", root)!)).toBe(260 * MiB);
  });

  it("reads cgroup v2 under systemd: memory.current minus inactive_file", () => {
    fakeCgroup(path.join(root, "system.slice/docker-bbb.scope"), "memory.current", 500 * MiB, `anon ${400 * MiB}\nfile ${100 * MiB}\ninactive_file ${90 * MiB}\n`);
    expect(memoryCgroup("bbb", root)?.peak).toBe(path.join(root, "system.slice/docker-bbb.scope/memory.peak"));
    expect(memoryInUse(cgroupMemoryStats("bbb", root)!)).toBe(410 * MiB);
  });

  it("reads cgroup v2 under the cgroupfs driver", () => {
    fakeCgroup(path.join(root, "docker/eee"), "memory.current", 200 * MiB, `inactive_file ${50 * MiB}\n`);
    expect(memoryCgroup("eee", root)?.current).toBe(path.join(root, "docker/eee/memory.current"));
    expect(memoryInUse(cgroupMemoryStats("eee", root)!)).toBe(150 * MiB);
  });

  it("answers undefined where the files are not shown, so the Engine's API is asked", () => {
    expect(memoryCgroup("ccc", root)).toBeUndefined();
    expect(cgroupMemoryStats("ccc", root)).toBeUndefined();
    fs.mkdirSync(path.join(root, "memory/docker/ddd"), { recursive: true }); // a directory without its files
    expect(cgroupMemoryStats("ddd", root)).toBeUndefined();
  });
});
