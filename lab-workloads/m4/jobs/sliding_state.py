"""Module 4 exercise: sliding windows and a running aggregate per key (Spark Structured Streaming).

Usage: sliding_state.py <topic> <output dir, s3a://...> <checkpoint dir, s3a://...>
                        [--window 10 seconds] [--slide 5 seconds] [--delay 30 seconds] [--batch 200]

Two streaming queries over the same Kafka topic of JSON sensor events:

1. Sliding windows: counts per (10-second window every 5 seconds, sensor) with
   a 30-second watermark, appended to <output>/sliding as JSON once final. An
   event counts in every window that holds it (two here), unlike a tumbling
   window.
2. Stateful processing: the running count and sum of `value` per sensor,
   carried from micro-batch to micro-batch in Spark's state store (update
   mode: each micro-batch emits the sensors it changed, with their totals so
   far); foreachBatch appends them, tagged with the batch id, to
   <output>/running as JSON.

Both run at the same time in one application (each query has its own
checkpoint and reads the topic on its own), with Trigger.AvailableNow and
micro-batches of at most --batch records.
"""
import argparse
import os

from pyspark.sql import SparkSession, functions as F

p = argparse.ArgumentParser()
p.add_argument("topic")
p.add_argument("output")
p.add_argument("checkpoint")
p.add_argument("--window", default="10 seconds")
p.add_argument("--slide", default="5 seconds")
p.add_argument("--delay", default="30 seconds")
p.add_argument("--batch", type=int, default=200)
args = p.parse_args()
out, ckpt = args.output.rstrip("/"), args.checkpoint.rstrip("/")

spark = (SparkSession.builder.appName("m4-sliding-state")
         .config("spark.sql.shuffle.partitions", "2")
         # No extra batch without data just to move the watermark: the stream's last record does it.
         .config("spark.sql.streaming.noDataMicroBatches.enabled", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("WARN")


def events():
    raw = (spark.readStream.format("kafka")
           .option("kafka.bootstrap.servers", os.environ["KAFKA_BOOTSTRAP_SERVERS"])
           .option("subscribe", args.topic)
           .option("startingOffsets", "earliest")
           .option("maxOffsetsPerTrigger", args.batch)
           .load())
    return (raw.select(F.from_json(F.col("value").cast("string"),
                                   "id LONG, sensor STRING, ts LONG, value DOUBLE").alias("e"))
            .select("e.*")
            .withColumn("event_time", F.timestamp_millis("ts")))


sliding = (events().withWatermark("event_time", args.delay)
           .groupBy(F.window("event_time", args.window, args.slide), "sensor")   # sliding windows
           .agg(F.count("*").alias("count"))
           .select(F.col("window.start").alias("window_start"), F.col("window.end").alias("window_end"),
                   "sensor", "count"))
q1 = (sliding.writeStream.outputMode("append").format("json")
      .option("path", f"{out}/sliding").option("checkpointLocation", f"{ckpt}/sliding")
      .trigger(availableNow=True).start())


def save(batch, batch_id):
    batch.withColumn("batch", F.lit(batch_id)).coalesce(1).write.mode("append").json(f"{out}/running")


running = (events().groupBy("sensor")                                            # state per key
           .agg(F.count("*").alias("count"), F.sum("value").alias("sum")))
q2 = (running.writeStream.outputMode("update").foreachBatch(save)
      .option("checkpointLocation", f"{ckpt}/running")
      .trigger(availableNow=True).start())
q1.awaitTermination()                                                           # both queries are running:
q2.awaitTermination()                                                           # wait until each has read it all
print(f"sliding windows: {len(q1.recentProgress)} micro-batches")
print(f"running totals: {len(q2.recentProgress)} micro-batches")
spark.stop()
