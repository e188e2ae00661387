"""Cross-lab attacks, run inside one student's workspace pod (python3 -c "$(cat attack.py)" PLAN).

PLAN, the only argument, is one JSON document:
  {"tcp": [[host, port], ...], "jupyter": {"url": ..., "token": ...},
   "s3": {"endpoint": ..., "key": ..., "secret": ...}, "spark": {"master": ...}}
and prints one JSON line per attempt: {"attack": name, "ok": bool, "detail": text}.
"ok" means the attack SUCCEEDED (it reached or used the other lab).
"""
import json
import os
import socket
import subprocess
import sys
import urllib.request

plan = json.loads(sys.argv[1])


def report(name, ok, detail):
    print(json.dumps({"attack": name, "ok": ok, "detail": str(detail)[:200]}), flush=True)


for host, port in plan.get("tcp", []):
    try:
        with socket.create_connection((host, port), timeout=4):
            report(f"tcp {host}:{port}", True, "connected")
    except OSError as e:
        report(f"tcp {host}:{port}", False, e)

j = plan.get("jupyter")
if j:
    try:
        with urllib.request.urlopen(f"{j['url']}/api/contents?token={j['token']}", timeout=6) as r:
            report("jupyter api with a token", r.status == 200, f"HTTP {r.status}")
    except Exception as e:  # noqa: BLE001 - any failure is a failed attack
        report("jupyter api with a token", False, e)

s3 = plan.get("s3")
if s3:
    try:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=s3["endpoint"],
            aws_access_key_id=s3["key"],
            aws_secret_access_key=s3["secret"],
            region_name="us-east-1",
            config=Config(connect_timeout=4, read_timeout=6, retries={"max_attempts": 1}),
        )
        buckets = [b["Name"] for b in client.list_buckets()["Buckets"]]
        report("s3 list buckets with keys", True, f"buckets {buckets}")
    except Exception as e:  # noqa: BLE001
        report("s3 list buckets with keys", False, e)

spark = plan.get("spark")
if spark:
    # A separate process with a hard time limit: a standalone client retries an unreachable master for minutes.
    app = f"""
import os, socket
os.environ.pop("PYSPARK_SUBMIT_ARGS", None)
from pyspark.sql import SparkSession
ip = socket.gethostbyname(socket.gethostname())
s = (SparkSession.builder.master({spark['master']!r}).appName("cross-lab-attack")
     .config("spark.driver.host", ip).config("spark.driver.bindAddress", "0.0.0.0")
     .config("spark.driver.port", "7078").config("spark.blockManager.port", "7079")
     .config("spark.executor.memory", "512m").config("spark.cores.max", "1")
     .config("spark.ui.enabled", "false").getOrCreate())
print("RESULT", s.sparkContext.parallelize(range(100), 2).map(lambda x: x * 2).sum(), flush=True)
s.stop()
"""
    env = {k: v for k, v in os.environ.items() if k != "PYSPARK_SUBMIT_ARGS"}
    try:
        out = subprocess.run([sys.executable, "-c", app], capture_output=True, text=True, timeout=int(spark.get("timeout", 120)), env=env)
        ok = "RESULT 9900" in out.stdout
        tail = (out.stdout + out.stderr).strip().splitlines()[-1:] or [""]
        report("spark application on the master", ok, "ran a job, sum 9900" if ok else tail[0])
    except subprocess.TimeoutExpired:
        report("spark application on the master", False, "no executor within the time limit")
