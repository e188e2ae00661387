#!/bin/bash
# build-archive.sh: runs while the hadoop image is built (as root, with no network) and leaves
#  - $HADOOP_HOME/cds/classpath   the daemons' and clients' jars, one fixed order (bin/hdfs reads it);
#  - $HADOOP_HOME/cds/hadoop.jsa  a class-data sharing archive of the classes HDFS's JVMs load;
#  - $HADOOP_HOME/share/hadoop/name-template   an empty, formatted NameNode directory, which
#    hdfs-entrypoint copies on a NameNode's first start instead of running `namenode -format`
#    (a JVM of its own, on the critical path of every new lab).
#
# A NameNode, DataNode or HttpFS gateway loads ~6,000-8,000 classes from ~120 jars at every start;
# each is looked up through the jars in classpath order, then parsed and verified. The archive
# holds them parsed and verified, and the JVM maps it at start (JDK 17 AppCDS). The JDK shares
# classes only when the JVM's classpath starts with the archive's and the archive's classpath has
# no non-empty directory: the configuration directory and the web resources come after the jars.
#
#  1. The template: `hdfs namenode -format` into name-template.
#  2. A throwaway NameNode, DataNode and HttpFS on 127.0.0.1, started by hdfs-entrypoint (the
#     NameNode from the template, as in a lab), and the hdfs clients and WebHDFS/HttpFS requests a
#     lab makes; each JVM writes the list of classes it loads.
#  3. The lists, merged, become hadoop.jsa (-Xshare:dump), which bin/hdfs then maps once with
#     -Xshare:on and its own classpath and options, so an archive that cannot map fails the build.
# A JVM whose classpath or JDK does not match the archive starts as before, without it.
set -euo pipefail

H=${HADOOP_HOME:?}
cds=$H/cds
template=$H/share/hadoop/name-template
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work" /tmp/hsperfdata_root
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
(cd "$H/share/hadoop/lib" && LC_ALL=C ls -1 -- *.jar) | sed "s|^|$H/share/hadoop/lib/|" | paste -sd: > "$cds/classpath"
[ -s "$cds/classpath" ] || fail "no jars in $H/share/hadoop/lib"

# 1. The template, formatted with a configuration of its own (hdfs-entrypoint would start the daemon).
mkdir -p "$work/fmt"
cp "$H/etc/defaults/log4j.properties" "$work/fmt/"
printf '<?xml version="1.0"?>\n<configuration><property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:8020</value></property><property><name>hadoop.tmp.dir</name><value>%s</value></property></configuration>\n' "$work/tmp" > "$work/fmt/core-site.xml"
printf '<?xml version="1.0"?>\n<configuration><property><name>dfs.namenode.name.dir</name><value>%s</value></property></configuration>\n' "$template" > "$work/fmt/hdfs-site.xml"
HADOOP_CONF_DIR=$work/fmt hdfs namenode -format -nonInteractive -force > "$work/format.log" 2>&1 || fail "hdfs namenode -format failed"
[ -s "$template/current/VERSION" ] || fail "the format left no $template/current/VERSION"
chmod -R a+rX "$template"

# 2. The warm-up cluster, configured the way the lab's specs configure it, on 127.0.0.1 only.
# Each daemon's entrypoint writes a configuration directory of its own (no daemon reads a file
# that another is rewriting); the clients and the last check use the NameNode's.
export HADOOP_CONF_DIR=$work/conf-namenode HTTPFS_TEMP=$work/httpfs-tmp HADOOP_LOG_DIR=$work/logs HADOOP_HEAPSIZE_MAX=256m
mkdir -p "$HADOOP_LOG_DIR"
site=(
  "CORE-SITE.XML_fs.defaultFS=hdfs://127.0.0.1:8020"
  "CORE-SITE.XML_hadoop.http.staticuser.user=hdfs"
  "CORE-SITE.XML_hadoop.tmp.dir=$work/tmp"
  "CORE-SITE.XML_hadoop.proxyuser.root.hosts=*"
  "CORE-SITE.XML_hadoop.proxyuser.root.groups=*"
  "HDFS-SITE.XML_dfs.replication=1"
  "HDFS-SITE.XML_dfs.namenode.name.dir=$work/name"
  "HDFS-SITE.XML_dfs.datanode.data.dir=$work/data/blocks"
  "HDFS-SITE.XML_dfs.namenode.rpc-bind-host=127.0.0.1"
  "HDFS-SITE.XML_dfs.namenode.http-bind-host=127.0.0.1"
  "HDFS-SITE.XML_dfs.namenode.servicerpc-bind-host=127.0.0.1"
  "HDFS-SITE.XML_dfs.namenode.http-address=127.0.0.1:9870"
  "HDFS-SITE.XML_dfs.datanode.hostname=127.0.0.1"
  "HDFS-SITE.XML_dfs.datanode.address=127.0.0.1:9866"
  "HDFS-SITE.XML_dfs.datanode.http.address=127.0.0.1:9864"
  "HDFS-SITE.XML_dfs.datanode.ipc.address=127.0.0.1:9867"
  "HTTPFS-SITE.XML_httpfs.http.hostname=127.0.0.1"
)
start() { # ROLE OPTS-VARIABLE
  mkdir -p "$work/conf-$1"
  cp "$H/etc/defaults/log4j.properties" "$work/conf-$1/"
  env "${site[@]}" HADOOP_CONF_DIR="$work/conf-$1" "$2=-XX:DumpLoadedClassList=$work/$1.lst" hdfs-entrypoint "$1" > "$work/$1.log" 2>&1 &
  pids+=($!)
}
start namenode HDFS_NAMENODE_OPTS
wait_for "http://127.0.0.1:9870/webhdfs/v1/?op=GETFILESTATUS" '"FileStatus"' "the NameNode"
grep -q "not formatting\|formatting the NameNode" "$work/namenode.log" && fail "the NameNode did not start from the template"
start datanode HDFS_DATANODE_OPTS
wait_for "http://127.0.0.1:9870/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState" '"NumLiveDataNodes" *: *1' "the DataNode"
start httpfs HDFS_HTTPFS_OPTS
wait_for "http://127.0.0.1:14000/webhdfs/v1/?op=GETFILESTATUS&user.name=hdfs" '"FileStatus"' "HttpFS"

