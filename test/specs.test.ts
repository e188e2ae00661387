import { describe, expect, it } from "vitest";
import * as fs from "fs";
import * as path from "path";
import { totalResources } from "../components/core/spec";
import { MODULES, ModuleId } from "../components/lab/modules";
import { planLab } from "../components/lab/plan";
import { resolveDaskSpec } from "../components/services/dask-spec";
import { resolveHdfsSpec } from "../components/services/hdfs-spec";
import { kafkaClusterId, resolveKafkaSpec } from "../components/services/kafka-spec";
import { resolveObjectStoreSpec } from "../components/services/object-store-spec";
import { resolveSparkSpec, SPARK_CLASS_SHARING } from "../components/services/spark-spec";
import { pysparkSubmitArgs, resolveWorkspaceSpec } from "../components/services/workspace-spec";
import { context } from "./helpers/fixtures";

const MiB = 1024 * 1024;
const ctx = context();
const s3 = { endpoint: "http://minio:9000", eventsBucket: "datasets", env: { AWS_ACCESS_KEY_ID: "labadmin" } };

describe("Spark spec", () => {
  it("gets defaults: master + 1 worker with explicit memory and cores", () => {
    const spec = resolveSparkSpec({}, ctx);
    const [master, worker] = spec.workloads;
    expect(spec.workloads).toHaveLength(2);
    expect(master!.command).toEqual(["spark-class", "org.apache.spark.deploy.master.Master", "--host", "spark-master", "--port", "7077", "--webui-port", "8080"]);
    // Two applications at once: 2 task slots each on the worker's 2 CPUs, and two 512m executors plus 128Mi.
    expect(worker!.command).toEqual(expect.arrayContaining(["--cores", "4", "--memory", "1152m", "spark://spark-master:7077"]));
    expect(worker!.resources.memoryLimitBytes).toBe((160 + 1152 + 256 + 128) * MiB);
    expect(worker!.env["SPARK_DAEMON_MEMORY"]).toBe("160m");
    expect(master!.awaits).toEqual([]);
    expect(worker!.awaits).toEqual([{ host: "spark-master", port: 7077 }]);
    expect(master!.ports.find((p) => p.name === "ui")?.hostPort).toBe(30001);
    expect(spec.clientConf).toMatchObject({ "spark.master": "spark://spark-master:7077", "spark.driver.port": "7078", "spark.blockManager.port": "7079", "spark.cores.max": "2", "spark.executor.memory": "512m" });
    expect(spec.endpoints.find((e) => e.name === "ui")?.host).toBe("http://127.0.0.1:30001");
  });

  it("allows overrides and adds S3A settings and a history server", () => {
    const spec = resolveSparkSpec({ workers: 2, workerCores: 1, applications: 1, workerMemory: "1Gi", executorMemory: "768m", history: true }, ctx, s3);
    expect(spec.workloads.map((w) => w.name)).toEqual(["spark-master", "spark-worker", "spark-history"]);
    expect(spec.workloads[1]!.replicas).toBe(2);
    expect(spec.workloads[1]!.command).toEqual(expect.arrayContaining(["--cores", "1", "--memory", "1024m"]));
    expect(spec.clientConf["spark.cores.max"]).toBe("2");
    expect(spec.clientConf["spark.hadoop.fs.s3a.endpoint"]).toBe("http://minio:9000");
    expect(spec.clientConf["spark.eventLog.dir"]).toBe("s3a://datasets/");
    expect(spec.workloads[1]!.env["AWS_ACCESS_KEY_ID"]).toBe("labadmin");
    // The history server reads event logs from the object store from its start.
    expect(spec.workloads[2]!.awaits).toEqual([{ host: "minio", port: 9000 }]);
  });

  it.each([
    [{ workers: 0 }, /^lab:services\.spark\.workers: must be a whole number from 1 to 8 \(got 0\)/],
    [{ workers: -1 }, /^lab:services\.spark\.workers: must be a whole number/],
    [{ workerCores: 1.5 }, /^lab:services\.spark\.workerCores: must be a whole number/],
    [{ workerMemory: "lots" }, /^lab:services\.spark\.workerMemory: cannot read "lots" as a memory size/],
    [{ executorMemory: "1g", workerMemory: "640Mi" }, /^lab:services\.spark\.executorMemory: 1024m is more than a worker offers \(640m\)/],
    [{ workerMemory: "900Mi" }, /^lab:services\.spark\.workerMemory: 900m holds 1 executor\(s\) of 512m, not the 2 applications at once that lab:services\.spark\.applications asks for\. Raise it to at least 1024m, or lower lab:services\.spark\.applications$/],
    [{ applications: 0 }, /^lab:services\.spark\.applications: must be a whole number from 1 to 8/],
    [{ history: true }, /^lab:services\.spark\.history: needs the lab's object store/],
    [{ driverMemory: "384m" }, /^lab:services\.spark\.driverMemory: 384m is below the 450m Spark needs/],
    [{ executorMemory: "256Mi" }, /^lab:services\.spark\.executorMemory: 256m is below the 450m Spark needs/],
  ])("rejects %j", (args, message) => expect(() => resolveSparkSpec(args, ctx)).toThrow(message));
});

describe("Kafka spec", () => {
  it("gets defaults: one KRaft broker+controller, two listeners, replication that fits one broker", () => {
    const spec = resolveKafkaSpec({}, ctx, "bigdata-m4");
    const [b] = spec.workloads;
    expect(spec.workloads).toHaveLength(1);
    expect(b!.stateful).toBe(true);
    expect(b!.env).toMatchObject({
      KAFKA_CFG_PROCESS_ROLES: "broker,controller",
      KAFKA_CFG_CONTROLLER_QUORUM_VOTERS: "0@kafka-0:29093",
      KAFKA_CFG_ADVERTISED_LISTENERS: "INTERNAL://kafka-0:19092,EXTERNAL://127.0.0.1:30010",
      KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
      KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR: "1",
      KAFKA_HEAP_OPTS: "-Xms384m -Xmx384m",
    });
    expect(spec.bootstrap).toBe("kafka-0:19092");
    expect(spec.hostBootstrap).toBe("127.0.0.1:30010");
    expect(spec.clusterId).toBe(kafkaClusterId("bigdata-m4"));
    expect(spec.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("keeps the cluster id stable per lab and distinct across labs", () => {
    expect(resolveKafkaSpec({}, ctx, "a").clusterId).toBe(resolveKafkaSpec({}, ctx, "a").clusterId);
    expect(resolveKafkaSpec({}, ctx, "a").clusterId).not.toBe(resolveKafkaSpec({}, ctx, "b").clusterId);
  });

  it("gives every broker its own workload, vote and host port", () => {
    const spec = resolveKafkaSpec({ brokers: 3 }, ctx, "x");
    expect(spec.workloads.map((w) => w.name)).toEqual(["kafka-0", "kafka-1", "kafka-2"]);
    expect(spec.workloads[2]!.env["KAFKA_CFG_CONTROLLER_QUORUM_VOTERS"]).toBe("0@kafka-0:29093,1@kafka-1:29093,2@kafka-2:29093");
    expect(spec.workloads[2]!.env["KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR"]).toBe("3");
    expect(spec.hostBootstrap).toBe("127.0.0.1:30010,127.0.0.1:30011,127.0.0.1:30012");
  });

  it("drops the host listener when nothing is exposed", () => {
    const spec = resolveKafkaSpec({}, context({ hostPortBase: undefined }), "x");
    expect(spec.workloads[0]!.env["KAFKA_CFG_ADVERTISED_LISTENERS"]).toBe("INTERNAL://kafka-0:19092");
    expect(spec.hostBootstrap).toBeUndefined();
  });

  it.each([
    [{ brokers: 0 }, /^lab:services\.kafka\.brokers: must be a whole number from 1 to 5/],
    [{ heap: "huge" }, /^lab:services\.kafka\.heap: cannot read "huge"/],
    [{ clusterId: "short" }, /^lab:services\.kafka\.clusterId: "short" is not a KRaft cluster id/],
  ])("rejects %j", (args, message) => expect(() => resolveKafkaSpec(args, ctx, "x")).toThrow(message));
});

describe("HDFS spec", () => {
  it("gets defaults: writable fast, hostnames that work inside the lab", () => {
    const spec = resolveHdfsSpec({}, ctx);
    const [nn, dn] = spec.workloads;
    expect(nn!.command).toEqual(["hdfs-entrypoint", "namenode"]);
    expect(nn!.env["HDFS-SITE.XML_dfs.namenode.safemode.extension"]).toBe("0");
    expect(nn!.env["HDFS-SITE.XML_dfs.namenode.datanode.registration.ip-hostname-check"]).toBe("false");
    expect(nn!.env["CORE-SITE.XML_fs.defaultFS"]).toBe("hdfs://hdfs-namenode:8020");
    expect(dn!.env["HDFS-SITE.XML_dfs.datanode.hostname"]).toBe("hdfs-datanode-0");
    expect(dn!.env["HDFS-SITE.XML_dfs.replication"]).toBe("1");
    expect(dn!.volumes[0]!.mountPath).toBe("/hadoop/dfs/data");
    expect(spec.dataNodeHostHttp).toEqual({ "hdfs-datanode-0": "127.0.0.1:30032" });
  });

  it("starts every daemon with the JIT's first tier", () => {
    const spec = resolveHdfsSpec({ dataNodes: 2 }, ctx);
    expect(spec.workloads.map((w) => [w.component, w.env["HADOOP_OPTS"]])).toEqual([
      ["namenode", "-XX:TieredStopAtLevel=1"],
      ["datanode", "-XX:TieredStopAtLevel=1"],
      ["datanode", "-XX:TieredStopAtLevel=1"],
      ["httpfs", "-XX:TieredStopAtLevel=1"],
    ]);
  });

  it.each([
    [{ dataNodes: 0 }, /^lab:services\.hdfs\.dataNodes: must be a whole number from 1 to 5/],
    [{ dataNodes: 2, replication: 3 }, /^lab:services\.hdfs\.replication: must be a whole number from 1 to 2/],
    [{ nameNodeHeap: "1 gig" }, /^lab:services\.hdfs\.nameNodeHeap: cannot read/],
  ])("rejects %j", (args, message) => expect(() => resolveHdfsSpec(args, ctx)).toThrow(message));
});

describe("Object store spec", () => {
  it("uses the module's buckets and a generated secret, never a default password", () => {
    const spec = resolveObjectStoreSpec({}, ctx, ["datasets", "outputs"]);
    const env = spec.workloads[0]!.env;
    expect(env["MINIO_BUCKETS"]).toBe("datasets,outputs");
    expect(env["MINIO_ROOT_PASSWORD"]).toEqual({ secret: "s3-secret-key" });
    // No default user either: the access key is generated per lab unless one is configured.
    expect(spec.secretNames).toEqual(["s3-access-key", "s3-secret-key"]);
    expect(spec.workloads[0]!.env["MINIO_ROOT_USER"]).toEqual({ secret: "s3-access-key" });
    expect(resolveObjectStoreSpec({ accessKey: "teacher" }, ctx, ["datasets"]).workloads[0]!.env["MINIO_ROOT_USER"]).toBe("teacher");
    expect(spec.clientEnv["AWS_SECRET_ACCESS_KEY"]).toEqual({ secret: "s3-secret-key" });
  });
  it.each([
    [{ buckets: [] }, /^lab:services\.objectStore\.buckets: is empty/],
    [{ buckets: ["Bad_Bucket"] }, /^lab:services\.objectStore\.buckets: "Bad_Bucket" is not a valid S3 bucket name/],
    [{ memory: "128Mi" }, /^lab:services\.objectStore\.memory: is under MinIO's 256Mi floor/],
    [{ accessKey: "a b" }, /^lab:services\.objectStore\.accessKey: "a b" is not usable/],
  ])("rejects %j", (args, message) => expect(() => resolveObjectStoreSpec(args, ctx, ["lab-data"])).toThrow(message));
});

describe("Dask spec", () => {
  it("gets defaults and passes S3 env to the workers", () => {
    const spec = resolveDaskSpec({}, ctx, { AWS_ENDPOINT_URL: "http://minio:9000" });
    const worker = spec.workloads[1]!;
    expect(worker.command.slice(0, 3)).toEqual(["dask", "worker", "tcp://dask-scheduler:8786"]);
    expect(worker.command).toEqual(expect.arrayContaining(["--memory-limit", String(Math.floor(512 * MiB * 0.85))]));
    expect(worker.env["AWS_ENDPOINT_URL"]).toBe("http://minio:9000");
    expect(spec.endpoints.find((e) => e.name === "dashboard")?.host).toBe("http://127.0.0.1:30041/status");
  });
  it("rejects zero workers", () => expect(() => resolveDaskSpec({ workers: 0 }, ctx)).toThrow(/^lab:services\.dask\.workers: must be a whole number/));
});

describe("Workspace spec", () => {
  it("is a client-mode Spark driver reachable by name, with a token secret", () => {
    const conf = resolveSparkSpec({}, ctx).clientConf;
    const spec = resolveWorkspaceSpec({}, ctx, { LAB_NAME: "x" }, conf);
    const env = spec.workloads[0]!.env;
    expect(env["JUPYTER_TOKEN"]).toEqual({ secret: "jupyter-token" });
    // spark-defaults.conf (written by the image at start), not PYSPARK_SUBMIT_ARGS, which would beat a builder's .config().
    expect(env["SPARK-DEFAULTS.CONF_spark.driver.host"]).toBe("workspace");
    expect(env["PYSPARK_SUBMIT_ARGS"]).toBeUndefined();
    expect(spec.hostUrl).toBe("http://127.0.0.1:30000/lab");
  });
  it("builds PYSPARK_SUBMIT_ARGS", () => expect(pysparkSubmitArgs({ a: "1" })).toBe("--conf a=1 pyspark-shell"));
  it("quotes PYSPARK_SUBMIT_ARGS values that a shell split would break (PySpark uses shlex.split)", () => {
    expect(pysparkSubmitArgs({ "spark.driver.extraJavaOptions": "-XX:A -XX:B", b: "it's", c: "s3a://x/y" }))
      .toBe(`--conf 'spark.driver.extraJavaOptions=-XX:A -XX:B' --conf 'b=it'"'"'s' --conf c=s3a://x/y pyspark-shell`);
  });
  it("drivers and executors start with the JIT's first tier unless lab:services.spark.jit is full", () => {
    const quick = resolveSparkSpec({}, ctx).clientConf;
    const archive = "-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:SharedArchiveFile=/opt/spark/cds/spark.jsa";
    expect(quick["spark.driver.extraJavaOptions"]).toBe(`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC ${archive}`);
    expect(quick["spark.executor.extraJavaOptions"]).toBe(`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC ${archive}`);
    const full = resolveSparkSpec({ jit: "full" }, ctx).clientConf;
    expect(full["spark.driver.extraJavaOptions"]).toBe(archive);
    expect(full["spark.executor.extraJavaOptions"]).toBe(archive);
    expect(() => resolveSparkSpec({ jit: "fast" as never }, ctx)).toThrow(/spark\.jit.*"quick" \(default\) or "full"/);
  });

  it("drivers, executors and daemons share classes from the archive the spark image builds", () => {
    const conf = resolveSparkSpec({}, ctx).clientConf;
    expect(conf["spark.driver.extraClassPath"]).toBe("/opt/spark/cds/classpath.jar");
    expect(conf["spark.executor.extraClassPath"]).toBe("/opt/spark/cds/classpath.jar");
    // The image's side of the contract: the daemons' env names the same files, before the build
    // step that writes them and maps the archive with that env's options.
    const dockerfile = fs.readFileSync(path.join(__dirname, "..", "images", "spark", "Dockerfile"), "utf8");
    const env = dockerfile.indexOf(`SPARK_DAEMON_JAVA_OPTS="$SPARK_DAEMON_JAVA_OPTS ${SPARK_CLASS_SHARING.javaOptions}"`);
    const classPath = dockerfile.indexOf(`SPARK_DAEMON_CLASSPATH=${SPARK_CLASS_SHARING.classPath}\n`);
    const build = dockerfile.indexOf("RUN bash /usr/local/lib/bigdata-labs/spark-cds/build-archive.sh");
    expect(env).toBeGreaterThan(0);
    expect(classPath).toBeGreaterThan(env);
    expect(build).toBeGreaterThan(classPath);
    const script = fs.readFileSync(path.join(__dirname, "..", "images", "spark", "cds", "build-archive.sh"), "utf8");
    expect(script).toContain('cpjar=${SPARK_DAEMON_CLASSPATH:?');
    expect(script).toContain('-XX:SharedArchiveFile=([^ ]+)');
    expect(script).toContain('-XX:SharedArchiveFile="$archive"');
    expect(script).toContain('java -Xshare:on $SPARK_DAEMON_JAVA_OPTS -cp "$SPARK_DAEMON_CLASSPATH:');
  });

  it("the daemons' commands are those the spark image starts without Spark's launcher JVM", () => {
    const spec = resolveSparkSpec({ history: true }, ctx, s3);
    const launched = fs.readFileSync(path.join(__dirname, "..", "images", "spark", "launch", "spark-class"), "utf8");
    const commands = spec.workloads.map((w) => w.command);
    expect(commands.length).toBe(3);
    for (const c of commands) {
      expect(c[0]).toBe("spark-class");
      expect(launched).toContain(`\n  ${c[1]}) own=`);
    }
    // Installed after the daemons' settings and archive, which the kept commands are made with.
    const dockerfile = fs.readFileSync(path.join(__dirname, "..", "images", "spark", "Dockerfile"), "utf8");
    const archive = dockerfile.indexOf("RUN bash /usr/local/lib/bigdata-labs/spark-cds/build-archive.sh");
    const launch = dockerfile.indexOf("RUN bash /usr/local/lib/bigdata-labs/spark-launch/build.sh");
    expect(launch).toBeGreaterThan(archive);
    expect(dockerfile.indexOf("USER 185")).toBeGreaterThan(launch);
  });
});

describe("module catalogue and budgets", () => {
  const ids = Object.keys(MODULES).map(Number) as ModuleId[];

  it.each(ids)("module %i resolves exactly its services", (id) => {
    const plan = planLab({ name: `m${id}`, module: id, context: ctx });
    expect(plan.specs.map((s) => s.service).sort()).toEqual(
      Object.keys(MODULES[id].services).map((k) => (k === "objectStore" ? "minio" : k)).sort(),
    );
  });

  it.each(ids)("module %i fits: limits ≤ 4.75 GiB, requests ≤ 1.1 CPU", (id) => {
    const t = planLab({ name: `m${id}`, module: id, context: ctx }).totals;
    expect(t.memoryLimitBytes).toBeLessThanOrEqual(4864 * MiB);
    expect(t.cpuRequestMillis).toBeLessThanOrEqual(1100);
  });

  it("gives the workspace every service endpoint of module 4", () => {
    const plan = planLab({ name: "m4", module: 4, context: ctx });
    expect(plan.clientEnv).toMatchObject({ KAFKA_BOOTSTRAP_SERVERS: "kafka-0:19092", SPARK_MASTER_URL: "spark://spark-master:7077", AWS_ENDPOINT_URL: "http://minio:9000", LAB_BUCKETS: "checkpoints,outputs" });
    expect(plan.workspace!.workloads[0]!.env["KAFKA_BOOTSTRAP_SERVERS"]).toBe("kafka-0:19092");
  });

  it("refuses settings for a service the module does not have", () => {
    expect(() => planLab({ name: "m1", module: 1, context: ctx, services: { kafka: { brokers: 1 } } })).toThrow(
      /^lab:services\.kafka: module 1 \(foundations\) has no kafka\. Remove it; this module's services are dask, objectStore, workspace/,
    );
  });

  it("can leave the workspace out", () => {
    const plan = planLab({ name: "m2", module: 2, context: ctx, withoutWorkspace: true });
    expect(plan.workspace).toBeUndefined();
    expect(totalResources(plan.specs).memoryLimitBytes).toBeLessThan(planLab({ name: "m2", module: 2, context: ctx }).totals.memoryLimitBytes);
  });
});
