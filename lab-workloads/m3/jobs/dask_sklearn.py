"""Module 3 exercise: distributed scikit-learn on the Dask cluster (joblib's dask backend).

Usage: dask_sklearn.py <csv s3://...> <result s3://...json>
Grid-searches Ridge's alpha with 3-fold CV, the folds running as Dask tasks,
then scores the best model on the last 20% of the rows (a fixed holdout).
"""
import json
import os
import sys

import joblib
import pandas as pd
from dask.distributed import Client, get_task_stream
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV

source, target = sys.argv[1], sys.argv[2]
opts = {"key": os.environ["AWS_ACCESS_KEY_ID"], "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
        "client_kwargs": {"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": "us-east-1"}}
df = pd.read_csv(source, storage_options=opts)
split = int(len(df) * 0.8)
X, y = df[["x1", "x2", "x3"]].to_numpy(), df["y"].to_numpy()
client = Client(os.environ["DASK_SCHEDULER_ADDRESS"], timeout="60s")
search = GridSearchCV(Ridge(), {"alpha": [0.001, 0.01, 0.1, 1.0, 10.0]}, cv=3)
with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
    search.fit(X[:split], y[:split])
best = search.best_estimator_
result = {"best_alpha": search.best_params_["alpha"], "coefficients": best.coef_.tolist(),
          "intercept": float(best.intercept_), "holdout_r2": float(best.score(X[split:], y[split:])),
          "dask_tasks": len(stream.data), "workers": len(client.scheduler_info()["workers"])}
print(result)
import s3fs  # noqa: E402
with s3fs.S3FileSystem(**opts).open(target, "w") as f:
    json.dump(result, f)
client.close()
