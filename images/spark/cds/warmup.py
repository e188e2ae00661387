"""warmup.py DIR  (run by build-archive.sh while the image is built; needs no network)

Runs what the course's Spark jobs run, on a throwaway standalone cluster, so that the JVMs of
the driver, the executor and the daemons list the classes they load. The class-data sharing
archive is built from those lists. Anything left out still loads as before, from the jars.
Touches: RDDs, DataFrames (groupBy/agg, joins, windows, caching), CSV/JSON/Parquet, Python
UDFs and Arrow, MLlib pipelines, Structured Streaming (windows, watermark, append and update
modes, foreachBatch), the Kafka source, and the S3A and HDFS clients (created, never reached).
"""
import os
import sys

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.evaluation import RegressionEvaluator
from pyspark.ml.feature import StandardScaler, VectorAssembler
from pyspark.ml.regression import LinearRegression
from pyspark.sql import SparkSession, Window, functions as F

out = sys.argv[1]
spark = (SparkSession.builder.appName("class-data-sharing-warmup")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:9")
         .config("spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider")
         .config("spark.hadoop.fs.s3a.attempts.maximum", "1")
         .config("spark.hadoop.fs.s3a.retry.limit", "0")
         .config("spark.hadoop.fs.s3a.connection.establish.timeout", "500ms")
         .config("spark.hadoop.ipc.client.connect.max.retries", "0")
         .config("spark.hadoop.ipc.client.connect.max.retries.on.timeouts", "0")
         .getOrCreate())
sc = spark.sparkContext

# RDDs: partitions, shuffles, caching.
words = sc.parallelize(["a b c", "b c d", "c d e"] * 50, 4).flatMap(str.split).cache()
assert words.map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b).count() == 5
assert words.repartition(3).glom().map(len).sum() == 450

# DataFrames: aggregation, joins, window functions, Python and Arrow UDFs, files.
sales = spark.createDataFrame([(i % 7, f"s{i % 3}", float(i)) for i in range(500)], "store INT, region STRING, amount DOUBLE")
stores = spark.createDataFrame([(i, f"store {i}") for i in range(7)], "store INT, name STRING")
agg = (sales.groupBy("store", "region").agg(F.count("*").alias("n"), F.sum("amount").alias("sum"),
                                            F.avg("amount").alias("avg"), F.max("amount").alias("max"))
       .join(F.broadcast(stores), "store")
       .withColumn("rank", F.rank().over(Window.partitionBy("region").orderBy(F.desc("sum")))))
agg.cache()
assert agg.count() == 21
upper = F.udf(lambda s: s.upper(), "string")
length = F.pandas_udf(lambda s: s.str.len(), "long")
assert agg.select(upper("name"), length("region")).orderBy("store").limit(3).count() == 3
for fmt in ("parquet", "json", "csv"):
    agg.write.mode("overwrite").option("header", True).format(fmt).save(f"{out}/agg.{fmt}")
    assert spark.read.option("header", True).format(fmt).load(f"{out}/agg.{fmt}").count() == 21
sales.write.mode("overwrite").partitionBy("region").parquet(f"{out}/sales")
assert spark.read.parquet(f"{out}/sales").where("region = 's1'").agg(F.sum("amount")).first()[0] > 0
assert spark.sql("SELECT store, SUM(amount) FROM parquet.`%s/sales` GROUP BY store" % out).count() == 7
agg.toPandas()

# MLlib: a pipeline fitted, evaluated, saved and loaded.
points = spark.createDataFrame([(float(i), float(i % 5), 3.0 * i + (i % 5)) for i in range(200)], "x DOUBLE, z DOUBLE, y DOUBLE")
pipeline = Pipeline(stages=[VectorAssembler(inputCols=["x", "z"], outputCol="raw"),
                            StandardScaler(inputCol="raw", outputCol="features"),
                            LinearRegression(featuresCol="features", labelCol="y", maxIter=5)])
model = pipeline.fit(points)
model.write().overwrite().save(f"{out}/model")
RegressionEvaluator(labelCol="y").evaluate(PipelineModel.load(f"{out}/model").transform(points))

# Structured Streaming: event-time windows with a watermark, append and update modes.
os.makedirs(f"{out}/events")
for batch in range(3):
    spark.createDataFrame([(f"k{i % 3}", f"2026-01-01 00:0{batch}:{i % 60:02d}") for i in range(60)], "key STRING, ts STRING") \
        .write.mode("append").json(f"{out}/events")
events = (spark.readStream.schema("key STRING, ts STRING").option("maxFilesPerTrigger", 2).json(f"{out}/events")
          .withColumn("ts", F.to_timestamp("ts")).withWatermark("ts", "30 seconds"))
tumbling = (events.groupBy(F.window("ts", "10 seconds"), "key").count()
            .writeStream.outputMode("append").format("json").option("path", f"{out}/tumbling")
            .option("checkpointLocation", f"{out}/cp-tumbling").trigger(availableNow=True).start())
tumbling.awaitTermination()
batches = []
running = (events.groupBy(F.window("ts", "10 seconds", "5 seconds"), "key").agg(F.count("*").alias("n"))
           .writeStream.outputMode("update").option("checkpointLocation", f"{out}/cp-sliding")
           .foreachBatch(lambda df, epoch: batches.append(df.count())).trigger(availableNow=True).start())
running.awaitTermination()
assert batches, "the update-mode query ran no batch"

# The Kafka source (planned, never started: there is no broker).
(spark.readStream.format("kafka").option("kafka.bootstrap.servers", "127.0.0.1:9").option("subscribe", "warmup")
 .load().selectExpr("CAST(key AS STRING)", "CAST(value AS STRING)", "timestamp").schema)

# The S3A and HDFS clients: created, then one call each that fails fast (nothing listens).
jvm, conf = spark._jvm, sc._jsc.hadoopConfiguration()
for uri in ("s3a://warmup/", "hdfs://127.0.0.1:9/"):
    try:
        jvm.org.apache.hadoop.fs.Path(uri).getFileSystem(conf).exists(jvm.org.apache.hadoop.fs.Path(uri + "x"))
    except Exception as err:  # expected: connection refused
        print(f"warmup: {uri} refused as expected ({type(err).__name__})")

spark.stop()
print("warmup: done")
