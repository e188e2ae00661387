import { describe, expect, it } from "vitest";
import { Rng } from "../lab-workloads/common/random";
import { generateRegression, leastSquares, scores } from "../lab-workloads/m3/driver";

describe("module 3: the driver's own fit and held-out scores", () => {
  it("scores a perfect model RMSE 0, R² 1, and the mean predictor R² 0", () => {
    const xs = [[1], [2], [3], [4]];
    const ys = [3, 5, 7, 9];
    expect(scores({ coefficients: [2], intercept: 1 }, xs, ys)).toEqual({ rmse: 0, r2: 1 });
    const mean = scores({ coefficients: [0], intercept: 6 }, xs, ys);
    expect(mean.r2).toBeCloseTo(0, 12);
    expect(mean.rmse).toBeCloseTo(Math.sqrt(5), 12);
  });

  it("fits on 80% and scores the other 20% within the noise the data was drawn with", () => {
    const { xs, ys } = generateRegression(new Rng(42), 5_000);
    const fit = leastSquares(xs.slice(0, 4_000), ys.slice(0, 4_000));
    const held = scores(fit, xs.slice(4_000), ys.slice(4_000));
    expect(held.rmse).toBeLessThan(0.1 * 1.15);
    expect(held.rmse).toBeGreaterThan(0.1 * 0.85);
    // A model missing a feature is far outside that bound.
    const wrong = scores({ coefficients: [fit.coefficients[0]!, 0, fit.coefficients[2]!], intercept: fit.intercept }, xs.slice(4_000), ys.slice(4_000));
    expect(wrong.rmse).toBeGreaterThan(1);
  });
});
