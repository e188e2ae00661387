import * as path from "path";
import { parquetReadObjects } from "hyparquet";
import { check } from "../common/check";
import { Driver, jobStarter, runId, started } from "../common/driver";
import { jobLauncher } from "../common/jobs";
import { Rng } from "../common/random";
import { LabS3 } from "../common/s3";
import { DaskTasks, daskTasksSince, installTaskStream } from "../m1/observe";

/** Data sizes; `small` is also the starter data `labctl reset` writes. */
export const SIZES = { small: 5_000, medium: 500_000 };
/** The model the data is drawn from: y = 3 x1 - 2 x2 + 0.5 x3 + 4 + noise. */
const TRUE_COEFFICIENTS = [3, -2, 0.5];
const TRUE_INTERCEPT = 4;
const NOISE_SD = 0.1;

/** Ordinary least squares with an intercept, by the normal equations (4×4, Gaussian elimination). */
export function leastSquares(xs: readonly number[][], ys: readonly number[]): { coefficients: number[]; intercept: number } {
  const k = xs[0]!.length + 1;
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  xs.forEach((x, i) => {
    const row = [1, ...x];
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) a[r]![c]! += row[r]! * row[c]!;
      a[r]![k]! += row[r]! * ys[i]!;
    }
  });
  for (let col = 0; col < k; col++) {
    const pivot = a.slice(col).reduce((best, r, i) => (Math.abs(r[col]!) > Math.abs(a[best]![col]!) ? col + i : best), col);
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= k; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const beta = a.map((r, i) => r[k]! / r[i]!);
  return { intercept: beta[0]!, coefficients: beta.slice(1) };
}

/** Rows drawn from the known model, and the same as CSV (x1,x2,x3,y). */
export function generateRegression(rng: Rng, rows: number): { xs: number[][]; ys: number[]; csv: string } {
  const xs: number[][] = [];
  const ys: number[] = [];
  const lines = ["x1,x2,x3,y"];
  for (let i = 0; i < rows; i++) {
    const x = [rng.normal(0, 1), rng.normal(2, 3), rng.normal(-1, 0.5)];
    const y = TRUE_INTERCEPT + x.reduce((s, v, j) => s + v * TRUE_COEFFICIENTS[j]!, 0) + rng.normal(0, NOISE_SD);
    xs.push(x);
    ys.push(y);
    lines.push(`${x.map((v) => v.toPrecision(17)).join(",")},${y.toPrecision(17)}`);
  }
  return { xs, ys, csv: `${lines.join("\n")}\n` };
}

/** RMSE and R² of a model's predictions on rows. */
export function scores(m: { coefficients: number[]; intercept: number }, xs: readonly number[][], ys: readonly number[]): { rmse: number; r2: number } {
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  const ssRes = xs.reduce((s, x, i) => s + (predict(m, x) - ys[i]!) ** 2, 0);
  const ssTot = ys.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { rmse: Math.sqrt(ssRes / ys.length), r2: 1 - ssRes / ssTot };
}

function predict(m: { coefficients: number[]; intercept: number }, x: readonly number[]): number {
  return m.intercept + x.reduce((s, v, i) => s + v * m.coefficients[i]!, 0);
}

/**
 * Module 3 (ML at scale): an MLlib pipeline recovering known coefficients, a
 * scikit-learn grid search run on the Dask cluster, an MLlib Pipeline saved
 * to S3, loaded and scored on held-out rows, and Dask-ML's split and
 * estimator on a Dask DataFrame; all compared with the driver's own
 * least-squares fit of the same data.
 */
