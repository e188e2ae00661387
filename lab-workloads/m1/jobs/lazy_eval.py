"""Module 1 exercise: lazy evaluation with Dask, as a fact you can measure.

Usage: lazy_eval.py <parquet dir s3://...> <marker s3://...> <result s3://...json>

Builds the aggregation (total amount per category) as a Dask task graph: no
task runs. Then writes a marker object to S3 and waits a moment, and only
then calls `.compute()`, which sends the graph to the cluster. The checker
compares the time MinIO stored the marker with the start times of the tasks
the scheduler ran: every task must start after the marker.
"""
import os
import sys
import time

import dask.dataframe as dd
from dask.distributed import Client

from common import s3, storage_options, write_json

source, marker, target = sys.argv[1], sys.argv[2], sys.argv[3]
client = Client(os.environ["DASK_SCHEDULER_ADDRESS"], timeout="60s")
df = dd.read_parquet(source, columns=["category", "amount"], storage_options=storage_options())
by_category = df.groupby("category")["amount"].sum()      # lazy: a graph, nothing computed
graph_tasks = len(by_category.__dask_graph__())
print(f"graph built: {graph_tasks} tasks, {df.npartitions} partitions; nothing has run yet")
with s3().open(marker, "w") as f:
    f.write("graph built")
time.sleep(1.5)
totals = by_category.compute()                            # now the cluster runs the tasks
write_json(target, {"graph_tasks": graph_tasks, "partitions": df.npartitions,
                    "totals": {k: float(v) for k, v in totals.items()}})
client.close()
