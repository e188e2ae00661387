import { describe, expect, it } from "vitest";
import { runPool, timeoutMessage } from "../cli/class/pool";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("bounded pool", () => {
  it("runs at most K tasks at once, and K of them really at once", async () => {
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 10 }, (_v, i) => async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(60);
      running--;
      return i;
    });
    const t0 = Date.now();
    const results = await runPool(tasks, { concurrency: 3 });
    const ms = Date.now() - t0;
    expect(peak).toBe(3);
    expect(results.map((r) => (r.ok ? r.value : -1))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // 10 tasks of 60 ms, 3 at a time: 4 rounds (~240 ms), well below the 600 ms of one at a time.
    expect(ms).toBeGreaterThanOrEqual(235);
    expect(ms).toBeLessThan(540);
  });

  it("returns results in the order of the tasks, not the order they finish", async () => {
    const delays = [60, 10, 30];
    const results = await runPool(delays.map((d) => async () => (await sleep(d), d)), { concurrency: 3 });
    expect(results.map((r) => (r.ok ? r.value : 0))).toEqual([60, 10, 30]);
  });

  it("times a task out, frees its slot for the next one and aborts its signal", async () => {
    let aborted: unknown;
    const hang = (signal: AbortSignal) =>
      new Promise<string>(() => {
        signal.addEventListener("abort", () => (aborted = signal.reason));
      });
    const t0 = Date.now();
    const results = await runPool<string>([hang, async () => "quick"], { concurrency: 1, timeoutMs: 50 });
    expect(Date.now() - t0).toBeLessThan(500);
    expect(results[0]).toMatchObject({ ok: false, timedOut: true, error: "timed out after 0.05 s" });
    expect(results[1]).toMatchObject({ ok: true, value: "quick" });
    expect(String((aborted as Error)?.message)).toBe("timed out after 0.05 s");
  });

  it("does not time out a task that finishes in time", async () => {
    const results = await runPool([async () => (await sleep(10), "done")], { timeoutMs: 500 });
    expect(results[0]).toMatchObject({ ok: true, value: "done" });
  });

  it("settles failures (rejected or thrown at once) with their first line, and never rejects", async () => {
    const results = await runPool<number>(
      [
        async () => {
          throw new Error("no pod of workspace\nstack trace");
        },
        () => {
          throw new Error("thrown before any promise");
        },
        async () => 7,
      ],
      { concurrency: 2 },
    );
    expect(results[0]).toMatchObject({ ok: false, timedOut: false, error: "no pod of workspace" });
    expect(results[1]).toMatchObject({ ok: false, timedOut: false, error: "thrown before any promise" });
    expect(results[2]).toMatchObject({ ok: true, value: 7 });
  });

  it("reports each settled task once, and handles no tasks", async () => {
    const seen: number[] = [];
    await runPool([async () => 1, async () => 2], { onSettled: (i) => seen.push(i) });
    expect(seen.sort()).toEqual([0, 1]);
    expect(await runPool([])).toEqual([]);
  });

  it("says whole seconds as whole seconds", () => {
    expect(timeoutMessage(1_200_000)).toBe("timed out after 1200 s");
    expect(timeoutMessage(1500)).toBe("timed out after 1.5 s");
  });
});
