import * as path from "path";
import { check } from "../common/check";
import { Driver, runId } from "../common/driver";
import { jobLauncher } from "../common/jobs";
import { Rng } from "../common/random";
import { LabS3 } from "../common/s3";

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

function predict(m: { coefficients: number[]; intercept: number }, x: readonly number[]): number {
  return m.intercept + x.reduce((s, v, i) => s + v * m.coefficients[i]!, 0);
}

/**
 * Module 3 (ML at scale): an MLlib pipeline recovering known coefficients,
 * and a scikit-learn grid search run on the Dask cluster; both compared with
 * the driver's own least-squares fit of the same data.
 */
export const driver: Driver = async (lab, opts) => {
  const s3 = new LabS3(lab);
  const rows = SIZES[opts.size];
  const id = runId(opts.seed);
  const { xs, ys, csv } = generateRegression(new Rng(opts.seed), rows);
  const base = `m3/${id}`;
  opts.log(`seeding s3://datasets/${base}/regression.csv (${rows} rows)`);
  await s3.put("datasets", `${base}/regression.csv`, csv);
  const job = jobLauncher(lab, path.join(__dirname, "jobs"), opts);
  const ols = leastSquares(xs, ys);
  const rmse = Math.sqrt(xs.reduce((s, x, i) => s + (predict(ols, x) - ys[i]!) ** 2, 0) / rows);

  const mllib = await check("MLlib pipeline: VectorAssembler + LinearRegression", async (c) => {
    await job("mllib", "mllib_regression.py", [`s3a://datasets/${base}/regression.csv`, `s3a://models/${base}/mllib`]);
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
    await job("sklearn", "dask_sklearn.py", [`s3://datasets/${base}/regression.csv`, `s3://models/${base}/sklearn.json`]);
    const r = JSON.parse(Buffer.from(await s3.get("models", `${base}/sklearn.json`)).toString("utf8"));
    const split = Math.floor(rows * 0.8);
    const train = leastSquares(xs.slice(0, split), ys.slice(0, split));
    const hy = ys.slice(split);
    const mean = hy.reduce((a, b) => a + b, 0) / hy.length;
    const ssRes = xs.slice(split).reduce((s, x, i) => s + (predict(train, x) - hy[i]!) ** 2, 0);
    const ssTot = hy.reduce((s, v) => s + (v - mean) ** 2, 0);
    c.that("cross-validation ran as Dask tasks on the workers", r.dask_tasks > 0 && r.workers >= 1, "> 0 tasks on ≥ 1 worker", `${r.dask_tasks} tasks on ${r.workers} worker(s)`);
    c.close("holdout R² = driver's least-squares R²", 1 - ssRes / ssTot, r.holdout_r2, 1e-3);
    TRUE_COEFFICIENTS.forEach((t, i) => c.close(`x${i + 1} coefficient of the best model (true ${t})`, t, r.coefficients[i], 0.02));
  });
  return [mllib, sklearn];
};
