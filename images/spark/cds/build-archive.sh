#!/bin/bash
# build-archive.sh: builds the class-data sharing archive of Spark's JVMs (the files the image's env names:
# SPARK_DAEMON_CLASSPATH and the -XX:SharedArchiveFile of SPARK_DAEMON_JAVA_OPTS, in /opt/spark/cds)
# while the image is built (docker build runs it as root; it needs no network).
#
# A Spark driver or executor loads ~15,000-21,000 classes from ~280 jars at every start, and
# each class is looked up through the jars in classpath order, then parsed and verified. On a
# 2-core laptop that is most of a lab job's CPU. The archive holds those classes already parsed
# and verified; the JVM maps it at start (JDK 17 AppCDS, -XX:SharedArchiveFile).
#
#  1. classpath.jar: a fixed classpath for the archive (see classpath-jar.py).
#  2. A throwaway standalone cluster on 127.0.0.1 (master, worker) runs warmup.py; the master,
#     the worker, the driver and the executor each write the list of classes they load.
#  3. The lists, merged, become spark.jsa (-Xshare:dump), which is then mapped once with
#     -Xshare:on and a classpath shaped like Spark's, so a broken archive fails the build.
# A JVM whose classpath or JDK does not match the archive starts as before, without it.
# Spark's JVMs map it with -XX:ArchiveRelocationMode=0, at the address it was built for: this
# JDK's default (1) maps it elsewhere and rewrites every pointer in it, which costs ~0.2 s of CPU
# and makes the whole archive private memory of each JVM (a master: 334 MB private against
# 205 MB without the archive, 165 MB with mode 0).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# The files and options come from the image's env (the Dockerfile sets them before this runs):
# the classpath jar is SPARK_DAEMON_CLASSPATH, the archive the -XX:SharedArchiveFile of
# SPARK_DAEMON_JAVA_OPTS, and the check at the end maps it with those very options.
cpjar=${SPARK_DAEMON_CLASSPATH:?the Dockerfile sets SPARK_DAEMON_CLASSPATH before this runs}
[[ " ${SPARK_DAEMON_JAVA_OPTS:-} " =~ \ -XX:SharedArchiveFile=([^ ]+)\  ]] || { echo "build-archive.sh: SPARK_DAEMON_JAVA_OPTS names no -XX:SharedArchiveFile" >&2; exit 1; }
archive=${BASH_REMATCH[1]}
cds=$(dirname "$archive")
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "build-archive.sh: $1" >&2; for f in "$work"/*.log; do echo "--- $f" >&2; tail -n 30 "$f" >&2; done; exit 1; }
wait_for() { # URL PATTERN WHAT
  for _ in $(seq 1 120); do
    if curl -fsS "$1" 2> /dev/null | grep -q "$2"; then return 0; fi
    sleep 1
  done
  fail "$3 did not come up within 120 s"
}

mkdir -p "$cds"
python3 "$here/classpath-jar.py" "$SPARK_HOME/jars" "$cpjar"

export PYTHONDONTWRITEBYTECODE=1 SPARK_LOCAL_IP=127.0.0.1 SPARK_WORKER_DIR="$work/worker" \
  SPARK_CONF_DIR="$work/conf"
mkdir -p "$SPARK_WORKER_DIR" "$SPARK_CONF_DIR"
# The warm-up's daemons: the image's options without the archive, which does not exist yet.
daemon_opts=${SPARK_DAEMON_JAVA_OPTS/-XX:SharedArchiveFile=$archive/}
SPARK_DAEMON_JAVA_OPTS="$daemon_opts -XX:DumpLoadedClassList=$work/master.lst" \
  spark-class org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 --webui-port 8080 > "$work/master.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:8080/json/ '"status"' "the master"
SPARK_DAEMON_JAVA_OPTS="$daemon_opts -XX:DumpLoadedClassList=$work/worker.lst" \
  spark-class org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 2 --memory 1g --webui-port 8081 spark://127.0.0.1:7077 > "$work/worker.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:8080/json/ '"aliveworkers" *: *1' "the worker"

jvm="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
export PYSPARK_SUBMIT_ARGS="--master spark://127.0.0.1:7077 --driver-memory 512m --executor-memory 512m \
  --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false \
  --conf spark.driver.extraClassPath=$cpjar --conf spark.executor.extraClassPath=$cpjar \
  --conf 'spark.driver.extraJavaOptions=$jvm -XX:DumpLoadedClassList=$work/driver.lst' \
  --conf 'spark.executor.extraJavaOptions=$jvm -XX:DumpLoadedClassList=$work/executor.lst' pyspark-shell"
/opt/venv/bin/python "$here/warmup.py" "$work/data" > "$work/warmup.log" 2>&1 || fail "warmup.py failed"
tail -n 3 "$work/warmup.log"
for p in "${pids[@]}"; do kill "$p"; done
wait 2> /dev/null || true
pids=()

# One list: each class once, in the order first seen (the JVM loads a class's supertypes itself).
cat "$work"/{driver,executor,worker,master}.lst | grep -v '^#' | awk 'NF && !seen[$0]++' > "$work/classes.lst"
echo "build-archive.sh: $(grep -vc '^@' "$work/classes.lst") classes (driver $(grep -vc '^[#@]' "$work/driver.lst"), executor $(grep -vc '^[#@]' "$work/executor.lst"))"
java -Xshare:dump -XX:SharedClassListFile="$work/classes.lst" -XX:SharedArchiveFile="$archive" \
  -cp "$cpjar" > "$work/dump.log" 2>&1 || fail "java -Xshare:dump failed"
# Spark's own classpath after ours: a configuration directory that is not empty, then jars/*.
# shellcheck disable=SC2086
java -Xshare:on $SPARK_DAEMON_JAVA_OPTS -cp "$SPARK_DAEMON_CLASSPATH:$here:$SPARK_HOME/jars/*" -version > "$work/verify.log" 2>&1 \
  || fail "the archive does not map (java -Xshare:on)"
chmod 0644 "$archive" "$cpjar"
ls -l "$cds"
