"""Runs on the lab's Spark from wherever it is started (a notebook cell, the pyspark shell, spark-submit)
with no settings of its own, and prints one RESULT line of JSON: the master, the executors' host
names (not the driver's: the work ran on the cluster), the sizes Spark used and an s3a:// read."""
import json
import socket

from pyspark.sql import SparkSession

CSV = "s3a://datasets/clients-check/numbers.csv"  # written by the notebook check first (boto3)

spark = SparkSession.builder.getOrCreate()  # the pyspark shell's own session when run there
sc = spark.sparkContext
hosts = sorted(set(sc.parallelize(range(64), 4).map(lambda _: socket.gethostname()).collect()))
rows = spark.read.option("header", True).csv(CSV)
total = rows.selectExpr("sum(cast(n as long)) as s").first()["s"]
conf = sc.getConf()
print("RESULT " + json.dumps({
    "master": sc.master,
    "app": sc.appName,
    "driverHost": socket.gethostname(),
    "executorHosts": hosts,
    "executorMemory": conf.get("spark.executor.memory", ""),
    "driverMemory": conf.get("spark.driver.memory", ""),
    "rows": rows.count(),
    "sum": total,
}), flush=True)
