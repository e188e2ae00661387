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

/**
 * Writes the module's starter data (the list at the top of this file), from
 * seed 42. With `onlyIfAbsent`, what is already there is left as it is (a
 * second `labctl up` neither rewrites a file nor produces the topic's events
 * twice) and nothing is ever deleted. Returns what it wrote.
 */
export async function seedStarterData(lab: LabHandle, log: (l: string) => void, opts: { onlyIfAbsent?: boolean } = {}): Promise<string[]> {
  const module: ModuleId = lab.module;
  const seeded: string[] = [];
  const skip = opts.onlyIfAbsent ?? false;
  const s3 = new LabS3(lab);
  const put = async (bucket: string, key: string, body: string) => {
    if (skip && (await s3.list(bucket, key)).some((o) => o.key === key)) return;
    await s3.put(bucket, key, body);
    seeded.push(`s3://${bucket}/${key}`);
  };
  const rng = new Rng(START_SEED);
  switch (module) {
    case 1:
      await put("datasets", "m1/start/sales.csv", generateM1(rng, M1_SIZES.small.rows).csv);
      break;
    case 2: {
      const text = generateText(rng, M2_SIZES.small.lines);
      const sales = salesCsv(generateSales(rng, M2_SIZES.small.sales));
      await put("datasets", "m2/start/text/words.txt", text);
      await put("datasets", "m2/start/sales/sales.csv", sales);
      break;
    }
    case 3:
      await put("datasets", "m3/start/regression.csv", generateRegression(rng, M3_SIZES.small).csv);
      break;
    case 4: {
      const kafka = new LabKafka(lab);
      const topic = `${M4_TOPIC_PREFIX}start-events`;
      if (skip && (await kafka.topics(topic)).includes(topic)) break;
      const events = generateEvents(rng, M4_SHAPES.small);
      await kafka.createTopic(topic, 1);
      await kafka.produce(topic, events.map((e) => ({ key: e.sensor, value: JSON.stringify(e) })));
      seeded.push(`Kafka topic ${topic} (${events.length} events)`);
      break;
    }
    case 5: {
      const hdfs = new LabWebHdfs(lab);
      const root = `${M5_HDFS_ROOT}/start`;
      const graph = graphCsv(generateGraph(rng, M5_SIZES.small.vertices, M5_SIZES.small.groups));
      const trips = generateTrips(rng, M5_SIZES.small.trips);
      await hdfs.mkdirs(`${root}/graph`);
      // The three files are written side by side (each a NameNode request, then a DataNode's).
      const files = [["trips.csv", tripsCsv(trips)], ["graph/vertices.csv", graph.vertices], ["graph/edges.csv", graph.edges]] as const;
      const written = await Promise.all(files.map(async ([file, body]) => {
        if (skip && (await hdfs.exists(`${root}/${file}`))) return undefined;
        await hdfs.put(`${root}/${file}`, body);
        return `hdfs://${root}/${file}`;
      }));
      seeded.push(...written.filter((w): w is string => w !== undefined));
      break;
    }
  }
  for (const s of seeded) log(`seeded ${s}`);
  return seeded;
}
