import * as path from "path";
import { check } from "../common/check";
import { Driver, jobStarter, runId } from "../common/driver";
import { jobLauncher } from "../common/jobs";
import { LabKafka } from "../common/kafka";
import { Rng } from "../common/random";
import { LabS3 } from "../common/s3";
import { expectStream, FLUSH_SENSOR, generateEvents, StreamShape, windowKey } from "./events";
import { readTopic } from "./readback";
import { expectSliding, partitionOf, runningTotals } from "./replay";

/** Slide of the sliding-window exercise (the window length is the shape's). @default 5000 */
export const SLIDE_MS = 5_000;
/** Partitions of the topic the student's producer creates. */
const PRODUCED_PARTITIONS = 3;

/** Stream shapes; `small` is also the starter topic `labctl reset` writes. */
export const SHAPES: Record<"small" | "medium", StreamShape> = {
  small: { events: 800, batch: 200, windowMs: 10_000, delayMs: 30_000 },
  medium: { events: 100_000, batch: 5_000, windowMs: 10_000, delayMs: 30_000 },
};

/** Topics and S3 prefixes of module 4 runs start with these (labctl reset drops them). */
export const M4_TOPIC_PREFIX = "m4-";

/**
 * Module 4 (streams): the driver produces timestamped sensor events to Kafka
 * (some out of order, some far too late); a Spark Structured Streaming job
 * counts them in tumbling windows with a watermark and appends final windows
 * to S3; a plain kafka-python consumer counts every event; Spark counts
 * sliding windows and keeps a running aggregate per sensor across
 * micro-batches; a Faust agent keeps a windowed table; a kafka-python
 * producer writes a keyed topic the driver reads back. All are compared with
 * the driver's replay of the same seed.
 */
