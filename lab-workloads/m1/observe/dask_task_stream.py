"""The driver's own view of the Dask cluster (not an exercise): what tasks the scheduler ran.

Usage: dask_task_stream.py install
       dask_task_stream.py since <epoch seconds>

`install` makes sure the scheduler records its task stream (a scheduler
plugin that keeps every finished task, whichever client submitted it);
`since` prints one JSON line: the tasks that started at or after the given
time, how many, on which workers, by key prefix, and the earliest start.
A second client of the scheduler, so nothing here depends on the student's file.
"""
import json
import os
import sys
from collections import Counter

from dask.utils import key_split
from distributed import Client

client = Client(os.environ["DASK_SCHEDULER_ADDRESS"], timeout="60s")
records = client.get_task_stream()            # installs the scheduler's plugin if it is missing
if sys.argv[1] == "since":
    since = float(sys.argv[2])
    starts = []
    prefixes = Counter()
    workers = set()
    for r in records:
        compute = [s for s in r.get("startstops", []) if s.get("action") == "compute"]
        if not compute or compute[0]["start"] < since:
            continue
        starts.append(compute[0]["start"])
        prefixes[key_split(r["key"])] += 1
        workers.add(r.get("worker"))
    print("TASKS " + json.dumps({"tasks": len(starts), "workers": len(workers), "prefixes": prefixes,
                                 "first_start": min(starts) if starts else None}))
else:
    print(f"task stream recording ({len(records)} records kept)")
client.close()
