import * as path from "path";
import { parquetReadObjects } from "hyparquet";
import { check } from "../common/check";
import { Driver, jobStarter, runId } from "../common/driver";
import { jobLauncher } from "../common/jobs";
import { Rng } from "../common/random";
import { LabS3 } from "../common/s3";
import { expectedSales, expectedWordCounts, generateSales, generateText, salesCsv } from "./data";
import { hashPartitionSizes, parallelizeSlices, repartitionSpread } from "./partitions";

/** Data sizes; `small` is also the starter data `labctl reset` writes. */
export const SIZES = { small: { lines: 2000, sales: 5000, numbers: 10_000 }, medium: { lines: 200_000, sales: 500_000, numbers: 1_000_000 } };
/** Partitions of the RDD exercise: parallelize slices, partitionBy buckets, repartition target. */
const RDD = { slices: 8, buckets: 5, repartition: 3 };

/**
 * Module 2 (PySpark): an RDD word count, a DataFrame groupBy/agg/orderBy, and
 * RDD partitions (parallelize, partitionBy, repartition, collect, lazy
 * evaluation), reading from S3 and writing back; outputs compared with the
 * driver's own counts, sums and partition slicing from the same seed.
 */
export const driver: Driver = async (lab, opts) => {
  const s3 = new LabS3(lab);
  const size = SIZES[opts.size];
  const id = runId(opts.seed);
  const job = jobLauncher(lab, path.join(__dirname, "jobs"), opts);
  const start = jobStarter(job, opts.log);
  const rng = new Rng(opts.seed);
  const text = generateText(rng, size.lines);
  const sales = generateSales(rng, size.sales);
  const numbers = Array.from({ length: size.numbers }, () => rng.int(0, 999_999));
  opts.log(`seeding s3://datasets/m2/${id}/ (${size.lines} lines of text, ${size.sales} sales, ${size.numbers} numbers)`);
  await Promise.all([
    s3.put("datasets", `m2/${id}/text/words.txt`, text),
    s3.put("datasets", `m2/${id}/sales/sales.csv`, salesCsv(sales)),
    s3.put("datasets", `m2/${id}/numbers/numbers.txt`, `${numbers.join("\n")}\n`),
  ]);

  // The three exercises are independent Spark applications, submitted together: the worker
  // holds two at once (lab:services.spark.applications), and the third's container, Python
  // and driver JVM start meanwhile; each check then waits for its own.
  const out = { wordcount: `m2/${id}/wordcount`, sales: `m2/${id}/sales_by_region_product`, rdd: `m2/${id}/rdd` };
  const jobs = {
    wordcount: start("wordcount", "wordcount.py", [`s3a://datasets/m2/${id}/text/words.txt`, `s3a://outputs/${out.wordcount}`]),
    sales: start("sales", "sales_agg.py", [`s3a://datasets/m2/${id}/sales/sales.csv`, `s3a://outputs/${out.sales}`]),
    rdd: start("rdd", "rdd_partitions.py", [`s3a://datasets/m2/${id}/numbers/numbers.txt`, `s3a://outputs/${out.rdd}`,
      "--slices", String(RDD.slices), "--buckets", String(RDD.buckets), "--repartition", String(RDD.repartition)]),
  };

  const wordcount = await check("RDD word count (map/filter/reduceByKey)", async (c) => {
    await jobs.wordcount;
    const expected = expectedWordCounts(text);
    const actual = new Map<string, number>();
    for (const part of (await s3.list("outputs", `${out.wordcount}/part-`))) {
      for (const line of Buffer.from(await s3.get("outputs", part.key)).toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        const { word, count } = JSON.parse(line) as { word: string; count: number };
        actual.set(word, count);
      }
    }
    c.equal("distinct words", expected.size, actual.size);
    c.equal("total words", [...expected.values()].reduce((a, b) => a + b, 0), [...actual.values()].reduce((a, b) => a + b, 0));
    const wrong = [...expected].filter(([w, n]) => actual.get(w) !== n);
    c.that("every word's count", wrong.length === 0, "all equal", wrong.length === 0 ? "all equal" : `${wrong.length} differ, e.g. ${wrong.slice(0, 3).map(([w, n]) => `${w}: ${n} vs ${actual.get(w)}`).join(", ")}`);
    const top = [...expected].sort((a, b) => b[1] - a[1])[0]!;
    c.equal(`count of the most frequent word "${top[0]}"`, top[1], actual.get(top[0]));
  });

  const salesCheck = await check("DataFrame groupBy/agg/orderBy to Parquet", async (c) => {
    await jobs.sales;
    const expected = expectedSales(sales);
    const rows: Record<string, unknown>[] = [];
    for (const part of (await s3.list("outputs", `${out.sales}/part-`)).filter((p) => p.key.endsWith(".parquet"))) {
      const bytes = await s3.get("outputs", part.key);
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      rows.push(...((await parquetReadObjects({ file })) as Record<string, unknown>[]));
    }
    c.equal("groups (region × product)", expected.size, rows.length);
    let worst = 0;
    let countsOk = true;
    for (const r of rows) {
      const g = expected.get(`${r["region"]}/${r["product"]}`);
      if (!g) { countsOk = false; continue; }
      worst = Math.max(worst, Math.abs(Number(r["revenue"]) - g.revenueCents / 100) / (g.revenueCents / 100));
      if (Number(r["orders"]) !== g.orders || Math.abs(Number(r["avg_quantity"]) - g.quantity / g.orders) > 1e-9) countsOk = false;
    }
    c.that("revenue of every group", worst <= 1e-9, "relative error ≤ 1e-9", `max relative error ${worst.toExponential(2)}`);
    c.that("orders and avg_quantity of every group", countsOk, "all equal", countsOk ? "all equal" : "some differ");
    const revenues = rows.map((r) => Number(r["revenue"]));
    c.that("ordered by revenue, highest first", revenues.every((v, i) => i === 0 || revenues[i - 1]! >= v), "descending", revenues.slice(0, 3).map((v) => v.toFixed(2)).join(" ≥ ") + " …");
    const best = [...expected].sort((a, b) => b[1].revenueCents - a[1].revenueCents)[0]!;
    c.close(`revenue of the top group ${best[0]}`, best[1].revenueCents / 100, revenues[0], 1e-6, true);
  });
  const rdd = await check("RDD parallelize/collect, partitions and repartitioning, lazy evaluation", async (c) => {
    await jobs.rdd;
    const dir = out.rdd;
    // Each saved partition is one part file: read them from outside, as Spark wrote them.
    const partitions = async (sub: string) => {
      const parts = (await s3.list("outputs", `${dir}/${sub}/part-`)).sort((a, b) => a.key.localeCompare(b.key));
      return Promise.all(parts.map(async (p) => Buffer.from(await s3.get("outputs", p.key)).toString("utf8").split("\n").filter((l) => l !== "").map(Number)));
    };
    const sliced = parallelizeSlices(numbers, RDD.slices);
    const got = await partitions("parallelized");
    c.equal("parallelize: partitions (part files)", RDD.slices, got.length);
    c.equal("parallelize: size of each partition (batches of 1024 sliced)", sliced.map((p) => p.length).join(","), got.map((p) => p.length).join(","));
    const same = got.length === sliced.length && got.every((p, i) => p.join(",") === sliced[i]!.join(","));
    c.that("parallelize: each partition holds its slice of the list, in order", same, "all equal", same ? "all equal" : "differ");

    const collected = JSON.parse(Buffer.from(await s3.get("outputs", `${dir}/collected.json`)).toString("utf8")) as number[];
    c.that("collect(): every element, doubled, in list order", collected.join(",") === numbers.map((n) => n * 2).join(","), `${numbers.length} values`, `${collected.length} values${collected.join(",") === numbers.map((n) => n * 2).join(",") ? ", equal" : ", differ"}`);
    const lazy = await s3.list("outputs", `${dir}/lazy/`);
    const defined = lazy.find((o) => o.key.endsWith("/defined"));
    const computed = lazy.filter((o) => /\/part-\d+$/.test(o.key));
    c.equal("partitions computed by the action (markers left by the executors)", RDD.slices, computed.length);
    const early = computed.filter((o) => !defined || o.modified <= defined.modified);
    c.that("no partition computed before the action (MinIO's clock)", defined !== undefined && early.length === 0, "every marker after the \"defined\" marker",
      defined ? `${early.length} before, first ${Math.min(...computed.map((o) => o.modified)) - defined.modified} ms after` : "no defined marker");

    const buckets = hashPartitionSizes(numbers, RDD.buckets);
    const byKey = await partitions("by_key");
    c.equal("partitionBy: size of each partition (n % buckets)", buckets.join(","), byKey.map((p) => p.length).join(","));
    const misplaced = byKey.reduce((a, p, i) => a + p.filter((n) => n % RDD.buckets !== i).length, 0);
    c.equal("partitionBy: numbers outside their hash partition", 0, misplaced);
    const re = (await partitions("repartitioned")).map((p) => p.length);
    c.equal("repartition: partitions", RDD.repartition, re.length);
    c.equal("repartition: elements kept", numbers.length, re.reduce((a, b) => a + b, 0));
    const spread = Math.max(...re) - Math.min(...re);
    c.that("repartition: round-robin balance", spread <= repartitionSpread(RDD.slices), `largest - smallest ≤ ${repartitionSpread(RDD.slices)}`, `${spread} (${re.join(", ")})`);
  });
  return [wordcount, salesCheck, rdd];
};
