"""Module 1 exercise: aggregate a CSV larger than a memory cap with pandas chunks.

Usage: pandas_chunked.py <csv s3://...> <cap bytes> <result s3://...json>
Totals per category (sum of amount, count), holding one chunk at a time.
"""
import sys

import pandas as pd

from common import s3, write_json

source, cap, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fs = s3()
size = fs.size(source)
rows_per_chunk = 5_000
totals: dict[str, list[float]] = {}
peak_chunk = 0
with fs.open(source, "rb") as f:
    for chunk in pd.read_csv(f, chunksize=rows_per_chunk):
        peak_chunk = max(peak_chunk, int(chunk.memory_usage(deep=True).sum()))
        part = chunk.groupby("category")["amount"].agg(["sum", "count"])
        for category, row in part.iterrows():
            t = totals.setdefault(category, [0.0, 0])
            t[0] += float(row["sum"])
            t[1] += int(row["count"])
print(f"file {size} bytes, cap {cap} bytes, largest chunk in memory {peak_chunk} bytes")
write_json(target, {"file_bytes": size, "peak_chunk_bytes": peak_chunk,
                    "totals": {k: {"sum": v[0], "count": v[1]} for k, v in totals.items()}})
