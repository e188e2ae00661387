import * as path from "path";
import { parquetReadObjects } from "hyparquet";
import { check } from "../common/check";
import { Driver, runId } from "../common/driver";
import { jobLauncher } from "../common/jobs";
import { Rng } from "../common/random";
import { LabS3 } from "../common/s3";
import { expectedSales, expectedWordCounts, generateSales, generateText, salesCsv } from "./data";

/** Data sizes; `small` is also the starter data `labctl reset` writes. */
export const SIZES = { small: { lines: 2000, sales: 5000 }, medium: { lines: 200_000, sales: 500_000 } };

/**
 * Module 2 (PySpark): an RDD word count and a DataFrame groupBy/agg/orderBy,
 * reading from S3 and writing back; outputs compared with the driver's own
 * counts and sums from the same seed.
 */
export const driver: Driver = async (lab, opts) => {
  const s3 = new LabS3(lab);
  const size = SIZES[opts.size];
  const id = runId(opts.seed);
  const job = jobLauncher(lab, path.join(__dirname, "jobs"), opts);
  const rng = new Rng(opts.seed);
  const text = generateText(rng, size.lines);
  const sales = generateSales(rng, size.sales);
  opts.log(`seeding s3://datasets/m2/${id}/ (${size.lines} lines of text, ${size.sales} sales)`);
  await s3.put("datasets", `m2/${id}/text/words.txt`, text);
  await s3.put("datasets", `m2/${id}/sales/sales.csv`, salesCsv(sales));

  const wordcount = await check("RDD word count (map/filter/reduceByKey)", async (c) => {
    const out = `m2/${id}/wordcount`;
    await job("wordcount", "wordcount.py", [`s3a://datasets/m2/${id}/text/words.txt`, `s3a://outputs/${out}`]);
    const expected = expectedWordCounts(text);
    const actual = new Map<string, number>();
    for (const part of (await s3.list("outputs", `${out}/part-`))) {
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
    const out = `m2/${id}/sales_by_region_product`;
    await job("sales", "sales_agg.py", [`s3a://datasets/m2/${id}/sales/sales.csv`, `s3a://outputs/${out}`]);
    const expected = expectedSales(sales);
    const rows: Record<string, unknown>[] = [];
    for (const part of (await s3.list("outputs", `${out}/part-`)).filter((p) => p.key.endsWith(".parquet"))) {
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
  return [wordcount, salesCheck];
};
