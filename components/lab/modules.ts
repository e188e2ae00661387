import { DaskArgs } from "../services/dask-spec";
import { HdfsArgs } from "../services/hdfs-spec";
import { KafkaArgs } from "../services/kafka-spec";
import { ObjectStoreArgs } from "../services/object-store-spec";
import { SparkArgs } from "../services/spark-spec";
import { WorkspaceArgs } from "../services/workspace-spec";

/** The course's modules. */
export type ModuleId = 1 | 2 | 3 | 4 | 5;

/** Per-service settings; a service that is absent is not part of the lab. */
export interface ServiceSettings {
  readonly spark?: SparkArgs;
  readonly kafka?: KafkaArgs;
  readonly hdfs?: HdfsArgs;
  readonly objectStore?: ObjectStoreArgs;
  readonly dask?: DaskArgs;
  readonly workspace?: WorkspaceArgs;
}

/** The service names a module can use. */
export type ServiceName = keyof ServiceSettings;

/** What a module teaches and exactly which services it needs, with why. */
export interface ModuleDefinition {
  readonly id: ModuleId;
  /** Short name accepted in place of the number (`labctl up spark`). */
  readonly slug: string;
  readonly title: string;
  readonly topics: readonly string[];
  /** The module's services and their defaults. */
  readonly services: ServiceSettings;
  /** Buckets the object store starts with. */
  readonly buckets: readonly string[];
  /** One line per service: why the module needs it. */
  readonly why: Readonly<Partial<Record<ServiceName, string>>>;
}

/** The course catalogue. */
export const MODULES: Readonly<Record<ModuleId, ModuleDefinition>> = {
  1: {
    id: 1,
    slug: "foundations",
    title: "Foundations: pandas chunking, Dask, Polars, Parquet, lazy evaluation",
    topics: ["pandas chunked aggregation", "Dask DataFrames over Parquet in S3", "Polars lazy queries", "Parquet column pruning"],
    services: { dask: { workers: 2, workerThreads: 1 }, objectStore: {}, workspace: {} },
    buckets: ["datasets", "outputs"],
    why: {
      dask: "a distributed scheduler and two workers to run the same aggregation pandas runs in chunks",
      objectStore: "Parquet datasets in S3 that Dask and Polars read lazily, with column pruning",
      workspace: "pandas and Polars run in the notebook itself, with the Dask client",
    },
  },
  2: {
    id: 2,
    slug: "spark",
    title: "Distributed processing with PySpark: RDDs, DataFrames, groupBy/agg, lazy evaluation",
    topics: ["RDD map/filter/reduceByKey", "DataFrame groupBy/agg/orderBy", "Parquet output to S3"],
    services: { spark: { workers: 1 }, objectStore: {}, workspace: {} },
    buckets: ["datasets", "outputs"],
    why: {
      spark: "a standalone master and worker that run the RDD and DataFrame jobs",
      objectStore: "input CSV/text read with S3A and Parquet results written back",
      workspace: "the notebook is the client-mode driver",
    },
  },
  3: {
    id: 3,
    slug: "ml",
    title: "Machine learning at scale: Spark MLlib pipelines, distributed scikit-learn",
    topics: ["MLlib VectorAssembler + LinearRegression", "Dask-ML and joblib on a Dask cluster"],
    services: { spark: { workers: 1 }, dask: { workers: 1, workerThreads: 2, workerMemory: "640Mi" }, objectStore: {}, workspace: {} },
    buckets: ["datasets", "models"],
    why: {
      spark: "MLlib pipelines run on the Spark cluster",
      dask: "scikit-learn fits distributed with Dask-ML / joblib's dask backend",
      objectStore: "training data and saved models",
      workspace: "drives both clusters",
    },
  },
  4: {
    id: 4,
    slug: "streaming",
    title: "Real-time streams: Kafka, windows and watermarks, Spark Structured Streaming, Faust",
    topics: ["Kafka producers and consumers", "tumbling and sliding windows", "watermarks and late events", "Structured Streaming", "Faust"],
    services: { kafka: { brokers: 1 }, spark: { workers: 1 }, objectStore: {}, workspace: {} },
    buckets: ["checkpoints", "outputs"],
    why: {
      kafka: "a KRaft broker for producers, consumers and the streaming source",
      spark: "Structured Streaming queries with windows and watermarks",
      objectStore: "streaming checkpoints and window results",
      workspace: "producers, Faust and kafka-python consumers run in the notebook",
    },
  },
  5: {
    id: 5,
    slug: "storage",
    title: "Storage and graphs: Parquet, HDFS, NetworkX, GraphFrames",
    topics: ["CSV vs Parquet", "HDFS via WebHDFS and hdfs://", "GraphFrames PageRank / connected components", "NetworkX"],
    services: { hdfs: { dataNodes: 1 }, spark: { workers: 1 }, objectStore: {}, workspace: {} },
    buckets: ["datasets", "outputs"],
    why: {
      hdfs: "a NameNode and DataNode to put files to and read from hdfs://",
      spark: "GraphFrames and Parquet jobs",
      objectStore: "CSV and Parquet copies to compare sizes and column reads",
      workspace: "NetworkX runs in the notebook; it drives Spark",
    },
  },
};

/** Order services are listed in outputs and tables. */
export const SERVICE_ORDER: readonly ServiceName[] = ["objectStore", "hdfs", "kafka", "spark", "dask", "workspace"];

/** Finds a module by number or slug; undefined when unknown. */
export function findModule(idOrSlug: string | number): ModuleDefinition | undefined {
  const key = String(idOrSlug).trim().toLowerCase();
  return Object.values(MODULES).find((m) => String(m.id) === key || m.slug === key || `module-${m.id}` === key || `m${m.id}` === key);
}

/** The lab image each service runs. */
export const SERVICE_IMAGE: Readonly<Record<ServiceName, string>> = {
  objectStore: "minio",
  hdfs: "hadoop",
  kafka: "kafka",
  spark: "spark",
  dask: "dask",
  workspace: "workspace",
};

/** Images a module's lab uses. */
export function moduleImages(id: ModuleId): string[] {
  return SERVICE_ORDER.filter((s) => MODULES[id].services[s] !== undefined).map((s) => SERVICE_IMAGE[s]);
}
