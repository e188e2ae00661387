"""A Dask client: connects (argument, or DASK_SCHEDULER_ADDRESS when none), submits and gathers,
computes a dask.array sum, and says whether it could reach the workers' own addresses.
Prints one RESULT line of JSON."""
import json
import socket
import sys
from urllib.parse import urlparse

import dask.array as da
from distributed import Client

address = sys.argv[1] if len(sys.argv) > 1 else None
client = Client(address, timeout="30s") if address else Client(timeout="30s")
try:
    client.wait_for_workers(1, timeout=60)
    workers = list(client.scheduler_info()["workers"])
    reachable = []
    for w in workers:
        u = urlparse(w)
        try:
            socket.create_connection((u.hostname, u.port), timeout=3).close()
            reachable.append(w)
        except OSError:
            pass
    futures = client.map(lambda x: x * x, range(10))
    squares = client.gather(futures)
    total = int(da.arange(100_000, chunks=10_000).sum().compute())
    print("RESULT " + json.dumps({"scheduler": client.scheduler.address, "workers": workers, "reachableWorkers": reachable,
                                  "squares": squares, "arraySum": total,
                                  "direct": client.direct_to_workers}), flush=True)
finally:
    client.close()
