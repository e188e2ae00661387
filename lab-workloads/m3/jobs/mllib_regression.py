"""Module 3 exercise: an MLlib pipeline (VectorAssembler + LinearRegression).

Usage: mllib_regression.py <csv s3a://...> <result s3a://... json dir>
Fits y on x1..x3 and reports coefficients, intercept and training RMSE.
"""
import json
import sys

from pyspark.ml import Pipeline
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.regression import LinearRegression
from pyspark.sql import SparkSession

source, target = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.appName("m3-mllib").getOrCreate()
df = spark.read.option("header", True).schema("x1 DOUBLE, x2 DOUBLE, x3 DOUBLE, y DOUBLE").csv(source)
pipeline = Pipeline(stages=[
    VectorAssembler(inputCols=["x1", "x2", "x3"], outputCol="features"),
    LinearRegression(featuresCol="features", labelCol="y", regParam=0.0, elasticNetParam=0.0),
])
model = pipeline.fit(df)
lr = model.stages[-1]
result = {"coefficients": list(lr.coefficients), "intercept": lr.intercept,
          "rmse": lr.summary.rootMeanSquaredError, "rows": df.count()}
print(result)
spark.createDataFrame([(json.dumps(result),)], "value STRING").coalesce(1).write.mode("overwrite").text(target)
spark.stop()
