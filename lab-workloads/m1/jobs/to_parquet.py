"""Module 1 setup: the CSV as Parquet files in S3 (row groups, snappy), for Dask and Polars.

Usage: to_parquet.py <csv s3://...> <parquet dir s3://...> <files>
"""
import sys

import pandas as pd

from common import storage_options

source, target, files = sys.argv[1], sys.argv[2].rstrip("/"), int(sys.argv[3])
df = pd.read_csv(source, storage_options=storage_options())
step = -(-len(df) // files)
for i in range(files):
    df.iloc[i * step:(i + 1) * step].to_parquet(f"{target}/part-{i:03d}.parquet", index=False,
                                                  storage_options=storage_options(), row_group_size=20_000)
print(f"{len(df)} rows in {files} Parquet files")