n=0
client() { # hdfs ARGS... (a client JVM, as the lab's probes and students run it)
  n=$((n + 1))
  HADOOP_CLIENT_OPTS="-XX:DumpLoadedClassList=$work/client-$n.lst" hdfs "$@" >> "$work/clients.log" 2>&1 || fail "hdfs $* failed"
}
printf 'a,b\n1,2\n' > "$work/rows.csv"
client dfsadmin -safemode get
client dfs -mkdir -p /warmup/dir
client dfs -put -f "$work/rows.csv" /warmup/dir/rows.csv
client dfs -cat /warmup/dir/rows.csv
client dfs -ls -R /
client dfs -rm -r -skipTrash /warmup
nn=http://127.0.0.1:9870/webhdfs/v1
fs=http://127.0.0.1:14000/webhdfs/v1
q() { curl -fsS -o /dev/null "$@" || fail "curl $* failed"; }
for base in "$nn" "$fs"; do
  u="user.name=hdfs"
  q -X PUT "$base/rest/dir?op=MKDIRS&$u"
  if [ "$base" = "$nn" ]; then
    q -L -X PUT -T "$work/rows.csv" "$base/rest/dir/rows.csv?op=CREATE&overwrite=true&$u"
    q -L -X POST -T "$work/rows.csv" "$base/rest/dir/rows.csv?op=APPEND&$u"
  else
    q -X PUT -H 'Content-Type: application/octet-stream' -T "$work/rows.csv" "$base/rest/dir/rows.csv?op=CREATE&data=true&overwrite=true&$u"
    q -X POST -H 'Content-Type: application/octet-stream' -T "$work/rows.csv" "$base/rest/dir/rows.csv?op=APPEND&data=true&$u"
  fi
  q -L "$base/rest/dir/rows.csv?op=OPEN&$u"
  q "$base/rest?op=LISTSTATUS&$u"
  q "$base/rest?op=GETCONTENTSUMMARY&$u"
  q "$base/rest/dir/rows.csv?op=GETFILESTATUS&$u"
  q -X PUT "$base/rest/dir/rows.csv?op=RENAME&destination=/rest/dir/moved.csv&$u"
  q -X DELETE "$base/rest?op=DELETE&recursive=true&$u"
done
q "http://127.0.0.1:9870/jmx"
q "http://127.0.0.1:9870/dfshealth.html"
q "http://127.0.0.1:9864/jmx"
q "http://127.0.0.1:9864/"
for p in "${pids[@]}"; do kill "$p"; done
wait 2> /dev/null || true
pids=()

# 3. One list: each class once, in the order first seen; then the archive, mapped once through bin/hdfs.
cat "$work"/*.lst | grep -v '^#' | awk 'NF && !seen[$0]++' > "$work/classes.lst"
echo "build-archive.sh: $(grep -vc '^@' "$work/classes.lst") classes (NameNode $(grep -vc '^[#@]' "$work/namenode.lst"), DataNode $(grep -vc '^[#@]' "$work/datanode.lst"), HttpFS $(grep -vc '^[#@]' "$work/httpfs.lst"))"
java -Xshare:dump -XX:SharedClassListFile="$work/classes.lst" -XX:SharedArchiveFile="$cds/hadoop.jsa" \
  -cp "$(cat "$cds/classpath")" > "$work/dump.log" 2>&1 || fail "java -Xshare:dump failed"
HADOOP_CLIENT_OPTS="-Xshare:on" hdfs version > "$work/verify.log" 2>&1 || fail "the archive does not map through bin/hdfs (-Xshare:on)"
# Nothing of the warm-up may stay in the image: a lab's HttpFS, as uid 1002, could not replace a
# root-owned /tmp/hadoop/httpfs.
for d in /tmp/hadoop /tmp/hadoop-root /tmp/httpfs; do [ ! -e "$d" ] || fail "the warm-up left $d in the image"; done
chmod 0644 "$cds/hadoop.jsa" "$cds/classpath"
ls -l "$cds"
