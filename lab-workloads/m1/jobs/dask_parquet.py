"""Module 1 exercise: the same aggregation on the Dask cluster over Parquet in S3.

Usage: dask_parquet.py <parquet dir s3://...> <result s3://...json>
The client connects to DASK_SCHEDULER_ADDRESS; workers read S3 themselves.
"""
import os
import sys

import dask.dataframe as dd
from dask.distributed import Client

from common import storage_options, write_json

source, target = sys.argv[1], sys.argv[2]
client = Client(os.environ["DASK_SCHEDULER_ADDRESS"], timeout="60s")
print(f"workers: {len(client.scheduler_info()['workers'])}")
df = dd.read_parquet(source, columns=["category", "amount"], storage_options=storage_options())
result = df.groupby("category")["amount"].agg(["sum", "count"])   # lazy: a task graph
print(f"graph tasks before compute: {len(result.__dask_graph__())}")
pdf = result.compute()
write_json(target, {"totals": {k: {"sum": float(r["sum"]), "count": int(r["count"])} for k, r in pdf.iterrows()}})
client.close()
