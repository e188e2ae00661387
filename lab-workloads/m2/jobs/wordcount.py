"""Module 2 exercise: word count with RDDs (map / filter / reduceByKey).

Usage: wordcount.py <input text, s3a://...> <output dir, s3a://...>
Words are the runs of letters a-z in each lower-cased line.
Writes one JSON object per line: {"word": ..., "count": ...}.
"""
import json
import re
import sys

from pyspark.sql import SparkSession

source, target = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.appName("m2-wordcount").getOrCreate()
sc = spark.sparkContext

lines = sc.textFile(source)                                   # lazy: nothing runs yet
words = lines.flatMap(lambda line: re.split(r"[^a-z]+", line.lower()))
counts = (words.filter(lambda w: w != "")                      # still lazy
               .map(lambda w: (w, 1))
               .reduceByKey(lambda a, b: a + b)
               .cache())                                       # kept after the first action: count() below reuses it
print(f"plan built; partitions={counts.getNumPartitions()}")  # the action below runs it
counts.map(lambda kv: json.dumps({"word": kv[0], "count": kv[1]})).coalesce(1).saveAsTextFile(target)
print(f"distinct words: {counts.count()}")
spark.stop()