export const driver: Driver = async (lab, opts) => {
  const shape = SHAPES[opts.size];
  const id = runId(opts.seed);
  const topic = `${M4_TOPIC_PREFIX}${id}-events`;
  const kafka = new LabKafka(lab);
  const s3 = new LabS3(lab);
  const job = jobLauncher(lab, path.join(__dirname, "jobs"), opts);
  const start = jobStarter(job, opts.log);
  const events = generateEvents(new Rng(opts.seed), shape);
  const expected = expectStream(events, shape);

  opts.log(`producing ${events.length} events to topic ${topic} (1 partition): ${expected.outOfOrder.size} out of order, ${expected.late.size} too late, ${shape.batch + 1} flush`);
  await kafka.createTopic(topic, 1);
  await kafka.produce(topic, events.map((e) => ({ key: e.sensor, value: JSON.stringify(e) })), (n) => opts.log(`  produced ${n}/${events.length}`));

  const producedCheck = await check("events produced to Kafka from this machine", async (c) => {
    const ends = await kafka.endOffsets(topic);
    c.equal("records in the topic", events.length, [...ends.values()].reduce((a, b) => a + b, 0));
  });

  // The exercises are independent: all start now and each check waits for its own. The two
  // Spark applications run side by side (the worker holds two: lab:services.spark.applications);
  // the Python consumer, Faust agent and producer need no Spark and run meanwhile.
  const out = { windows: `m4/${id}/window_counts`, sliding: `m4/${id}/sliding_state` };
  const produced = `${M4_TOPIC_PREFIX}${id}-produced`;
  const real = events.filter((e) => e.sensor !== FLUSH_SENSOR);
  await s3.put("outputs", `m4/${id}/input/events.jsonl`, real.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const jobs = {
    windows: start("window-counts", "window_counts.py", [
      topic, `s3a://outputs/${out.windows}`, `s3a://checkpoints/m4/${id}/window_counts`,
      "--window", `${shape.windowMs / 1000} seconds`, "--delay", `${shape.delayMs / 1000} seconds`, "--batch", String(shape.batch),
    ]),
    sliding: start("sliding-state", "sliding_state.py", [
      topic, `s3a://outputs/${out.sliding}`, `s3a://checkpoints/m4/${id}/sliding_state`,
      "--window", `${shape.windowMs / 1000} seconds`, "--slide", `${SLIDE_MS / 1000} seconds`, "--delay", `${shape.delayMs / 1000} seconds`, "--batch", String(shape.batch),
    ]),
    consumer: start("consumer", "consumer.py", [topic, "--window-seconds", String(shape.windowMs / 1000), "--group", `${topic}-consumer`]),
    faust: start("faust", "faust_windows.py", [topic, "--window-seconds", String(shape.windowMs / 1000), "--app-id", `${topic}-faust`]),
    producer: start("producer", "producer.py", [`s3://outputs/m4/${id}/input/events.jsonl`, produced, "--partitions", String(PRODUCED_PARTITIONS)]),
  };

  const streaming = await check("Spark Structured Streaming: tumbling windows with a watermark", async (c) => {
    const stdout = await jobs.windows;
    const actual = new Map<string, number>();
    for (const part of (await s3.list("outputs", `${out.windows}/part-`))) {
      for (const line of Buffer.from(await s3.get("outputs", part.key)).toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        const row = JSON.parse(line) as { window_start: string; sensor: string; count: number };
        if (row.sensor === FLUSH_SENSOR) continue;
        const key = windowKey(Date.parse(row.window_start), row.sensor);
        actual.set(key, (actual.get(key) ?? 0) + row.count);
      }
    }
    c.equal("windows written (window × sensor)", expected.windows.size, actual.size);
    const wrong = [...expected.windows].filter(([k, w]) => actual.get(k) !== w.count);
    c.that("count of every window", wrong.length === 0, "all equal", wrong.length === 0 ? "all equal" : `${wrong.length} differ, e.g. ${wrong.slice(0, 3).map(([k, w]) => `${k}: ${w.count} vs ${actual.get(k)}`).join(", ")}`);
    const realEvents = events.filter((e) => e.sensor !== FLUSH_SENSOR).length;
    c.equal("events counted (all real events minus the too-late ones)", realEvents - expected.late.size, [...actual.values()].reduce((a, b) => a + b, 0));
    // Judged on the job's output: every window that holds an out-of-order event has the replay's count.
    const oooWindows = new Set(events.filter((e) => expected.outOfOrder.has(e.id) && e.sensor !== FLUSH_SENSOR).map((e) => windowKey(e.ts - (e.ts % shape.windowMs), e.sensor)));
    const oooWrong = [...oooWindows].filter((k) => actual.get(k) !== expected.windows.get(k)?.count);
    c.that(
      "out-of-order events within the delay were counted",
      oooWindows.size > 0 && oooWrong.length === 0,
      `${oooWindows.size} windows holding out-of-order events, each with the replay's count`,
      oooWrong.length === 0 ? `all ${oooWindows.size} equal` : `${oooWrong.length} differ, e.g. ${oooWrong.slice(0, 3).map((k) => `${k}: ${expected.windows.get(k)?.count} vs ${actual.get(k)}`).join(", ")}`,
    );

    const progress = stdout.split("\n").filter((l) => l.startsWith("PROGRESS ")).map((l) => JSON.parse(l.slice(9)) as { batch: number; rows: number; watermark?: string; dropped: number });
    const dataBatches = progress.filter((p) => p.rows > 0);
    c.equal("micro-batches with data (self-reported: the job prints Spark's progress)", expected.batches, dataBatches.length);
    const badWm = dataBatches.filter((p, i) => Date.parse(p.watermark ?? "1970-01-01T00:00:00Z") !== expected.watermarks[i]);
    c.that("watermark in force in each micro-batch (self-reported)", badWm.length === 0, "max event time of earlier batches - delay", badWm.length === 0 ? "all equal" : `batch ${badWm[0]!.batch}: ${badWm[0]!.watermark}`);
    const dropped = progress.reduce((a, p) => a + p.dropped, 0);
    c.that("Spark reports rows dropped by the watermark (self-reported)", dropped > 0 && dropped <= expected.late.size, `1..${expected.late.size} (late rows, after partial aggregation)`, String(dropped));
  });

  const consumerCheck = await check("plain Python consumer (kafka-python), windows without a watermark", async (c) => {
    const stdout = await jobs.consumer;
    const line = stdout.split("\n").find((l) => l.startsWith("SUMMARY "));
    if (!line) throw new Error("the consumer printed no SUMMARY line");
    const summary = JSON.parse(line.slice(8)) as { records: number; per_sensor: Record<string, number>; out_of_order: number; windows: Record<string, number> };
    c.equal("records consumed", events.length, summary.records);
    const perSensor = new Map<string, number>();
    for (const e of events) perSensor.set(e.sensor, (perSensor.get(e.sensor) ?? 0) + 1);
    for (const [sensor, n] of [...perSensor].sort()) c.equal(`records of sensor ${sensor}`, n, summary.per_sensor[sensor]);
    let maxSeen = 0;
    const outOfOrder = events.filter((e) => { const ooo = e.ts < maxSeen; maxSeen = Math.max(maxSeen, e.ts); return ooo; }).length;
    c.equal("records older than one already seen (out of order or late)", outOfOrder, summary.out_of_order);
    const wrong = [...expected.allWindows].filter(([, w]) => summary.windows[`${w.start}|${w.sensor}`] !== w.count);
    c.that("every window counts every event, late ones included", wrong.length === 0, `${expected.allWindows.size} windows equal`, wrong.length === 0 ? `${expected.allWindows.size} windows equal` : `${wrong.length} differ`);
  });
  const sliding = await check("Spark: sliding windows and a running aggregate per key across micro-batches", async (c) => {
    await jobs.sliding;
    const rows = async (dir: string) => {
      const all: Record<string, unknown>[] = [];
      for (const part of (await s3.list("outputs", `${out.sliding}/${dir}/part-`))) {
        for (const line of Buffer.from(await s3.get("outputs", part.key)).toString("utf8").split("\n")) if (line.trim()) all.push(JSON.parse(line) as Record<string, unknown>);
      }
      return all;
    };
    const slidingExpected = expectSliding(events, shape, SLIDE_MS);
    const actual = new Map<string, number>();
    for (const r of await rows("sliding")) {
      if (r["sensor"] === FLUSH_SENSOR) continue;
      const key = windowKey(Date.parse(String(r["window_start"])), String(r["sensor"]));
      actual.set(key, (actual.get(key) ?? 0) + Number(r["count"]));
    }
    c.equal("sliding windows written (window × sensor)", slidingExpected.size, actual.size);
    const wrong = [...slidingExpected].filter(([k, w]) => actual.get(k) !== w.count);
    c.that("count of every sliding window (replay: each event in every window that holds it)", wrong.length === 0, "all equal", wrong.length === 0 ? "all equal" : `${wrong.length} differ, e.g. ${wrong.slice(0, 3).map(([k, w]) => `${k}: ${w.count} vs ${actual.get(k)}`).join(", ")}`);
    const counted = [...actual.values()].reduce((a, b) => a + b, 0);
    c.equal("window memberships counted (each accepted event twice)", (shape.windowMs / SLIDE_MS) * (events.filter((e) => e.sensor !== FLUSH_SENSOR).length - expected.late.size), counted);

    const totals = runningTotals(events, shape.batch);
    const byBatch = new Map<number, Map<string, { count: number; sum: number }>>();
    for (const r of await rows("running")) {
      const b = Number(r["batch"]);
      (byBatch.get(b) ?? byBatch.set(b, new Map()).get(b)!).set(String(r["sensor"]), { count: Number(r["count"]), sum: Number(r["sum"]) });
    }
    c.equal("micro-batches of the running aggregate", totals.length, byBatch.size);
    const bad: string[] = [];
    totals.forEach((want, b) => {
      const got = byBatch.get(b);
      if (!got || got.size !== want.size) { bad.push(`batch ${b}: ${got?.size ?? 0} keys vs ${want.size}`); return; }
      for (const [sensor, t] of want) {
        const g = got.get(sensor);
        if (!g || g.count !== t.count || Math.abs(g.sum - t.sum) > 1e-6) bad.push(`batch ${b} ${sensor}: ${g?.count}/${g?.sum} vs ${t.count}/${t.sum.toFixed(2)}`);
      }
    });
    c.that("running count and sum of every sensor after every micro-batch (update mode)", bad.length === 0, "all equal to the replay", bad.length === 0 ? "all equal" : `${bad.length} differ, e.g. ${bad.slice(0, 2).join("; ")}`);
  });

  const faust = await check("Faust agent: tumbling-window table over the module's topic", async (c) => {
    const stdout = await jobs.faust;
    // Faust's worker sends print() through its logger, which prefixes a time and level: take the line from "SUMMARY {".
    const line = stdout.split("\n").map((l) => l.slice(Math.max(0, l.indexOf("SUMMARY {")))).find((l) => l.startsWith("SUMMARY {"));
    if (!line) throw Object.assign(new Error("the Faust agent printed no SUMMARY line"), { log: stdout.split("\n").slice(-15).join("\n") });
    const summary = JSON.parse(line.slice(8).trim()) as { records: number; windows: Record<string, number> };
    c.equal("records the agent processed", events.length, summary.records);
    const got = Object.entries(summary.windows).filter(([k]) => !k.endsWith(`|${FLUSH_SENSOR}`));
    c.equal("windows in the table (window × sensor)", expected.allWindows.size, got.length);
    const wrong = [...expected.allWindows].filter(([, w]) => summary.windows[`${w.start}|${w.sensor}`] !== w.count);
    c.that("count of every window (no watermark: late events count)", wrong.length === 0, `${expected.allWindows.size} windows equal`, wrong.length === 0 ? `${expected.allWindows.size} windows equal` : `${wrong.length} differ`);
  });

  const producer = await check("Python producer (kafka-python): keyed records read back by the driver", async (c) => {
    await jobs.producer;
    const records = await readTopic(lab, produced);
    c.equal("records in the topic", real.length, records.length);
    c.equal("partitions used", new Set(real.map((e) => partitionOf(e.sensor, PRODUCED_PARTITIONS))).size, new Set(records.map((r) => r.partition)).size);
    const misplaced = records.filter((r) => r.partition !== partitionOf(r.key, PRODUCED_PARTITIONS)).length;
    c.that("every record in its key's partition (murmur2, computed by the driver)", misplaced === 0, "all", misplaced === 0 ? "all" : `${misplaced} elsewhere`);
    const sorted = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const badOrder: string[] = [];
    for (const sensor of new Set(real.map((e) => e.sensor))) {
      const want = real.filter((e) => e.sensor === sensor).map((e) => JSON.stringify(e));
      const got = sorted.filter((r) => r.key === sensor).map((r) => JSON.stringify(JSON.parse(r.value)));
      if (want.join("\n") !== got.join("\n")) badOrder.push(sensor);
    }
    c.that("each sensor's events, values equal and in file order", badOrder.length === 0, "all sensors", badOrder.length === 0 ? "all sensors" : `differ for ${badOrder.join(", ")}`);
  });
  return [producedCheck, streaming, consumerCheck, sliding, faust, producer];
};