export const driver: Driver = async (lab, opts) => {
  const s3 = new LabS3(lab);
  const rows = SIZES[opts.size];
  const id = runId(opts.seed);
  const { xs, ys, csv } = generateRegression(new Rng(opts.seed), rows);
  const base = `m3/${id}`;
  const split = Math.floor(rows * 0.8);
  const lines = csv.trimEnd().split("\n");
  opts.log(`seeding s3://datasets/${base}/ (regression.csv: ${rows} rows; train.csv, test.csv: ${split} and ${rows - split})`);
  await Promise.all([
    s3.put("datasets", `${base}/regression.csv`, csv),
    s3.put("datasets", `${base}/train/train.csv`, `${lines.slice(0, split + 1).join("\n")}\n`),
    s3.put("datasets", `${base}/test/test.csv`, `${[lines[0], ...lines.slice(split + 1)].join("\n")}\n`),
  ]);
  const job = jobLauncher(lab, path.join(__dirname, "jobs"), opts);
  const start = jobStarter(job, opts.log);
  const ols = leastSquares(xs, ys);
  const rmse = Math.sqrt(xs.reduce((s, x, i) => s + (predict(ols, x) - ys[i]!) ** 2, 0) / rows);

  // Two chains run side by side, each check waiting for its own job. Spark: both applications
  // are submitted now and take the worker in turn. Dask: one job at a time, each bracketed by the
  // scheduler's task stream (read by the driver's own client), so each count is that job's alone.
  const spark = {
    mllib: start("mllib", "mllib_regression.py", [`s3a://datasets/${base}/regression.csv`, `s3a://models/${base}/mllib`]),
    pipeline: start("pipeline", "mllib_pipeline.py", [`s3a://datasets/${base}/train/train.csv`, `s3a://datasets/${base}/test/test.csv`, `s3a://models/${base}/pipeline`, `s3a://models/${base}/pipeline-result`]),
  };
  /** Runs a Dask job and returns the tasks the scheduler started from just before it to its end. */
  const onDask = async (name: string, script: string, args: string[]): Promise<DaskTasks> => {
    const since = Date.now();
    await start(name, script, args);
    return daskTasksSince(lab, since);
  };
  const streamReady = installTaskStream(lab);
  const sklearnRun = started(streamReady.then(() => onDask("sklearn", "dask_sklearn.py", [`s3://datasets/${base}/regression.csv`, `s3://models/${base}/sklearn.json`])));
  const daskMlRun = started(sklearnRun.catch(() => undefined).then(() => streamReady).then(() => onDask("dask-ml", "dask_ml_split.py", [`s3://datasets/${base}/regression.csv`, `s3://models/${base}/dask_ml.json`])));

  const mllib = await check("MLlib pipeline: VectorAssembler + LinearRegression", async (c) => {
    await spark.mllib;
    const part = (await s3.list("models", `${base}/mllib/part-`))[0];
    if (!part) throw new Error("the job wrote no result");
    const r = JSON.parse(Buffer.from(await s3.get("models", part.key)).toString("utf8").trim());
    c.equal("rows trained on", rows, r.rows);
    TRUE_COEFFICIENTS.forEach((t, i) => c.close(`x${i + 1} coefficient recovered (true ${t})`, t, r.coefficients[i], 0.02));
    c.close(`intercept recovered (true ${TRUE_INTERCEPT})`, TRUE_INTERCEPT, r.intercept, 0.05);
    ols.coefficients.forEach((b, i) => c.close(`x${i + 1} coefficient = driver's least squares`, b, r.coefficients[i], 1e-6));
    c.close("training RMSE = driver's", rmse, r.rmse, 1e-6, true);
  });

  const sklearn = await check("scikit-learn grid search on the Dask cluster (joblib)", async (c) => {
    const ran = await sklearnRun;
    const r = JSON.parse(Buffer.from(await s3.get("models", `${base}/sklearn.json`)).toString("utf8"));
    const train = leastSquares(xs.slice(0, split), ys.slice(0, split));
    const hy = ys.slice(split);
    const mean = hy.reduce((a, b) => a + b, 0) / hy.length;
    const ssRes = xs.slice(split).reduce((s, x, i) => s + (predict(train, x) - hy[i]!) ** 2, 0);
    const ssTot = hy.reduce((s, v) => s + (v - mean) ** 2, 0);
    c.that("cross-validation ran as Dask tasks on the workers (the scheduler's task stream)", ran.tasks > 0 && ran.workers >= 1, "> 0 tasks on ≥ 1 worker", `${ran.tasks} tasks on ${ran.workers} worker(s)`);
    c.equal("tasks the job counted = tasks the scheduler ran", ran.tasks, r.dask_tasks);
    c.close("holdout R² = driver's least-squares R²", 1 - ssRes / ssTot, r.holdout_r2, 1e-3);
    TRUE_COEFFICIENTS.forEach((t, i) => c.close(`x${i + 1} coefficient of the best model (true ${t})`, t, r.coefficients[i], 0.02));
  });
  const trainFit = leastSquares(xs.slice(0, split), ys.slice(0, split));
  const pipeline = await check("MLlib Pipeline saved to S3, loaded, scored on held-out rows (RegressionEvaluator)", async (c) => {
    await spark.pipeline;
    const part = (await s3.list("models", `${base}/pipeline-result/part-`))[0];
    if (!part) throw new Error("the job wrote no result");
    const r = JSON.parse(Buffer.from(await s3.get("models", part.key)).toString("utf8").trim());
    c.equal("rows trained on", split, r.train_rows);
    c.equal("held-out rows scored", rows - split, r.test_rows);
    const held = scores(trainFit, xs.slice(split), ys.slice(split));
    c.close("held-out RMSE = driver's least squares on the training rows", held.rmse, r.test_rmse, 1e-6, true);
    c.close("held-out R² = driver's", held.r2, r.test_r2, 1e-6);
    c.that("held-out RMSE within the noise the data was drawn with", r.test_rmse <= NOISE_SD * 1.15, `≤ ${(NOISE_SD * 1.15).toFixed(3)} (noise sd ${NOISE_SD} × 1.15)`, String(r.test_rmse));
    // The saved model itself, read from S3 by the driver: the LinearRegression stage's Parquet data.
    const data = (await s3.list("models", `${base}/pipeline/stages/`)).filter((o) => /LinearRegression[^/]*\/data\/part-.*\.parquet$/.test(o.key));
    c.equal("saved stages: LinearRegression data files", 1, data.length);
    const bytes = await s3.get("models", data[0]!.key);
    const saved = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }))[0] as { intercept: number; coefficients: { values: number[] } };
    trainFit.coefficients.forEach((b, i) => c.close(`saved model's x${i + 1} coefficient = driver's fit`, b, Number(saved.coefficients.values[i]), 1e-6));
    c.close("saved model's intercept = driver's fit", trainFit.intercept, Number(saved.intercept), 1e-6);
  });

  const daskMl = await check("Dask-ML: train_test_split and LinearRegression on a Dask DataFrame", async (c) => {
    const ran = await daskMlRun;
    const r = JSON.parse(Buffer.from(await s3.get("models", `${base}/dask_ml.json`)).toString("utf8"));
    c.equal("train + test rows", rows, r.train_rows + r.test_rows);
    // Each row goes to test with probability 0.2: allow 4 standard deviations.
    const sd = Math.sqrt(rows * 0.2 * 0.8);
    c.close("test rows (20% split)", rows * 0.2, r.test_rows, 4 * sd);
    TRUE_COEFFICIENTS.forEach((t, i) => c.close(`x${i + 1} coefficient (true ${t})`, t, r.coefficients[i], 0.02));
    c.close(`intercept (true ${TRUE_INTERCEPT})`, TRUE_INTERCEPT, r.intercept, 0.05);
    const all = scores(ols, xs, ys);
    c.close("test R² near the driver's R² of least squares on all rows", all.r2, r.test_r2, 0.002);
    c.that("the fit ran on the cluster (the scheduler's task stream)", ran.tasks > r.partitions && ran.workers >= 1, `> ${r.partitions} tasks on ≥ 1 worker`, `${ran.tasks} tasks on ${ran.workers} worker(s)`);
  });
  return [mllib, sklearn, pipeline, daskMl];
};
