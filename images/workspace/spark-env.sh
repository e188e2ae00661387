# Copied into $SPARK_CONF_DIR by workspace-entrypoint. Spark's launch scripts (spark-class, pyspark)
# source this file with their own arguments: an executor request that no worker of the lab can
# hold is refused here, in one line, instead of waiting for resources forever.
if [ -x /usr/local/lib/bigdata-labs/spark-fit-check ]; then
  /usr/local/lib/bigdata-labs/spark-fit-check "$@" || exit 1
fi
