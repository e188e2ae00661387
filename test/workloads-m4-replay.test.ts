import { describe, expect, it } from "vitest";
import { Rng } from "../lab-workloads/common/random";
import { expectStream, FLUSH_SENSOR, generateEvents, StreamShape, windowKey } from "../lab-workloads/m4/events";
import { expectSliding, murmur2, partitionOf, runningTotals } from "../lab-workloads/m4/replay";

// KafkaJS's own copy of the Java client's hash, to compare with (an independent implementation).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2") as (key: string) => number;

const SHAPE: StreamShape = { events: 2_000, batch: 200, windowMs: 10_000, delayMs: 30_000 };
const T = Date.UTC(2026, 0, 1);
const ev = (id: number, s: number, sensor = "s1", value = 1) => ({ id, sensor, ts: T + s * 1000, value });

describe("module 4: sliding windows replay", () => {
  it("puts an event in every window that holds it (10 s windows every 5 s: two each)", () => {
    const shape: StreamShape = { events: 2, batch: 10, windowMs: 10_000, delayMs: 30_000 };
    const w = expectSliding([ev(0, 12), ev(1, 3, "s2"), ev(2, 9_000, FLUSH_SENSOR)], shape, 5_000);
    const keys = [...w.keys()].sort();
    expect(keys).toEqual([windowKey(T - 5_000, "s2"), windowKey(T, "s2"), windowKey(T + 5_000, "s1"), windowKey(T + 10_000, "s1")].sort());
    expect([...w.values()].every((x) => x.count === 1)).toBe(true);
  });

  it("drops late events from all their windows, as the tumbling replay does", () => {
    const shape: StreamShape = { events: 4, batch: 2, windowMs: 10_000, delayMs: 30_000 };
    const events = [ev(0, 0), ev(1, 100), ev(2, 200), ev(3, 20), ev(4, 10_000, FLUSH_SENSOR), ev(5, 10_000, FLUSH_SENSOR), ev(6, 10_060, FLUSH_SENSOR)];
    const w = expectSliding(events, shape, 5_000);
    // Accepted: 0 s, 100 s, 200 s (event 3 at 20 s is late): 3 events × 2 windows.
    expect([...w.values()].reduce((a, x) => a + x.count, 0)).toBe(6);
    expect(w.has(windowKey(T + 15_000, "s1"))).toBe(false);
  });

  it.each([1, 42, 2026])("seed %i: every accepted event counted twice, windows overlap", (seed) => {
    const events = generateEvents(new Rng(seed), SHAPE);
    const sliding = expectSliding(events, SHAPE, 5_000);
    const tumbling = expectStream(events, SHAPE);
    const total = [...sliding.values()].reduce((a, x) => a + x.count, 0);
    expect(total).toBe(2 * (SHAPE.events - tumbling.late.size));
    // The windows starting on a 10 s boundary are exactly the tumbling ones.
    for (const [k, t] of tumbling.windows) expect(sliding.get(k)?.count).toBe(t.count);
    expect(sliding.size).toBeGreaterThan(tumbling.windows.size);
  });

  it("refuses a slide that does not divide the window", () => {
    expect(() => expectSliding([], SHAPE, 3_000)).toThrow(/must divide/);
  });
});

describe("module 4: running totals per key across micro-batches", () => {
  it("emits, per batch, the totals so far of the keys that batch changed", () => {
    const events = [ev(0, 0, "a", 1.5), ev(1, 1, "b", 2), ev(2, 2, "a", 3), ev(3, 3, "a", 4), ev(4, 4, "c", 5)];
    const r = runningTotals(events, 2);
    expect(r.map((m) => Object.fromEntries(m))).toEqual([
      { a: { count: 1, sum: 1.5 }, b: { count: 1, sum: 2 } },
      { a: { count: 3, sum: 8.5 } },
      { c: { count: 1, sum: 5 } },
    ]);
  });

  it("ends with every event counted once", () => {
    const events = generateEvents(new Rng(42), SHAPE);
    const last = new Map<string, number>();
    for (const batch of runningTotals(events, SHAPE.batch)) for (const [k, t] of batch) last.set(k, t.count);
    expect([...last.values()].reduce((a, b) => a + b, 0)).toBe(events.length);
  });
});

describe("module 4: Kafka's default partitioner", () => {
  it("hashes as the Java client's murmur2 (Kafka's own test vectors)", () => {
    expect(murmur2("21")).toBe(-973932308);
    expect(murmur2("foobar")).toBe(-790332482);
    expect(murmur2("a-little-bit-long-string")).toBe(-985981536);
    expect(murmur2("a-little-bit-longer-string")).toBe(-1486304829);
    expect(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")).toBe(-58897971);
    expect(murmur2("abc")).toBe(479470107);
  });

  it("agrees with KafkaJS's copy on many keys, and spreads the sensors over partitions", () => {
    const rng = new Rng(5);
    for (let i = 0; i < 500; i++) {
      const key = Array.from({ length: rng.int(0, 20) }, () => String.fromCharCode(rng.int(32, 126))).join("");
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
    expect(new Set(["s1", "s2", "s3", "s4"].map((s) => partitionOf(s, 3))).size).toBeGreaterThan(1);
  });
});
