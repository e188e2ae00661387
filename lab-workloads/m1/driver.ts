import * as path from "path";
import { check, Checker } from "../common/check";
import { Driver, runId } from "../common/driver";
import { jobLauncher } from "../common/jobs";
import { Rng } from "../common/random";
import { LabS3 } from "../common/s3";
import { daskTasksSince, installTaskStream } from "./observe";

/** Data sizes; `small` is also the starter data `labctl reset` writes. */
export const SIZES = { small: { rows: 100_000, files: 4 }, medium: { rows: 5_000_000, files: 16 } };
const CATEGORIES = ["books", "games", "garden", "grocery", "health", "music", "sports", "toys"];
const WORDS = ["fast", "blue", "gift", "bulk", "sale", "new", "used", "promo", "local", "online"];
/** Memory cap for the pandas exercise: the file is larger, a chunk is smaller. */
const CAP_BYTES = 2 * 1024 * 1024;
/** Threshold of the Polars query, in cents. */
const MIN_CENTS = 25_000;

interface Row {
  category: string;
  amountCents: number;
}

type Totals = Record<string, { sum: number; count: number }>;

/** The CSV and, for checking, the rows' category and amount. */
export function generate(rng: Rng, rows: number): { csv: string; rows: Row[] } {
  const lines = ["id,category,amount,quantity,note,ts"];
  const out: Row[] = [];
  for (let i = 0; i < rows; i++) {
    const category = rng.pick(CATEGORIES);
    const amountCents = rng.int(100, 50_000);
    const note = Array.from({ length: rng.int(2, 6) }, () => rng.pick(WORDS)).join(" ");
    lines.push(`${i + 1},${category},${(amountCents / 100).toFixed(2)},${rng.int(1, 9)},${note},2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}T12:00:00`);
    out.push({ category, amountCents });
  }
  return { csv: `${lines.join("\n")}\n`, rows: out };
}

/** The driver's own totals per category, for rows at or above `minCents`. */
function expectedTotals(rows: readonly Row[], minCents = 0): Map<string, { cents: number; count: number }> {
  const t = new Map<string, { cents: number; count: number }>();
  for (const r of rows) {
    if (r.amountCents < minCents) continue;
    const e = t.get(r.category) ?? { cents: 0, count: 0 };
    e.cents += r.amountCents;
    e.count += 1;
    t.set(r.category, e);
  }
  return t;
}

/** Compares a job's totals with the driver's, category by category. */
function compareTotals(c: Checker, label: string, expected: Map<string, { cents: number; count: number }>, actual: Totals | undefined): void {
  c.equal(`${label}: categories`, expected.size, Object.keys(actual ?? {}).length);
  let worst = 0;
  let countsOk = true;
  for (const [k, e] of expected) {
    const a = actual?.[k];
    if (!a) { countsOk = false; continue; }
    worst = Math.max(worst, Math.abs(a.sum - e.cents / 100) / (e.cents / 100));
    if (a.count !== e.count) countsOk = false;
  }
  c.that(`${label}: counts per category`, countsOk, "all equal", countsOk ? "all equal" : "some differ");
  c.that(`${label}: sums per category`, worst <= 1e-9, "relative error ≤ 1e-9", `max relative error ${worst.toExponential(2)}`);
}

/**
 * Module 1 (foundations): pandas chunked aggregation under a memory cap,
 * the same on Dask over Parquet in S3, a Polars lazy query, Parquet column
 * pruning in bytes read (self-reported), and lazy evaluation measured from
 * outside (the scheduler's task stream against a marker's time in MinIO);
 * all against the driver's answer.
 */
