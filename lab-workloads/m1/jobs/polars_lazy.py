"""Module 1 exercise: a Polars lazy query over the Parquet files.

Usage: polars_lazy.py <parquet dir s3://...> <min amount> <result s3://...json>
Per category: count and sum of amount for amounts >= min, plus the optimized plan.
"""
import os
import sys

import polars as pl

source, minimum, target = sys.argv[1].rstrip("/"), float(sys.argv[2]), sys.argv[3]
opts = {"aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"],
        "aws_endpoint_url": os.environ["AWS_ENDPOINT_URL"], "aws_region": "us-east-1", "aws_allow_http": "true"}
query = (pl.scan_parquet(f"{source}/*.parquet", storage_options=opts)
         .filter(pl.col("amount") >= minimum)
         .group_by("category")
         .agg(pl.len().alias("count"), pl.col("amount").sum().alias("sum")))
plan = query.explain()
print(plan)
df = query.collect()
from common import write_json  # noqa: E402
write_json(target, {"plan": plan, "totals": {r["category"]: {"sum": r["sum"], "count": r["count"]} for r in df.iter_rows(named=True)}})
