"""Module 2 exercise: RDD parallelize / collect, partitions and repartitioning, lazy evaluation.

Usage: rdd_partitions.py <numbers, one per line, s3a://...> <output dir, s3a://...>
                         [--slices 8] [--buckets 5] [--repartition 3]

1. `sc.parallelize(numbers, slices)`: the list, read here in the driver
   program, is cut into `slices` partitions. Saved as text, one part file per
   partition, so each partition's size can be seen from outside.
2. Lazy evaluation: a `mapPartitionsWithIndex` that leaves a marker object in
   S3 each time a partition is computed is defined first; a "defined" marker is
   written; only the action after it (`collect`) computes the partitions.
3. `partitionBy(buckets)` on (number, 1) pairs: a hash partitioner, so a
   number's partition is hash(number) % buckets; saved one file per partition.
4. `repartition(n)`: a full shuffle into n partitions; saved the same way.
"""
import argparse
import json
import os
import time

import s3fs
from pyspark.sql import SparkSession

p = argparse.ArgumentParser()
p.add_argument("source")
p.add_argument("output")
p.add_argument("--slices", type=int, default=8)
p.add_argument("--buckets", type=int, default=5)
p.add_argument("--repartition", type=int, default=3)
args = p.parse_args()
out = args.output.rstrip("/")
endpoint, key, secret = os.environ["AWS_ENDPOINT_URL"], os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
fs = s3fs.S3FileSystem(key=key, secret=secret, client_kwargs={"endpoint_url": endpoint, "region_name": "us-east-1"})

with fs.open(args.source.replace("s3a://", "s3://"), "r") as f:
    numbers = [int(line) for line in f if line.strip()]

spark = SparkSession.builder.appName("m2-rdd-partitions").getOrCreate()
sc = spark.sparkContext

rdd = sc.parallelize(numbers, args.slices)                         # a local list, cut into partitions
print(f"parallelize: {rdd.getNumPartitions()} partitions")
rdd.saveAsTextFile(f"{out}/parallelized")                          # action: one part file per partition


def mark(index, items):
    """Runs on an executor when partition `index` is computed: leaves s3://<out>/lazy/part-<index>."""
    from pyarrow import fs as pafs
    s3 = pafs.S3FileSystem(access_key=key, secret_key=secret, endpoint_override=endpoint.split("://")[1],
                           scheme=endpoint.split("://")[0], region="us-east-1")
    with s3.open_output_stream(f"{out.split('://')[1]}/lazy/part-{index:05d}") as marker:
        marker.write(b"computed")
    return (x * 2 for x in items)


doubled = rdd.mapPartitionsWithIndex(mark)                          # transformation: nothing runs
with fs.open(f"{out.replace('s3a://', 's3://')}/lazy/defined", "w") as marker:
    marker.write("defined")                                         # the plan exists; no partition computed
time.sleep(1.5)
collected = doubled.collect()                                       # action: now every partition runs
with fs.open(f"{out.replace('s3a://', 's3://')}/collected.json", "w") as f:
    json.dump(collected, f)

by_key = rdd.map(lambda x: (x, 1)).partitionBy(args.buckets)       # hash partitioning (a shuffle)
by_key.keys().saveAsTextFile(f"{out}/by_key")
shuffled = rdd.repartition(args.repartition)                        # round-robin shuffle
shuffled.saveAsTextFile(f"{out}/repartitioned")
print(f"partitionBy: {by_key.getNumPartitions()}, repartition: {shuffled.getNumPartitions()}, "
      f"coalesce(2): {shuffled.coalesce(2).getNumPartitions()}")
spark.stop()
