import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { processStartTime, withStackOpenLock } from "../lab-workloads/access/stack-open-lock";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "open-lock-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("withStackOpenLock", () => {
  it("runs two openers of one stack one after the other, and two stacks side by side", async () => {
    const dir = tmp();
    const events: string[] = [];
    const opener = (stack: string, tag: string) => withStackOpenLock(dir, stack, async () => {
      events.push(`${tag} in`);
      await sleep(150);
      events.push(`${tag} out`);
      return tag;
    });
    const [a, b, c] = await Promise.all([opener("m2", "a"), opener("m2", "b"), opener("m3", "c")]);
    expect([a, b, c]).toEqual(["a", "b", "c"]);
    const m2 = events.filter((e) => !e.startsWith("c"));
    expect(m2).toEqual(["a in", "a out", "b in", "b out"]);
    // The other stack did not wait for m2's openers.
    expect(events.indexOf("c in")).toBeLessThan(events.indexOf("a out"));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("takes over a lock whose process is gone, and releases it when the work throws", async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "m2.open.lock"), String(2 ** 22 + 12345));
    await expect(withStackOpenLock(dir, "m2", async () => { throw new Error("boom"); }, 1000)).rejects.toThrow("boom");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("tells a live holder from a later process given the same pid by its start time", async () => {
    const dir = tmp();
    const lock = path.join(dir, "m2.open.lock");
    const start = processStartTime(process.ppid);
    expect(start).toMatch(/^\d+$/);
    // The parent, as it started: a holder, waited for.
    fs.writeFileSync(lock, `${process.ppid} ${start}`);
    await expect(withStackOpenLock(dir, "m2", async () => "never", 300)).rejects.toThrow(/another labctl \(pid \d+\)/);
    // The same pid with another start time: the holder is gone, its lock taken over.
    fs.writeFileSync(lock, `${process.ppid} ${Number(start) + 1}`);
    expect(await withStackOpenLock(dir, "m2", async () => fs.readFileSync(lock, "utf8"), 300)).toBe(`${process.pid} ${processStartTime(process.pid)}`);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("gives up after its wait with one line naming the holder and the file", async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "m2.open.lock"), String(process.ppid));
    await expect(withStackOpenLock(dir, "m2", async () => "never", 300)).rejects.toThrow(new RegExp(`another labctl \\(pid ${process.ppid}\\).*remove .*m2\\.open\\.lock`));
    // The holder's lock is left in place.
    expect(fs.readFileSync(path.join(dir, "m2.open.lock"), "utf8")).toBe(String(process.ppid));
  });
});
