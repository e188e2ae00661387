"""Module 3 exercise: Dask-ML on a Dask DataFrame — train_test_split and an estimator.

Usage: dask_ml_split.py <csv s3://...> <result s3://...json>

Reads the CSV as a Dask DataFrame (several partitions), splits it with
dask_ml.model_selection.train_test_split (20% test, per-partition random
split), fits dask_ml.linear_model.LinearRegression on the training part on
the cluster, and scores R² on the test part.
"""
import json
import os
import sys

import dask.dataframe as dd
from dask.distributed import Client
from dask_ml.linear_model import LinearRegression
from dask_ml.model_selection import train_test_split
from sklearn.metrics import r2_score

source, target = sys.argv[1], sys.argv[2]
opts = {"key": os.environ["AWS_ACCESS_KEY_ID"], "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
        "client_kwargs": {"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": "us-east-1"}}
client = Client(os.environ["DASK_SCHEDULER_ADDRESS"], timeout="60s")
# Several partitions whatever the size: blocks of at least 64 kB, at most about 8 of them (thousands of
# tiny partitions would make every solver step thousands of tasks).
import s3fs  # noqa: E402
size = s3fs.S3FileSystem(**opts).size(source)
df = dd.read_csv(source, storage_options=opts, blocksize=max(64_000, -(-size // 8)))
X, y = df[["x1", "x2", "x3"]], df["y"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, shuffle=True, random_state=7)
# Arrays with known chunk sizes, which the estimator needs.
X_train, y_train = X_train.to_dask_array(lengths=True), y_train.to_dask_array(lengths=True)
X_test, y_test = X_test.to_dask_array(lengths=True), y_test.to_dask_array(lengths=True)
model = LinearRegression(penalty="l2", C=1e8, solver="lbfgs", max_iter=500).fit(X_train, y_train)
result = {
    "partitions": df.npartitions, "train_rows": int(X_train.shape[0]), "test_rows": int(X_test.shape[0]),
    "coefficients": [float(c) for c in model.coef_], "intercept": float(model.intercept_),
    # The test part is small: bring predictions and labels back and score them here.
    "test_r2": float(r2_score(y_test.compute(), model.predict(X_test).compute())),
}
print(result)
with s3fs.S3FileSystem(**opts).open(target, "w") as f:
    json.dump(result, f)
client.close()
