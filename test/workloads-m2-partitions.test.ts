import { describe, expect, it } from "vitest";
import { hashPartitionSizes, parallelizeSlices, repartitionSpread } from "../lab-workloads/m2/partitions";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("module 2: how PySpark cuts a list into partitions", () => {
  it("slices batches of 1024, not elements: 10,000 in 8 slices gives uneven partitions", () => {
    const parts = parallelizeSlices(range(10_000), 8);
    // 10 batches (9 × 1024 + 784) sliced at floor(i·10/8) = 0,1,2,3,5,6,7,8,10.
    expect(parts.map((p) => p.length)).toEqual([1024, 1024, 1024, 2048, 1024, 1024, 1024, 1808]);
    expect(parts.flat()).toEqual(range(10_000));
  });

  it("uses batches of len // slices when smaller, as PySpark's own doctest shows", () => {
    // sc.parallelize([0, 2, 3, 4, 6], 5).glom().collect() == [[0], [2], [3], [4], [6]]
    expect(parallelizeSlices([0, 2, 3, 4, 6], 5)).toEqual([[0], [2], [3], [4], [6]]);
    // sc.parallelize(["a", "b", "c"], 2).glom().collect() == [["a"], ["b", "c"]]
    expect(parallelizeSlices(["a", "b", "c"], 2)).toEqual([["a"], ["b", "c"]]);
    // Fewer elements than slices: batches of 1, some partitions empty.
    expect(parallelizeSlices([1, 2], 4)).toEqual([[], [1], [], [2]]);
  });

  it("puts a non-negative int in partition n % buckets", () => {
    expect(hashPartitionSizes([0, 5, 10, 3, 8, 1], 5)).toEqual([3, 1, 0, 2, 0]);
    expect(() => hashPartitionSizes([-1], 5)).toThrow(/non-negative/);
  });

  it("bounds a round-robin repartition's imbalance by one batch per input partition", () => {
    expect(repartitionSpread(8)).toBe(80);
  });
});
