"""Module 1 exercise: Parquet column pruning, shown by the bytes read from S3.

Usage: column_pruning.py <parquet file s3://...> <result s3://...json>
Reads one column, then every column, through a file object that counts bytes.
"""
import sys

import pyarrow.parquet as pq

from common import s3, write_json


class Counting:
    """A read-only file wrapper that counts the bytes actually read."""

    def __init__(self, f):
        self.f, self.bytes = f, 0

    def read(self, n=-1):
        data = self.f.read(n)
        self.bytes += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.f, name)


source, target = sys.argv[1], sys.argv[2]
fs = s3()
result = {"file_bytes": fs.size(source)}
for label, columns in (("one_column", ["amount"]), ("all_columns", None)):
    with fs.open(source, "rb", block_size=64 * 1024, cache_type="none") as raw:
        f = Counting(raw)
        table = pq.read_table(f, columns=columns)
        result[label] = {"bytes_read": f.bytes, "rows": table.num_rows, "columns": table.num_columns}
print(result)
write_json(target, result)