export const driver: Driver = async (lab, opts) => {
  const s3 = new LabS3(lab);
  const size = SIZES[opts.size];
  const id = runId(opts.seed);
  const data = generate(new Rng(opts.seed), size.rows);
  const base = `m1/${id}`;
  opts.log(`seeding s3://datasets/${base}/ (${size.rows} rows, ${(data.csv.length / 1e6).toFixed(1)} MB CSV)`);
  await s3.put("datasets", `${base}/sales.csv`, data.csv);
  const job = jobLauncher(lab, path.join(__dirname, "jobs"), opts);
  const result = async (key: string) => JSON.parse(Buffer.from(await s3.get("outputs", key)).toString("utf8"));
  const all = expectedTotals(data.rows);

  const pandas = await check("pandas chunked aggregation over a file larger than the memory cap", async (c) => {
    await job("pandas", "pandas_chunked.py", [`s3://datasets/${base}/sales.csv`, String(CAP_BYTES), `s3://outputs/${base}/pandas.json`]);
    const r = await result(`${base}/pandas.json`);
    // The file is larger than the cap by construction (the driver wrote it); the job must have read all of it.
    c.equal(`size of the file the job opened (the driver wrote ${Buffer.byteLength(data.csv)} bytes, cap ${CAP_BYTES})`, Buffer.byteLength(data.csv), r.file_bytes);
    c.that("largest chunk held stays under the cap (self-reported)", r.peak_chunk_bytes < CAP_BYTES, `< ${CAP_BYTES} bytes`, `${r.peak_chunk_bytes} bytes`);
    compareTotals(c, "pandas", all, r.totals);
  });

  const parquet = await check("CSV to Parquet in S3", async (c) => {
    await job("parquet", "to_parquet.py", [`s3://datasets/${base}/sales.csv`, `s3://datasets/${base}/parquet`, String(size.files)]);
    const files = await s3.list("datasets", `${base}/parquet/`);
    c.equal("Parquet files", size.files, files.length);
  });

  const dask = await check("Dask cluster aggregation over Parquet in S3", async (c) => {
    await job("dask", "dask_parquet.py", [`s3://datasets/${base}/parquet/`, `s3://outputs/${base}/dask.json`]);
    compareTotals(c, "dask", all, (await result(`${base}/dask.json`)).totals);
  });

  const polars = await check("Polars lazy query (filter + group_by)", async (c) => {
    await job("polars", "polars_lazy.py", [`s3://datasets/${base}/parquet`, (MIN_CENTS / 100).toFixed(2), `s3://outputs/${base}/polars.json`]);
    const r = await result(`${base}/polars.json`);
    // Pushed down, the predicate is the scan's SELECTION; not pushed, it stays a FILTER node above the scan.
    const plan = String(r.plan).split("\n");
    const pushed = plan.find((l) => /^\s*SELECTION:.*amount/.test(l));
    const above = plan.find((l) => /^\s*FILTER\b/.test(l));
    c.that("the optimized plan filters at the scan", pushed !== undefined && above === undefined, "SELECTION on amount in the scan, no FILTER node", above?.trim() ?? pushed?.trim() ?? plan[0] ?? "");
    compareTotals(c, "polars", expectedTotals(data.rows, MIN_CENTS), r.totals);
  });

  const pruning = await check("Parquet column pruning (bytes read)", async (c) => {
    await job("pruning", "column_pruning.py", [`s3://datasets/${base}/parquet/part-000.parquet`, `s3://outputs/${base}/pruning.json`]);
    const r = await result(`${base}/pruning.json`);
    const rows = Math.ceil(size.rows / size.files);
    c.equal("rows read with one column (self-reported)", rows, r.one_column.rows);
    c.equal("rows read with all columns (self-reported)", rows, r.all_columns.rows);
    c.that("one column reads less than half the bytes of all columns (self-reported)", r.one_column.bytes_read < r.all_columns.bytes_read / 2, `< ${Math.round(r.all_columns.bytes_read / 2)} bytes`, `${r.one_column.bytes_read} of ${r.all_columns.bytes_read} bytes`);
  });
  const lazy = await check("lazy evaluation measured: Dask tasks run only on .compute()", async (c) => {
    await installTaskStream(lab);
    const since = Date.now();
    await job("lazy", "lazy_eval.py", [`s3://datasets/${base}/parquet/`, `s3://outputs/${base}/lazy/graph-built`, `s3://outputs/${base}/lazy.json`]);
    const ran = await daskTasksSince(lab, since);
    const marker = (await s3.list("outputs", `${base}/lazy/graph-built`))[0];
    if (!marker) throw new Error("the job wrote no graph-built marker");
    c.that("tasks the scheduler ran (its task stream, not the job's word)", ran.tasks >= size.files && ran.workers >= 1, `≥ ${size.files} (one per Parquet file at least) on ≥ 1 worker`, `${ran.tasks} on ${ran.workers} worker(s): ${Object.entries(ran.prefixes).map(([k, n]) => `${k} ${n}`).join(", ")}`);
    const lead = ran.first_start === null ? NaN : ran.first_start * 1000 - marker.modified;
    c.that("no task started before the graph was built and .compute() called", lead > 0, "first task start after the marker's time in MinIO", Number.isNaN(lead) ? "no task" : `${Math.round(lead)} ms after`);
    const r = await result(`${base}/lazy.json`);
    const want = expectedTotals(data.rows);
    const worst = Math.max(...[...want].map(([k, e]) => Math.abs((r.totals?.[k] ?? Infinity) - e.cents / 100) / (e.cents / 100)));
    c.equal("lazy: categories", want.size, Object.keys(r.totals ?? {}).length);
    c.that("lazy: total amount per category", worst <= 1e-9, "relative error ≤ 1e-9", `max relative error ${worst.toExponential(2)}`);
  });
  return [pandas, parquet, dask, polars, pruning, lazy];
};
