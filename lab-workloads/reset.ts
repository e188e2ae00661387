/**
 * Brings a running lab back to its module's start, without touching the
 * services: drops what the module's exercises and checks created (objects
 * under `m<N>/` in the lab's buckets, module 4's `m4-` topics, module 5's
 * HDFS tree) and writes the module's starter data again, from seed 42 at the
 * drivers' `small` size:
 *   1  s3://datasets/m1/start/sales.csv
 *   2  s3://datasets/m2/start/text/words.txt, s3://datasets/m2/start/sales/sales.csv
 *   3  s3://datasets/m3/start/regression.csv
 *   4  Kafka topic m4-start-events (1 partition)
 *   5  hdfs:///labs/m5/start/trips.csv, hdfs:///labs/m5/start/graph/{vertices,edges}.csv
 * Anything else in the lab (a student's own buckets, topics or paths) is left alone.
 */
import { MODULES, ModuleId } from "../components/lab/modules";
import { LabKafka } from "./common/kafka";
import { LabHandle } from "./common/lab";
import { Rng } from "./common/random";
import { LabS3 } from "./common/s3";
import { LabWebHdfs } from "./common/webhdfs";
import { generate as generateM1, SIZES as M1_SIZES } from "./m1/driver";
import { generateSales, generateText, salesCsv } from "./m2/data";
import { SIZES as M2_SIZES } from "./m2/driver";
import { generateRegression, SIZES as M3_SIZES } from "./m3/driver";
import { generateEvents } from "./m4/events";
import { M4_TOPIC_PREFIX, SHAPES as M4_SHAPES } from "./m4/driver";
import { generateGraph, generateTrips, graphCsv, tripsCsv } from "./m5/data";
import { M5_HDFS_ROOT, SIZES as M5_SIZES } from "./m5/driver";

export const START_SEED = 42;

/** What a reset removed and wrote. */
export interface ResetReport {
  readonly removed: string[];
  readonly seeded: string[];
}

export async function resetLab(lab: LabHandle, log: (l: string) => void): Promise<ResetReport> {
  const module: ModuleId = lab.module;
  const removed: string[] = [];
  const s3 = new LabS3(lab);
  for (const bucket of MODULES[module].buckets) {
    const n = await s3.deletePrefix(bucket, `m${module}/`);
    if (n > 0) removed.push(`s3://${bucket}/m${module}/ (${n} objects)`);
  }
  if (module === 4) {
    const kafka = new LabKafka(lab);
    const topics = await kafka.topics(M4_TOPIC_PREFIX);
    await kafka.deleteTopics(topics);
    if (topics.length > 0) removed.push(`Kafka topics ${topics.join(", ")}`);
  }
  if (module === 5) {
    const hdfs = new LabWebHdfs(lab);
    if (await hdfs.exists(M5_HDFS_ROOT)) {
      await hdfs.delete(M5_HDFS_ROOT);
      removed.push(`hdfs://${M5_HDFS_ROOT}`);
    }
  }
  for (const r of removed) log(`removed ${r}`);
  const seeded = await seedStarterData(lab, log);
  return { removed, seeded };
}

/** A module's starter data, generated: where each piece goes and what it holds. */
export type StarterData =
  | { readonly kind: "s3"; readonly objects: readonly { readonly bucket: string; readonly key: string; readonly body: string }[] }
  | { readonly kind: "kafka"; readonly topic: string; readonly records: readonly { readonly key: string; readonly value: string }[] }
  | { readonly kind: "hdfs"; readonly dirs: readonly string[]; readonly files: readonly { readonly path: string; readonly body: string }[] };

/**
 * The module's starter data (the list at the top of this file), from seed 42:
 * pure, no lab needed, so `labctl up` computes it while the lab is being
 * created (module 1's takes 0.25 s, module 5's 0.11 s).
 */
export function starterData(module: ModuleId): StarterData {
  const rng = new Rng(START_SEED);
  switch (module) {
    case 1:
      return { kind: "s3", objects: [{ bucket: "datasets", key: "m1/start/sales.csv", body: generateM1(rng, M1_SIZES.small.rows).csv }] };
    case 2: {
      const text = generateText(rng, M2_SIZES.small.lines);
      const sales = salesCsv(generateSales(rng, M2_SIZES.small.sales));
      return { kind: "s3", objects: [{ bucket: "datasets", key: "m2/start/text/words.txt", body: text }, { bucket: "datasets", key: "m2/start/sales/sales.csv", body: sales }] };
    }
    case 3:
      return { kind: "s3", objects: [{ bucket: "datasets", key: "m3/start/regression.csv", body: generateRegression(rng, M3_SIZES.small).csv }] };
    case 4: {
      const events = generateEvents(rng, M4_SHAPES.small);
      return { kind: "kafka", topic: `${M4_TOPIC_PREFIX}start-events`, records: events.map((e) => ({ key: e.sensor, value: JSON.stringify(e) })) };
    }
    case 5: {
      const root = `${M5_HDFS_ROOT}/start`;
      const graph = graphCsv(generateGraph(rng, M5_SIZES.small.vertices, M5_SIZES.small.groups));
      const trips = generateTrips(rng, M5_SIZES.small.trips);
      return {
        kind: "hdfs",
        dirs: [`${root}/graph`],
        files: [
          { path: `${root}/trips.csv`, body: tripsCsv(trips) },
          { path: `${root}/graph/vertices.csv`, body: graph.vertices },
          { path: `${root}/graph/edges.csv`, body: graph.edges },
        ],
      };
    }
  }
}

/**
 * Writes the module's starter data ({@link starterData}, or `opts.data` when
 * already generated). With `onlyIfAbsent`, what is already there is left as
 * it is (a second `labctl up` neither rewrites a file nor produces the
 * topic's events twice) and nothing is ever deleted. Returns what it wrote.
 */
export async function seedStarterData(lab: LabHandle, log: (l: string) => void, opts: { onlyIfAbsent?: boolean; data?: StarterData } = {}): Promise<string[]> {
  const skip = opts.onlyIfAbsent ?? false;
  const data = opts.data ?? starterData(lab.module);
  const seeded: string[] = [];
  switch (data.kind) {
    case "s3": {
      const s3 = new LabS3(lab);
      for (const { bucket, key, body } of data.objects) {
        if (skip && (await s3.list(bucket, key)).some((o) => o.key === key)) continue;
        await s3.put(bucket, key, body);
        seeded.push(`s3://${bucket}/${key}`);
      }
      break;
    }
    case "kafka": {
      const kafka = new LabKafka(lab);
      if (skip && (await kafka.topics(data.topic)).includes(data.topic)) break;
      await kafka.createTopic(data.topic, 1);
      await kafka.produce(data.topic, data.records);
      seeded.push(`Kafka topic ${data.topic} (${data.records.length} events)`);
      break;
    }
    case "hdfs": {
      const hdfs = new LabWebHdfs(lab);
      for (const dir of data.dirs) await hdfs.mkdirs(dir);
      // The files are written side by side (each a NameNode request, then a DataNode's).
      const written = await Promise.all(data.files.map(async ({ path, body }) => {
        if (skip && (await hdfs.exists(path))) return undefined;
        await hdfs.put(path, body);
        return `hdfs://${path}`;
      }));
      seeded.push(...written.filter((w): w is string => w !== undefined));
      break;
    }
  }
  for (const s of seeded) log(`seeded ${s}`);
  return seeded;
}
