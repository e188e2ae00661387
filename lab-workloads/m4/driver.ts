import * as path from "path";
import { check } from "../common/check";
import { Driver, runId } from "../common/driver";
import { jobLauncher } from "../common/jobs";
import { LabKafka } from "../common/kafka";
import { Rng } from "../common/random";
import { LabS3 } from "../common/s3";
import { expectStream, FLUSH_SENSOR, generateEvents, StreamShape, windowKey } from "./events";

/** Stream shapes; `small` is also the starter topic `labctl reset` writes. */
export const SHAPES: Record<"small" | "medium", StreamShape> = {
  small: { events: 2_000, batch: 200, windowMs: 10_000, delayMs: 30_000 },
  medium: { events: 100_000, batch: 5_000, windowMs: 10_000, delayMs: 30_000 },
};

/** Topics and S3 prefixes of module 4 runs start with these (labctl reset drops them). */
export const M4_TOPIC_PREFIX = "m4-";

/**
 * Module 4 (streams): the driver produces timestamped sensor events to Kafka
 * (some out of order, some far too late); a Spark Structured Streaming job
 * counts them in tumbling windows with a watermark and appends final windows
 * to S3; a plain kafka-python consumer counts every event. Both are compared
 * with the driver's replay of the watermark rules on the same seed.
 */
export const driver: Driver = async (lab, opts) => {
  const shape = SHAPES[opts.size];
  const id = runId(opts.seed);
  const topic = `${M4_TOPIC_PREFIX}${id}-events`;
  const kafka = new LabKafka(lab);
  const s3 = new LabS3(lab);
  const job = jobLauncher(lab, path.join(__dirname, "jobs"), opts);
  const events = generateEvents(new Rng(opts.seed), shape);
  const expected = expectStream(events, shape);

  opts.log(`producing ${events.length} events to topic ${topic} (1 partition): ${expected.outOfOrder.size} out of order, ${expected.late.size} too late, ${shape.batch + 1} flush`);
  await kafka.createTopic(topic, 1);
  await kafka.produce(topic, events.map((e) => ({ key: e.sensor, value: JSON.stringify(e) })), (n) => opts.log(`  produced ${n}/${events.length}`));

  const producedCheck = await check("events produced to Kafka from this machine", async (c) => {
    const ends = await kafka.endOffsets(topic);
    c.equal("records in the topic", events.length, [...ends.values()].reduce((a, b) => a + b, 0));
  });

  const streaming = await check("Spark Structured Streaming: tumbling windows with a watermark", async (c) => {
    const out = `m4/${id}/window_counts`;
    const stdout = await job("window-counts", "window_counts.py", [
      topic, `s3a://outputs/${out}`, `s3a://checkpoints/m4/${id}/window_counts`,
      "--window", `${shape.windowMs / 1000} seconds`, "--delay", `${shape.delayMs / 1000} seconds`, "--batch", String(shape.batch),
    ]);
    const actual = new Map<string, number>();
    for (const part of (await s3.list("outputs", `${out}/part-`))) {
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
    c.equal("micro-batches with data", expected.batches, dataBatches.length);
    const badWm = dataBatches.filter((p, i) => Date.parse(p.watermark ?? "1970-01-01T00:00:00Z") !== expected.watermarks[i]);
    c.that("watermark in force in each micro-batch", badWm.length === 0, "max event time of earlier batches - delay", badWm.length === 0 ? "all equal" : `batch ${badWm[0]!.batch}: ${badWm[0]!.watermark}`);
    const dropped = progress.reduce((a, p) => a + p.dropped, 0);
    c.that("Spark reports rows dropped by the watermark", dropped > 0 && dropped <= expected.late.size, `1..${expected.late.size} (late rows, after partial aggregation)`, String(dropped));
  });

  const consumerCheck = await check("plain Python consumer (kafka-python), windows without a watermark", async (c) => {
    const stdout = await job("consumer", "consumer.py", [topic, "--window-seconds", String(shape.windowMs / 1000), "--group", `${topic}-consumer`]);
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
  return [producedCheck, streaming, consumerCheck];
};
