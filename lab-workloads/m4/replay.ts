import { expectStream, FLUSH_SENSOR, SensorEvent, StreamShape, WindowCount, windowKey } from "./events";

/**
 * What Spark must write for sliding windows (`window(event_time, length,
 * slide)`) under the same watermark: every accepted real event counts once
 * in each window that holds it (start aligned to the epoch in steps of
 * `slideMs`, start ≤ ts < start + length). Which events are dropped as late
 * is {@link expectStream}'s replay: the generator keeps every event far from
 * the watermark, so an event's windows are either all open or all closed.
 */
export function expectSliding(events: readonly SensorEvent[], shape: StreamShape, slideMs: number): Map<string, WindowCount> {
  if (slideMs <= 0 || shape.windowMs % slideMs !== 0) throw new Error(`slide ${slideMs} ms must divide the window length ${shape.windowMs} ms`);
  const { late } = expectStream(events, shape);
  const windows = new Map<string, WindowCount>();
  for (const e of events) {
    if (e.sensor === FLUSH_SENSOR || late.has(e.id)) continue;
    for (let start = e.ts - (e.ts % slideMs); start > e.ts - shape.windowMs; start -= slideMs) {
      const k = windowKey(start, e.sensor);
      windows.set(k, { start, sensor: e.sensor, count: (windows.get(k)?.count ?? 0) + 1 });
    }
  }
  return windows;
}

/** A key's running aggregate after a micro-batch. */
export interface RunningTotal {
  readonly count: number;
  readonly sum: number;
}

/**
 * The running count and sum of `value` per sensor as a stateful streaming
 * aggregation in update mode emits them: for micro-batch k (of `batch`
 * offsets each), the totals over batches 0..k of every sensor that had an
 * event in batch k (update mode emits only the keys a batch changed).
 */
export function runningTotals(events: readonly SensorEvent[], batch: number): Map<string, RunningTotal>[] {
  const state = new Map<string, RunningTotal>();
  const out: Map<string, RunningTotal>[] = [];
  for (let b = 0; b * batch < events.length; b++) {
    const touched = new Set<string>();
    for (const e of events.slice(b * batch, (b + 1) * batch)) {
      const t = state.get(e.sensor) ?? { count: 0, sum: 0 };
      state.set(e.sensor, { count: t.count + 1, sum: t.sum + e.value });
      touched.add(e.sensor);
    }
    out.push(new Map([...touched].map((s) => [s, state.get(s)!])));
  }
  return out;
}

/**
 * Kafka's murmur2 (the Java client's, which kafka-python's and KafkaJS's
 * default partitioners copy): the partition of a keyed record is
 * `(murmur2(key) & 0x7fffffff) % partitions`.
 */
export function murmur2(key: string): number {
  const data = Buffer.from(key, "utf8");
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const whole = data.length - (data.length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length % 4;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives a record with this key. */
export function partitionOf(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
