import { LabPlan } from "./plan";

/** A functional check run inside one of the lab's workloads. */
export interface ProbeStep {
  /** Service it proves (`kafka`, `spark`, ...). */
  readonly service: string;
  /** Workload to run it in (first replica). */
  readonly workload: string;
  /** Command run in the container; prints one line, exits 0 when healthy. */
  readonly command: readonly string[];
  /** What it proves, for progress output. */
  readonly what: string;
}

/**
 * The functional probes of a lab, in the order they make sense: each service
 * doing real work (a record through Kafka, a file through HDFS, an object
 * through S3, a Spark job, a Dask task, the Jupyter API with its token).
 */
export function labProbes(plan: LabPlan): ProbeStep[] {
  const steps: ProbeStep[] = [];
  if (plan.objectStore) steps.push({ service: "minio", workload: "minio", command: ["labs-probe", "minio"], what: "put and get an object" });
  if (plan.hdfs) steps.push({ service: "hdfs", workload: "hdfs-namenode", command: ["labs-probe", "hdfs"], what: "safe mode off, write and read a file" });
  if (plan.kafka) steps.push({ service: "kafka", workload: "kafka-0", command: ["labs-probe", "kafka", plan.kafka.bootstrap], what: "produce and consume a record" });
  if (plan.spark) {
    steps.push({ service: "spark", workload: "spark-master", command: ["labs-probe", "spark-master"], what: "workers ALIVE in the master's status" });
    // The driver of the test job needs a container sized for a driver: the workspace when there is one.
    const driver = plan.workspace ? "workspace" : "spark-worker";
    steps.push({ service: "spark", workload: driver, command: ["labs-probe", "spark-job", plan.spark.masterUrl], what: "run a job on the cluster" });
  }
  if (plan.dask) steps.push({ service: "dask", workload: "dask-scheduler", command: ["labs-probe", "dask", plan.dask.schedulerAddress], what: "workers connected, a task run" });
  if (plan.workspace) steps.push({ service: "workspace", workload: "workspace", command: ["labs-probe", "jupyter"], what: "Jupyter API answers with the token" });
  return steps;
}
