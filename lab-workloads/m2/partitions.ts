/**
 * How PySpark's `sc.parallelize(list, slices)` cuts a list: the list is
 * pickled in batches of `max(1, min(len // slices, 1024))` elements, and the
 * JVM slices the *batches* (not the elements) as Spark slices any sequence:
 * slice i holds batches [floor(i·B/slices), floor((i+1)·B/slices)). So with
 * 10,000 numbers in 8 slices, batches of 1,024 make some partitions twice as
 * large as others. Returns the elements of each partition, in order.
 * @param batchCap PySpark's automatic batch size cap. @default 1024
 */
export function parallelizeSlices<T>(items: readonly T[], slices: number, batchCap = 1024): T[][] {
  if (slices < 1) throw new Error(`slices must be ≥ 1, got ${slices}`);
  const batchSize = Math.max(1, Math.min(Math.floor(items.length / slices), batchCap));
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  const b = batches.length;
  return Array.from({ length: slices }, (_, i) => batches.slice(Math.floor((i * b) / slices), Math.floor(((i + 1) * b) / slices)).flat());
}

/**
 * The partitions of `rdd.map(lambda x: (x, 1)).partitionBy(buckets)` for
 * non-negative integers below 2^61 - 1: Python's hash of such an int is the
 * int itself, so a number lands in partition `n % buckets` (order within a
 * partition not compared: a shuffle does not keep it).
 */
export function hashPartitionSizes(numbers: readonly number[], buckets: number): number[] {
  const sizes = new Array<number>(buckets).fill(0);
  for (const n of numbers) {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${n}: only non-negative safe integers hash to themselves`);
    sizes[n % buckets]! += 1;
  }
  return sizes;
}

/**
 * The most a round-robin `repartition(n)` of `inputPartitions` partitions may
 * leave between its largest and smallest partition: each input partition
 * deals its records out in turn (PySpark reships them in batches of 10), from
 * its own random start, so each may put at most one batch more in one output
 * partition than in another.
 * @param batch PySpark's batch size for a shuffle. @default 10
 */
export function repartitionSpread(inputPartitions: number, batch = 10): number {
  return inputPartitions * batch;
}
