"""Helpers shared by the module 1 jobs: S3 through s3fs with the lab's env."""
import json
import os

import s3fs


def s3() -> s3fs.S3FileSystem:
    """The lab's object store (endpoint and keys come from the lab's env)."""
    return s3fs.S3FileSystem(
        key=os.environ["AWS_ACCESS_KEY_ID"],
        secret=os.environ["AWS_SECRET_ACCESS_KEY"],
        client_kwargs={"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": "us-east-1"},
    )


def storage_options() -> dict:
    """The same, as pandas/dask `storage_options`."""
    return {
        "key": os.environ["AWS_ACCESS_KEY_ID"],
        "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
        "client_kwargs": {"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": "us-east-1"},
    }


def write_json(path: str, value) -> None:
    with s3().open(path, "w") as f:
        json.dump(value, f)
