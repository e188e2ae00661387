import * as pulumi from "@pulumi/pulumi";
import { SpecContext } from "../core/context";
import { derivedSecret } from "../core/derived-secret";
import { RandomSecret } from "../core/random-secret";
import { EndpointSpec } from "../core/spec";
import { Platform } from "../platform/platform";
import { DaskCluster } from "../services/dask-cluster";
import { HdfsCluster } from "../services/hdfs-cluster";
import { KafkaCluster } from "../services/kafka-cluster";
import { ObjectStore } from "../services/object-store";
import { OBJECT_STORE_ACCESS_SECRET, OBJECT_STORE_SECRET } from "../services/object-store-spec";
import { SparkCluster } from "../services/spark-cluster";
import { Workspace } from "../services/workspace";
import { JUPYTER_TOKEN_SECRET } from "../services/workspace-spec";
import { ModuleId, ServiceSettings } from "./modules";
import { LabPlan, planLab } from "./plan";

/** Arguments of {@link Lab}. */
export interface LabArgs {
  /** Course module (1–5). */
  readonly module: ModuleId;
  /** Where the lab runs: `new DockerPlatform()` or `new KubernetesPlatform(...)`. */
  readonly platform: Platform;
  /** Images, host port base and the prefix used in error messages. */
  readonly context: SpecContext;
  /** Overrides of the module's service defaults. @default {} */
  readonly services?: ServiceSettings;
  /** Leave out JupyterLab. @default false */
  readonly withoutWorkspace?: boolean;
  /** The student whose lab this is, in a class. @default none */
  readonly student?: string;
  /**
   * The stack's seed (`lab:secretSeed`, a Pulumi secret) the lab's credentials
   * are derived from, per lab and purpose. Without one, each credential is a
   * RandomSecret kept in the state (a dynamic provider: a Node.js process the
   * engine starts on every update). @default none
   */
  readonly secretSeed?: pulumi.Output<string>;
}

/** Endpoints of one service by endpoint name. */
export type ServiceEndpoints = Record<string, { inLab: string; host?: string; ui: boolean }>;

/** The credentials a lab hands out. */
export interface LabCredentials {
  readonly s3AccessKey?: string;
  readonly s3SecretKey?: string;
  readonly jupyterToken?: string;
}

function endpointMap(endpoints: readonly EndpointSpec[]): ServiceEndpoints {
  return Object.fromEntries(endpoints.map((e) => [e.name, { inLab: e.inLab, ...(e.host ? { host: e.host } : {}), ui: e.ui }]));
}

/**
 * One student's lab for one module: exactly the services the module needs,
 * wired together, in its own Docker network or Kubernetes namespace.
 */
export class Lab extends pulumi.ComponentResource {
  /** The resolved plan (services, totals, client env). */
  public readonly plan: LabPlan;
  /** Docker network or Kubernetes namespace. */
  public readonly location: pulumi.Output<string>;
  /** Endpoints per service. */
  public readonly endpoints: Record<string, ServiceEndpoints>;
  /** Generated credentials, as a Pulumi secret. */
  public readonly credentials: pulumi.Output<LabCredentials>;
  /** The student's kubeconfig for this lab alone (a class on Kubernetes), a secret. */
  public readonly studentKubeconfig?: pulumi.Output<string>;

  constructor(name: string, args: LabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:lab:Lab", name, {}, opts);
    // Everything is validated before the first child resource exists.
    const plan = planLab({ name, module: args.module, context: args.context, services: args.services ?? {}, withoutWorkspace: args.withoutWorkspace ?? false });
    this.plan = plan;
    const scope = args.platform.openLab({ lab: name, module: args.module, totals: plan.totals, ...(args.student ? { student: args.student } : {}) }, this);
    this.location = scope.location;
    if (scope.studentKubeconfig) this.studentKubeconfig = scope.studentKubeconfig;
    const seed = args.secretSeed;
    const generated = (purpose: string) => (seed ? derivedSecret(seed, `${name}/${purpose}`) : new RandomSecret(`${name}-${purpose}`, { length: 32 }, { parent: this }).value);
    const secrets: Record<string, pulumi.Output<string>> = {};
    if (plan.objectStore) {
      secrets[OBJECT_STORE_SECRET] = generated("s3-secret-key");
      // MinIO users are letters and digits: the generated key keeps those of 32 random characters, 20 of them.
      if (typeof plan.objectStore.accessKey !== "string") {
        secrets[OBJECT_STORE_ACCESS_SECRET] = generated("s3-access-key").apply((v) => `lab${v.replace(/[^A-Za-z0-9]/g, "").slice(0, 17)}`);
      }
    }
    if (plan.workspace) secrets[JUPYTER_TOKEN_SECRET] = generated("jupyter-token");
    const common = { scope, context: args.context, secrets };
    const merged = (key: keyof ServiceSettings) => plan.settings[key] ?? {};
    const store = plan.objectStore ? new ObjectStore(`${name}-minio`, { ...common, ...merged("objectStore"), moduleBuckets: plan.module.buckets }, { parent: this }) : undefined;
    const storeReady = store?.ready ?? [];
    const hdfs = plan.hdfs ? new HdfsCluster(`${name}-hdfs`, { ...common, ...merged("hdfs") }, { parent: this }) : undefined;
    const kafka = plan.kafka ? new KafkaCluster(`${name}-kafka`, { ...common, ...merged("kafka") }, { parent: this }) : undefined;
    const spark = plan.spark ? new SparkCluster(`${name}-spark`, { ...common, ...merged("spark"), ...(plan.s3 ? { s3: plan.s3 } : {}), dependsOn: storeReady }, { parent: this }) : undefined;
    const dask = plan.dask ? new DaskCluster(`${name}-dask`, { ...common, ...merged("dask"), workerEnv: plan.objectStore?.clientEnv ?? {}, dependsOn: storeReady }, { parent: this }) : undefined;
    const services = [store, hdfs, kafka, spark, dask].filter((x) => x !== undefined);
    const workspace = plan.workspace
      ? new Workspace(
          `${name}-workspace`,
          { ...common, ...merged("workspace"), labEnv: plan.clientEnv, ...(plan.spark ? { sparkConf: plan.spark.clientConf } : {}), dependsOn: services.flatMap((x) => x.ready) },
          { parent: this },
        )
      : undefined;
    this.endpoints = Object.fromEntries(
      [store, hdfs, kafka, spark, dask, workspace].filter((x) => x !== undefined).map((x) => [x.spec.service, endpointMap(x.spec.endpoints)]),
    );
    this.credentials = pulumi.secret(
      pulumi.all({ s3AccessKey: secrets[OBJECT_STORE_ACCESS_SECRET], s3SecretKey: secrets[OBJECT_STORE_SECRET], jupyterToken: secrets[JUPYTER_TOKEN_SECRET] }).apply((v) => ({
        ...(plan.objectStore ? { s3AccessKey: typeof plan.objectStore.accessKey === "string" ? plan.objectStore.accessKey : v.s3AccessKey!, s3SecretKey: v.s3SecretKey } : {}),
        ...(plan.workspace ? { jupyterToken: v.jupyterToken } : {}),
      })),
    );
    this.registerOutputs({ location: this.location, endpoints: this.endpoints, credentials: this.credentials, studentKubeconfig: this.studentKubeconfig });
  }
}
