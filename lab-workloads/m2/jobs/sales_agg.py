"""Module 2 exercise: DataFrame groupBy / agg / orderBy over sales data.

Usage: sales_agg.py <sales CSV, s3a://...> <output dir, s3a://...>
Per (region, product): revenue = sum(quantity * unit_price), orders = count,
avg_quantity = mean(quantity); ordered by revenue, highest first; written as
Parquet.
"""
import sys

from pyspark.sql import SparkSession, functions as F

source, target = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.appName("m2-sales").getOrCreate()

sales = (spark.read.option("header", True)
         .schema("order_id LONG, region STRING, product STRING, quantity INT, unit_price DOUBLE, order_date DATE")
         .csv(source))
summary = (sales.groupBy("region", "product")
           .agg(F.sum(F.col("quantity") * F.col("unit_price")).alias("revenue"),
                F.count("*").alias("orders"),
                F.avg("quantity").alias("avg_quantity"))
           .orderBy(F.col("revenue").desc()))
summary.explain()                       # the optimized plan, before anything runs
summary.coalesce(1).write.mode("overwrite").parquet(target)
print(f"groups: {spark.read.parquet(target).count()}")   # from the files written (their footers), not a second run
spark.stop()
