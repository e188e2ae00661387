import { describe, expect, it } from "vitest";
import { Rng } from "../lab-workloads/common/random";
import { SHAPES } from "../lab-workloads/m4/driver";
import { expectStream, FLUSH_SENSOR, generateEvents, StreamShape } from "../lab-workloads/m4/events";

const SHAPE: StreamShape = { events: 2_000, batch: 200, windowMs: 10_000, delayMs: 30_000 };

describe("module 4 event stream", () => {
  it("is the same for the same seed and different for another", () => {
    expect(generateEvents(new Rng(7), SHAPE)).toEqual(generateEvents(new Rng(7), SHAPE));
    expect(generateEvents(new Rng(8), SHAPE)).not.toEqual(generateEvents(new Rng(7), SHAPE));
  });

  // The 2,000-event shape, and the check's own (and the starter topic's) smaller one.
  const cases = [1, 42, 99, 2026].flatMap((seed) => [SHAPE, SHAPES.small].map((shape) => [seed, shape.events, shape] as const));
  it.each(cases)("seed %i, %i events: out-of-order and late events, no ties with the watermark", (seed, _n, shape) => {
    const events = generateEvents(new Rng(seed), shape);
    const exp = expectStream(events, shape); // throws on a tie
    expect(exp.late.size).toBeGreaterThan(10);
    expect(exp.outOfOrder.size).toBeGreaterThan(100);
    // Late events in more than one micro-batch: the watermark drops rows batch after batch.
    const lateBatches = new Set(events.filter((e) => exp.late.has(e.id)).map((e) => Math.floor(e.id / shape.batch)));
    expect(lateBatches.size).toBeGreaterThan(1);
    // Every real event is either counted or late; flush events are never counted.
    const counted = [...exp.windows.values()].reduce((a, w) => a + w.count, 0);
    expect(counted + exp.late.size).toBe(shape.events);
    expect([...exp.windows.values()].some((w) => w.sensor === FLUSH_SENSOR)).toBe(false);
    // Data batches: the real events, one flush batch, one closing event.
    expect(exp.batches).toBe(shape.events / shape.batch + 2);
  });

  it("replays the watermark: batch k uses max event time of batches before k minus the delay", () => {
    const shape: StreamShape = { events: 4, batch: 2, windowMs: 10_000, delayMs: 30_000 };
    const t = Date.UTC(2026, 0, 1);
    const ev = (id: number, s: number, sensor = "s1") => ({ id, sensor, ts: t + s * 1000, value: 1 });
    // batch 0: 0 s, 100 s → watermark 70 s; batch 1: 200 s (counted), 20 s (window [20,30) ended before 70 s: late).
    // batch 2: flush → watermark 170 s; window [200, 210) is final.
    const events = [ev(0, 0), ev(1, 100), ev(2, 200), ev(3, 20), ev(4, 10_000, FLUSH_SENSOR), ev(5, 10_000, FLUSH_SENSOR), ev(6, 10_060, FLUSH_SENSOR)];
    const exp = expectStream(events, shape);
    expect(exp.watermarks).toEqual([0, t + 70_000, t + 170_000, t + 9_970_000]);
    expect([...exp.late]).toEqual([3]);
    expect([...exp.windows.values()].map((w) => (w.start - t) / 1000).sort((a, b) => a - b)).toEqual([0, 100, 200]);
    expect(exp.allWindows.size).toBe(4);
  });

  it("refuses an event that ties with the watermark", () => {
    const shape: StreamShape = { events: 2, batch: 1, windowMs: 10_000, delayMs: 30_000 };
    const t = Date.UTC(2026, 0, 1);
    expect(() => expectStream([{ id: 0, sensor: "s1", ts: t + 100_000, value: 1 }, { id: 1, sensor: "s1", ts: t + 71_000, value: 1 }], shape)).toThrow(/within 5000 ms of the watermark/);
  });
});
