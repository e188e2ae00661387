"""Module 5 exercise: the same table as CSV and as Parquet on HDFS.

Usage: csv_vs_parquet.py <trips CSV, hdfs://...> <Parquet output dir, hdfs://...> [<codecs dir, hdfs://...>]

Reads the CSV with an explicit schema, writes it as Parquet (snappy), then
answers "trips and total fare per pickup zone" from the Parquet copy. Only two
of the nine columns are read: the plan's ReadSchema shows the pruning.
Then, with a codecs dir, writes the table once per compression codec
(snappy, gzip, zstd) into <codecs dir>/<codec>/ and times a full read of each
(sum of every numeric column), best of three.
Prints one JSON summary line (and one CODECS line).
"""
import json
import sys
import time

from pyspark.sql import SparkSession, functions as F

source, target = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.appName("m5-csv-vs-parquet").getOrCreate()
spark.sparkContext.setLogLevel("WARN")

schema = ("trip_id LONG, pickup_zone STRING, dropoff_zone STRING, passengers INT, "
          "distance_km DOUBLE, fare DOUBLE, tip DOUBLE, payment STRING, pickup_time TIMESTAMP")
trips = spark.read.option("header", True).schema(schema).csv(source)
trips.coalesce(1).write.mode("overwrite").option("compression", "snappy").parquet(target)

by_zone = (spark.read.parquet(target)
           .groupBy("pickup_zone")
           .agg(F.count("*").alias("trips"), F.sum("fare").alias("fare")))
plan = by_zone._jdf.queryExecution().executedPlan().toString()
read_schema = next((line.split("ReadSchema: ")[1] for line in plan.splitlines() if "ReadSchema: " in line), "")
rows = {r["pickup_zone"]: {"trips": r["trips"], "fare": r["fare"]} for r in by_zone.collect()}
print("SUMMARY " + json.dumps({"read_schema": read_schema, "zones": rows}))

if len(sys.argv) > 3:
    codecs = {}
    table = spark.read.parquet(target)
    for codec in ("snappy", "gzip", "zstd"):
        d = f"{sys.argv[3].rstrip('/')}/{codec}"
        table.coalesce(1).write.mode("overwrite").option("compression", codec).parquet(d)
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            row = (spark.read.parquet(d)
                   .agg(F.count("*").alias("rows"), F.sum("fare").alias("fare"), F.sum("tip").alias("tip"),
                        F.sum("distance_km").alias("km"), F.sum("passengers").alias("passengers"))
                   .first())
            best = min(best, time.perf_counter() - t)
        codecs[codec] = {"read_seconds": best, "rows": row["rows"], "fare": row["fare"]}
        print(f"{codec}: full read {best:.3f} s")
    print("CODECS " + json.dumps(codecs))
spark.stop()
