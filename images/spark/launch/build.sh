#!/usr/bin/env bash
# Keeps the launcher's command for Spark's daemons and puts this folder's spark-class in front of
# Spark's own (see spark-class). Run as root by the image's build, after the image's Spark settings
# are set; fails unless spark-class builds, for each daemon and a range of settings, the very
# command the launcher builds, and goes through the launcher where it should.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
kept=/usr/local/lib/bigdata-labs/spark-launch
# Every spark-class a daemon may be started by: Spark's own, and pip's copy of it on PATH (the one
# `spark-class` runs).
targets=("$(readlink -f "$SPARK_HOME/bin/spark-class")")
on_path=$(readlink -f "$(command -v spark-class)")
[[ $on_path == "${targets[0]}" ]] || targets+=("$on_path")
set +u; . "$SPARK_HOME/bin/load-spark-env.sh"; set -u
DAEMONS=(org.apache.spark.deploy.master.Master org.apache.spark.deploy.worker.Worker org.apache.spark.deploy.history.HistoryServer)

# The launcher's command for a class and its arguments, NUL-separated (as spark-class reads it).
launcher_command() {
  "$JAVA_HOME/bin/java" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main "$@" |
    python3 -c 'import sys; out = sys.stdin.buffer.read(); sys.stdout.buffer.write(out[out.index(b"\0\n") + 2:])'
}
fail() { echo "spark-launch: $*" >&2; exit 1; }

for t in "${targets[@]}"; do
  mv "$t" "$t.launcher"
  install -m 0755 "$here/spark-class" "$t"
done

for c in "${DAEMONS[@]}"; do
  SPARK_DAEMON_MEMORY=@MEMORY@ SPARK_DAEMON_JAVA_OPTS=@DAEMON_OPTS@ \
    SPARK_MASTER_OPTS=@OWN_OPTS@ SPARK_WORKER_OPTS=@OWN_OPTS@ SPARK_HISTORY_OPTS=@OWN_OPTS@ \
    launcher_command "$c" @ARGS@ > "$kept/$c.cmd"
  mapfile -d '' -t args < "$kept/$c.cmd"
  n() { local k=0 a; for a in "${args[@]}"; do [[ $a == $1 ]] && k=$((k + 1)); done; echo $k; }
  [[ $(n @DAEMON_OPTS@) == 1 && $(n @OWN_OPTS@) == 1 && $(n @ARGS@) == 1 && ${args[-1]} == @ARGS@ && $(n '*@MEMORY@*') -ge 1 ]] ||
    fail "the launcher's command for $c is not laid out as spark-class expects: ${args[*]}"
done
SPARK_CLASS_PRINT=settings SPARK_DAEMON_MEMORY=1m "${targets[0]}" "${DAEMONS[0]}" > "$kept/settings"

# spark-class against the launcher: same command, byte for byte.
same() { # same [NAME=value...] class [argument...]
  local want got vars=()
  while [[ $1 =~ ^[A-Z_]+= ]]; do vars+=("$1"); shift; done
  want=$(env "${vars[@]}" bash -c 'launcher_command "$@"' launcher "$@" | od -An -c) || fail "launcher: ${vars[*]} $*"
  for t in "${targets[@]}"; do
    got=$(env SPARK_CLASS_PRINT=1 "${vars[@]}" "$t" "$@" | od -An -c) || fail "$t went through the launcher: ${vars[*]} $*"
    [[ -n $want && $want == "$got" ]] || fail "$t differs from the launcher for: ${vars[*]} $*"
  done
}
export -f launcher_command
same SPARK_DAEMON_MEMORY=160m "${DAEMONS[0]}" --host spark-master --port 7077 --webui-port 8080
same SPARK_DAEMON_MEMORY=160m SPARK_DAEMON_JAVA_OPTS= "${DAEMONS[0]}" --host spark-master
same SPARK_DAEMON_MEMORY=1g SPARK_WORKER_OPTS="-Dspark.worker.cleanup.enabled=true  -Da=b" "${DAEMONS[1]}" --cores 4 --memory 1152m --webui-port 8081 spark://spark-master:7077
same SPARK_DAEMON_MEMORY=96m SPARK_HISTORY_OPTS="-Dspark.history.fs.logDirectory=s3a://events/ -Dspark.hadoop.fs.s3a.endpoint=http://minio:9000" "${DAEMONS[2]}"
# Where spark-class must leave it to the launcher.
for case in "SPARK_WORKER_OPTS=-Da='b c'" SPARK_CLASSPATH=/tmp SPARK_DAEMON_MEMORY= JAVA_TOOL_OPTIONS=-Dx=1; do
  code=0; env SPARK_CLASS_PRINT=1 SPARK_DAEMON_MEMORY=160m "$case" spark-class "${DAEMONS[1]}" spark://m:7077 >/dev/null 2>&1 || code=$?
  [[ $code == 3 ]] || fail "spark-class did not leave $case to the launcher (exit $code)"
done
code=0; SPARK_CLASS_PRINT=1 spark-class org.apache.spark.deploy.SparkSubmit --version >/dev/null 2>&1 || code=$?
[[ $code == 3 ]] || fail "spark-class did not leave SparkSubmit to the launcher (exit $code)"
echo "spark-launch: kept the launcher's command for ${#DAEMONS[@]} daemons; ${targets[*]} match it"
