import { Rng } from "../common/random";

/** One sensor reading as produced to Kafka (JSON value, key = sensor). */
export interface SensorEvent {
  readonly id: number;
  readonly sensor: string;
  /** Event time, epoch milliseconds. */
  readonly ts: number;
  readonly value: number;
}

/** How the stream is shaped and how the streaming job windows it. */
export interface StreamShape {
  /** Real events (the flush block comes on top). */
  readonly events: number;
  /** Records per micro-batch (`maxOffsetsPerTrigger` of the job; the topic has one partition). */
  readonly batch: number;
  /** Tumbling window length, ms. */
  readonly windowMs: number;
  /** Watermark delay, ms. */
  readonly delayMs: number;
}

export const FLUSH_SENSOR = "_flush";
const SENSORS = ["s1", "s2", "s3", "s4"];
/** Event time of the first event: a fixed instant, so window boundaries never depend on the clock. */
const T0 = Date.UTC(2026, 0, 1);
/** Events arrive every 250 ms of event time. */
const STEP_MS = 250;
/** An event may not sit closer than this to the watermark, so its fate never hinges on a tie. */
const MARGIN_MS = 5_000;

/**
 * The events in produce (= offset) order, from a seed:
 *   - most are in order;
 *   - ~15% are out of order, delayed by 1-15 s (less than the watermark delay, so they count);
 *   - ~3% (from the third micro-batch on) are late by 150-300 s, far behind the watermark, so
 *     Spark drops them;
 *   - then a flush block: one batch of `_flush` events far in the future and one more event
 *     in the next batch, which moves the watermark past every real window so that append
 *     mode emits them all without relying on an idle trigger.
 */
export function generateEvents(rng: Rng, shape: StreamShape): SensorEvent[] {
  const out: SensorEvent[] = [];
  for (let i = 0; i < shape.events; i++) {
    const t = T0 + i * STEP_MS;
    const r = rng.next();
    let ts = t;
    if (i >= 2 * shape.batch && r < 0.03) ts = t - rng.int(150, 300) * 1000;
    else if (r < 0.18) ts = t - rng.int(1, 15) * 1000;
    out.push({ id: i, sensor: rng.pick(SENSORS), ts, value: Math.round(rng.normal(20, 5) * 100) / 100 });
  }
  const flushAt = T0 + shape.events * STEP_MS + 3_600_000;
  for (let j = 0; j < shape.batch; j++) out.push({ id: shape.events + j, sensor: FLUSH_SENSOR, ts: flushAt, value: 0 });
  out.push({ id: shape.events + shape.batch, sensor: FLUSH_SENSOR, ts: flushAt + 60_000, value: 0 });
  return out;
}

/** One window's count for one sensor. */
export interface WindowCount {
  readonly start: number;
  readonly sensor: string;
  readonly count: number;
}

/** What Spark must produce for the events, worked out by replaying its watermark rules. */
export interface StreamExpectation {
  /** Accepted events per (window start, sensor), real sensors only. */
  readonly windows: Map<string, WindowCount>;
  /** Every event per (window start, sensor), ignoring lateness (what a plain consumer sees). */
  readonly allWindows: Map<string, WindowCount>;
  /** Ids of the events dropped as too late. */
  readonly late: Set<number>;
  /** Ids of events that arrived out of order but within the delay (counted). */
  readonly outOfOrder: Set<number>;
  /** Watermark (ms) in force during each micro-batch. */
  readonly watermarks: number[];
  /** Number of micro-batches with data. */
  readonly batches: number;
}

export function windowKey(start: number, sensor: string): string {
  return `${new Date(start).toISOString()}|${sensor}`;
}

/**
 * Replays the stream as Spark Structured Streaming runs it: micro-batches of
 * `batch` offsets; the watermark used in batch k is max(event time of batches
 * < k) - delay (never moving back); an event whose window ended at or before
 * that watermark is dropped. Throws if an event lies within a margin of the
 * watermark (the generator must never produce a tie).
 */
export function expectStream(events: readonly SensorEvent[], shape: StreamShape): StreamExpectation {
  const windows = new Map<string, WindowCount>();
  const allWindows = new Map<string, WindowCount>();
  const late = new Set<number>();
  const outOfOrder = new Set<number>();
  const watermarks: number[] = [];
  let watermark = 0;
  let maxSeen = -Infinity;
  const bump = (m: Map<string, WindowCount>, start: number, sensor: string) => {
    const k = windowKey(start, sensor);
    m.set(k, { start, sensor, count: (m.get(k)?.count ?? 0) + 1 });
  };
  for (let b = 0; b * shape.batch < events.length; b++) {
    watermarks.push(watermark);
    const batch = events.slice(b * shape.batch, (b + 1) * shape.batch);
    let batchMax = -Infinity;
    for (const e of batch) {
      const start = e.ts - (e.ts % shape.windowMs);
      bump(allWindows, start, e.sensor);
      if (watermark > 0 && start + shape.windowMs <= watermark - MARGIN_MS) {
        late.add(e.id);
      } else if (watermark === 0 || e.ts > watermark + MARGIN_MS) {
        if (e.sensor !== FLUSH_SENSOR) bump(windows, start, e.sensor);
        if (e.ts < maxSeen) outOfOrder.add(e.id);
      } else {
        throw new Error(`event ${e.id} at ${new Date(e.ts).toISOString()} is within ${MARGIN_MS} ms of the watermark; change the generator`);
      }
      batchMax = Math.max(batchMax, e.ts);
      maxSeen = Math.max(maxSeen, e.ts);
    }
    watermark = Math.max(watermark, batchMax - shape.delayMs);
  }
  for (const k of [...allWindows.keys()]) if (k.endsWith(`|${FLUSH_SENSOR}`)) allWindows.delete(k);
  return { windows, allWindows, late, outOfOrder, watermarks, batches: watermarks.length };
}
