"""Module 4 exercise: tumbling-window counts with a watermark (Spark Structured Streaming).

Usage: window_counts.py <topic> <output dir, s3a://...> <checkpoint dir, s3a://...>
                        [--window 10 seconds] [--delay 30 seconds] [--batch 200]

Reads JSON sensor events {"id", "sensor", "ts" (epoch ms), "value"} from Kafka,
counts events per (10-second tumbling window, sensor) with a 30-second watermark
on the event time, and appends each finished window to JSON files. Events that
arrive after the watermark has passed their window are dropped.

The query runs with Trigger.AvailableNow: it processes what is in the topic now,
in micro-batches of at most --batch records, then stops. In class you would run
it with processingTime="5 seconds" and keep it running.
"""
import argparse
import json
import os

from pyspark.sql import SparkSession, functions as F

p = argparse.ArgumentParser()
p.add_argument("topic")
p.add_argument("output")
p.add_argument("checkpoint")
p.add_argument("--window", default="10 seconds")
p.add_argument("--delay", default="30 seconds")
p.add_argument("--batch", type=int, default=200)
args = p.parse_args()

spark = (SparkSession.builder.appName("m4-window-counts")
         .config("spark.sql.shuffle.partitions", "2")   # state store partitions: few keys, one small executor
         # No extra batch without data just to move the watermark: the stream's last record does it.
         .config("spark.sql.streaming.noDataMicroBatches.enabled", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("WARN")

raw = (spark.readStream.format("kafka")
       .option("kafka.bootstrap.servers", os.environ["KAFKA_BOOTSTRAP_SERVERS"])
       .option("subscribe", args.topic)
       .option("startingOffsets", "earliest")
       .option("maxOffsetsPerTrigger", args.batch)
       .load())

events = (raw.select(F.from_json(F.col("value").cast("string"),
                                 "id LONG, sensor STRING, ts LONG, value DOUBLE").alias("e"))
          .select("e.*")
          .withColumn("event_time", F.timestamp_millis("ts")))

counts = (events.withWatermark("event_time", args.delay)            # how late an event may be
          .groupBy(F.window("event_time", args.window), "sensor")   # tumbling windows
          .agg(F.count("*").alias("count"))
          .select(F.col("window.start").alias("window_start"),
                  F.col("window.end").alias("window_end"), "sensor", "count"))

query = (counts.writeStream.outputMode("append")                    # a window is written once, when final
         .format("json")
         .option("path", args.output)
         .option("checkpointLocation", args.checkpoint)
         .trigger(availableNow=True)
         .start())
query.awaitTermination()

# One line per micro-batch, for the driver: rows in, watermark in force, rows dropped as late.
for prog in query.recentProgress:
    ops = prog.stateOperators
    print("PROGRESS " + json.dumps({
        "batch": prog.batchId,
        "rows": prog.numInputRows,
        "watermark": prog.eventTime.get("watermark"),
        "dropped": sum(op.numRowsDroppedByWatermark for op in ops),
        "state_rows": sum(op.numRowsTotal for op in ops),
    }))
spark.stop()
