"""Module 3 exercise: an MLlib Pipeline saved, loaded and scored on held-out data.

Usage: mllib_pipeline.py <train CSV, s3a://...> <test CSV, s3a://...> <model dir, s3a://...> <result dir, s3a://...>

Fits Pipeline(VectorAssembler, LinearRegression) on the training rows only,
saves the fitted PipelineModel to S3, loads it back as a new object, and
scores the held-out rows with RegressionEvaluator (RMSE and R²). The model
saved in S3 is what a serving job would load.
"""
import json
import sys

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.evaluation import RegressionEvaluator
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.regression import LinearRegression
from pyspark.sql import SparkSession

train_path, test_path, model_path, target = sys.argv[1:5]
spark = SparkSession.builder.appName("m3-mllib-pipeline").getOrCreate()
schema = "x1 DOUBLE, x2 DOUBLE, x3 DOUBLE, y DOUBLE"
train = spark.read.option("header", True).schema(schema).csv(train_path)
test = spark.read.option("header", True).schema(schema).csv(test_path)

pipeline = Pipeline(stages=[
    VectorAssembler(inputCols=["x1", "x2", "x3"], outputCol="features"),
    LinearRegression(featuresCol="features", labelCol="y", regParam=0.0, elasticNetParam=0.0),
])
pipeline.fit(train).write().overwrite().save(model_path)      # the fitted model, in S3
loaded = PipelineModel.load(model_path)                         # a new object, read back from S3
predictions = loaded.transform(test)
evaluator = RegressionEvaluator(labelCol="y", predictionCol="prediction")
result = {
    "train_rows": train.count(), "test_rows": test.count(),
    "test_rmse": evaluator.evaluate(predictions, {evaluator.metricName: "rmse"}),
    "test_r2": evaluator.evaluate(predictions, {evaluator.metricName: "r2"}),
    "coefficients": list(loaded.stages[-1].coefficients), "intercept": loaded.stages[-1].intercept,
}
print(result)
spark.createDataFrame([(json.dumps(result),)], "value STRING").coalesce(1).write.mode("overwrite").text(target)
spark.stop()
