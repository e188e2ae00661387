import { SpecContext } from "../core/context";
import { LabConfigError } from "../core/errors";
import { EnvValue, ResourceSpec, ServiceSpec, totalResources } from "../core/spec";
import { DaskSpec, resolveDaskSpec } from "../services/dask-spec";
import { HdfsSpec, resolveHdfsSpec } from "../services/hdfs-spec";
import { KafkaSpec, resolveKafkaSpec } from "../services/kafka-spec";
import { ObjectStoreSpec, resolveObjectStoreSpec } from "../services/object-store-spec";
import { resolveSparkSpec, S3Access, SparkSpec } from "../services/spark-spec";
import { resolveWorkspaceSpec, WorkspaceSpec } from "../services/workspace-spec";
import { MODULES, ModuleDefinition, ModuleId, ServiceName, ServiceSettings } from "./modules";

/** What a lab is made of, before anything is created. */
export interface LabPlanArgs {
  /** Lab name (DNS label). */
  readonly name: string;
  readonly module: ModuleId;
  readonly context: SpecContext;
  /** Overrides merged over the module's defaults, per service. @default {} */
  readonly services?: ServiceSettings;
  /** Leave out the JupyterLab workspace (a headless lab for drivers only). @default false */
  readonly withoutWorkspace?: boolean;
}

/** Every service of a lab, resolved; absent services are undefined. */
export interface LabPlan {
  readonly name: string;
  readonly module: ModuleDefinition;
  readonly context: SpecContext;
  /** The module's defaults with the user's overrides on top, per service the lab has. */
  readonly settings: ServiceSettings;
  /** The object store as Spark sees it, when the lab has one. */
  readonly s3?: S3Access;
  readonly objectStore?: ObjectStoreSpec;
  readonly hdfs?: HdfsSpec;
  readonly kafka?: KafkaSpec;
  readonly spark?: SparkSpec;
  readonly dask?: DaskSpec;
  readonly workspace?: WorkspaceSpec;
  /** Resolved specs in creation order. */
  readonly specs: readonly ServiceSpec[];
  /** Sum of requests and limits of every container. */
  readonly totals: ResourceSpec;
  /**
   * Env that connects a client container (the workspace, a driver's job
   * container) to every service of the lab.
   */
  readonly clientEnv: Readonly<Record<string, EnvValue>>;
}

/** Module defaults with the user's overrides on top; services the module lacks are refused. */
function mergeSettings(module: ModuleDefinition, overrides: ServiceSettings, fieldPrefix: string): ServiceSettings {
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(overrides) as ServiceName[]) {
    if (module.services[key] === undefined) {
      const have = Object.keys(module.services).join(", ");
      throw new LabConfigError(`${fieldPrefix}.${key}`, `module ${module.id} (${module.slug}) has no ${key}`, `Remove it; this module's services are ${have}`);
    }
  }
  for (const [key, defaults] of Object.entries(module.services)) {
    merged[key] = { ...defaults, ...(overrides[key as ServiceName] ?? {}) };
  }
  return merged as ServiceSettings;
}

/**
 * Resolves every service a module needs, wires them to each other (S3
 * credentials to Spark and Dask, endpoints to the workspace) and sums their
 * resources. Pure: it throws {@link LabConfigError} for bad settings and
 * creates nothing.
 */
export function planLab(args: LabPlanArgs): LabPlan {
  const module = MODULES[args.module];
  const ctx = args.context;
  const s = mergeSettings(module, args.services ?? {}, ctx.fieldPrefix);
  const objectStore = s.objectStore ? resolveObjectStoreSpec(s.objectStore, ctx, module.buckets) : undefined;
  const s3: S3Access | undefined = objectStore
    ? { endpoint: objectStore.endpoint, eventsBucket: objectStore.buckets[0]!, env: objectStore.clientEnv }
    : undefined;
  const hdfs = s.hdfs ? resolveHdfsSpec(s.hdfs, ctx) : undefined;
  const kafka = s.kafka ? resolveKafkaSpec(s.kafka, ctx, args.name) : undefined;
  const spark = s.spark ? resolveSparkSpec(s.spark, ctx, s3) : undefined;
  const dask = s.dask ? resolveDaskSpec(s.dask, ctx, objectStore?.clientEnv ?? {}) : undefined;
  const clientEnv: Record<string, EnvValue> = {
    LAB_NAME: args.name,
    LAB_MODULE: String(module.id),
    ...(objectStore ? { ...objectStore.clientEnv, LAB_BUCKETS: objectStore.buckets.join(",") } : {}),
    ...(hdfs ? { HDFS_NAMENODE_URL: hdfs.defaultFs, WEBHDFS_URL: hdfs.webHdfs } : {}),
    ...(kafka ? { KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrap } : {}),
    ...(dask ? { DASK_SCHEDULER_ADDRESS: dask.schedulerAddress } : {}),
    ...(spark ? spark.clientEnv : {}),
  };
  const workspace = s.workspace && !args.withoutWorkspace ? resolveWorkspaceSpec(s.workspace, ctx, clientEnv, spark?.clientConf) : undefined;
  const specs = [objectStore, hdfs, kafka, spark, dask, workspace].filter((x): x is NonNullable<typeof x> => x !== undefined);
  return {
    name: args.name,
    module,
    context: ctx,
    settings: s,
    ...(s3 ? { s3 } : {}),
    ...(objectStore ? { objectStore } : {}),
    ...(hdfs ? { hdfs } : {}),
    ...(kafka ? { kafka } : {}),
    ...(spark ? { spark } : {}),
    ...(dask ? { dask } : {}),
    ...(workspace ? { workspace } : {}),
    specs,
    totals: totalResources(specs),
    clientEnv,
  };
}
