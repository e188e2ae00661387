import { z } from "zod";
import { HOST_PORTS_PER_LAB, ImageSet, SpecContext } from "../core/context";
import { checkInstanceType, checkPublicAccessCidrs, checkRegion, checkVpcCidr } from "../aws/settings";
import { LabConfigError } from "../core/errors";
import { parseDuration } from "../core/units";
import { requireDnsLabel } from "../core/names";
import { findModule, ModuleId, MODULES, ServiceSettings } from "../lab/modules";
import { SPARK_JIT } from "../services/spark-spec";

/** Where labs run. */
export type Target = "docker" | "kubernetes" | "aws";

/** Validated settings of a stack (everything under the `lab:` config namespace). */
export interface LabConfig {
  readonly module: ModuleId;
  readonly target: Target;
  /** Base lab name; with students, each lab is `<name>-<student>`. */
  readonly name: string;
  /** One lab per student (Kubernetes and AWS); empty for a single lab. */
  readonly students: readonly string[];
  /** E-mail of each student who has one in the roster (`lab:students` entries `{ name, email }`). */
  readonly studentEmails: Readonly<Record<string, string>>;
  readonly hostPortBase?: number;
  readonly services: ServiceSettings;
  readonly workspace: boolean;
  readonly images: ImageSet;
  readonly kubernetes: KubernetesSettings;
  readonly aws?: AwsSettings;
  /**
   * A class's labs go to sleep (scaled to zero, volumes kept) this many
   * seconds after they were stood up or last extended (`lab:expiresAfter`).
   * @default none: labs do not expire
   */
  readonly expiresAfterSeconds?: number;
  /**
   * A class's labs go to sleep after this many seconds with no activity in
   * Jupyter, Spark, Dask or Kafka (`lab:idleAfter`).
   * @default none: idle labs keep running
   */
  readonly idleAfterSeconds?: number;
}

/** Settings of the Kubernetes target. */
export interface KubernetesSettings {
  /** Path of a kubeconfig file. @default $KUBECONFIG or ~/.kube/config */
  readonly kubeconfig?: string;
  /** Context in the kubeconfig. @default its current context */
  readonly context?: string;
  /** StorageClass for PVCs. @default the cluster's default */
  readonly storageClass?: string;
  /** How host ports are reached. @default "nodePort" (`none` on aws) */
  readonly exposure: "nodePort" | "none";
  /** ResourceQuota and LimitRange per lab namespace. @default true */
  readonly quota: boolean;
  /**
   * A class (students) gets NetworkPolicies per lab namespace: no ingress from
   * other namespaces, no egress to private addresses outside the lab.
   * @default true
   */
  readonly networkPolicies: boolean;
  /**
   * Stand a class up even where no NetworkPolicy engine is detected (the
   * policies are then not enforced). @default false
   */
  readonly allowNoIsolation: boolean;
  /**
   * Share of each container's CPU request asked of the scheduler (limits are
   * unchanged): a class on a small cluster overcommits CPU because most
   * students are idle at any time, e.g. 0.25. @default 1
   */
  readonly cpuRequestScale: number;
}

/** Settings of the AWS class cluster (EKS). */
export interface AwsSettings {
  readonly region: string;
  /** Worker nodes. @default 2 */
  readonly nodeCount: number;
  /** An x86 type (the images are amd64). @default "t3.xlarge" (4 vCPU, 16 GiB: about three labs per node) */
  readonly instanceType: string;
  /** @default "1.33" */
  readonly kubernetesVersion: string;
  /**
   * Private IPv4 block of the class VPC, /16 to /20; two private subnets (a
   * quarter each) and two public ones (a sixteenth each) are carved from it.
   * @default "10.40.0.0/16"
   */
  readonly vpcCidr: string;
  /**
   * Public address ranges allowed to reach the cluster's API endpoint
   * (pulumi, kubectl, port-forward). Required on the aws target: the endpoint
   * is never opened to 0.0.0.0/0 unless that is written out. The private
   * endpoint is always on for the nodes.
   */
  readonly publicAccessCidrs: readonly string[];
}

/** Image names and tags as images/manifest.json lists them. */
export interface ImageManifest {
  readonly registryPrefix: string;
  readonly images: Readonly<Record<keyof ImageSet, { readonly tag: string }>>;
}

/** An e-mail address as rosters and `lab:students` give it (no spaces or commas). */
export const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
/** Longest student name: the lab name `<class>-<student>` must stay a namespace name. */
export const MAX_STUDENT_NAME = 20;
const memory = z.union([z.string(), z.number()]);
const int = z.number();
const services = z
  .object({
    spark: z.object({ workers: int, workerCores: int, applications: int, workerMemory: memory, daemonMemory: memory, executorMemory: memory, driverMemory: memory, history: z.boolean(), jit: z.enum(SPARK_JIT) }).partial().strict(),
    kafka: z.object({ brokers: int, heap: memory, storage: memory, defaultPartitions: int, clusterId: z.string() }).partial().strict(),
    hdfs: z.object({ dataNodes: int, nameNodeHeap: memory, dataNodeHeap: memory, dataNodeStorage: memory, replication: int, httpFsHeap: memory }).partial().strict(),
    objectStore: z.object({ buckets: z.array(z.string()), accessKey: z.string(), storage: memory, memory }).partial().strict(),
    dask: z.object({ workers: int, workerThreads: int, workerMemory: memory, schedulerMemory: memory }).partial().strict(),
    workspace: z.object({ memory, storage: memory }).partial().strict(),
  })
  .partial()
  .strict();

const kubernetes = z
  .object({
    kubeconfig: z.string(),
    context: z.string(),
    storageClass: z.string(),
    exposure: z.enum(["nodePort", "none"]),
    quota: z.boolean(),
    networkPolicies: z.boolean(),
    allowNoIsolation: z.boolean(),
    cpuRequestScale: z.number(),
  })
  .partial()
  .strict();

const aws = z
  .object({ region: z.string(), nodeCount: int, instanceType: z.string(), kubernetesVersion: z.string(), vpcCidr: z.string(), publicAccessCidrs: z.unknown() })
  .partial()
  .strict();

const images = z.object({ registry: z.string(), tags: z.record(z.string(), z.string()) }).partial().strict();

/** An image reference's registry part: a host (with a port) and lower-case path components. */
const REGISTRY_PREFIX = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Turns the first zod issue into a one-line error that names the field. */
function check<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = [field, ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(schema, issue.path);
    throw new LabConfigError(at, `unknown setting${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`, known ? `Known settings: ${known}` : "Remove it");
  }
  if (issue.code === "invalid_value") {
    throw new LabConfigError(at, `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`, "Set one of those");
  }
  const got = issue.path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[String(k)] : undefined), value);
  const expected = issue.code === "invalid_type" ? issue.expected : "a different value";
  throw new LabConfigError(at, `expected ${expected}, got ${JSON.stringify(got)}`, `Fix the value in your stack file (stacks/Pulumi.<stack>.yaml)`);
}

/** Keys a (nested) zod object accepts, for "did you mean" lists. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  let s: z.ZodType = schema;
  for (const key of path) {
    const shape = (s as unknown as { shape?: Record<string, z.ZodType> }).shape;
    const next = shape?.[String(key)];
    if (!next) return undefined;
    s = (next as unknown as { unwrap?: () => z.ZodType }).unwrap?.() ?? next;
  }
  const shape = (s as unknown as { shape?: Record<string, z.ZodType> }).shape;
  return shape ? Object.keys(shape).join(", ") : undefined;
}

/** The config keys a stack may set under `lab:`. */
export const CONFIG_KEYS = ["module", "target", "name", "students", "hostPortBase", "services", "workspace", "images", "kubernetes", "aws", "expiresAfter", "idleAfter"] as const;

/**
 * Validates raw stack config (values already parsed from YAML/JSON) into a
 * {@link LabConfig}. Every problem is one {@link LabConfigError} line naming
 * `lab:<key>` and the fix. Pure: nothing is created.
 */
export function parseLabConfig(raw: Readonly<Record<string, unknown>>, manifest: ImageManifest): LabConfig {
  for (const key of Object.keys(raw)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new LabConfigError(`lab:${key}`, "is not a setting of this project", `Known settings: ${CONFIG_KEYS.map((k) => `lab:${k}`).join(", ")}`);
    }
  }
  if (raw["module"] === undefined || raw["module"] === "") {
    throw new LabConfigError("lab:module", "is missing", "Set it to a module 1-5, e.g. `pulumi config set lab:module 2`");
  }
  const mod = findModule(raw["module"] as string);
  if (!mod) {
    const list = Object.values(MODULES).map((m) => `${m.id} (${m.slug})`).join(", ");
    throw new LabConfigError("lab:module", `unknown module ${JSON.stringify(raw["module"])}`, `Use one of ${list}`);
  }
  const target = (raw["target"] ?? "docker") as string;
  if (target !== "docker" && target !== "kubernetes" && target !== "aws") {
    throw new LabConfigError("lab:target", `unknown target ${JSON.stringify(target)}`, 'Use "docker", "kubernetes" or "aws"');
  }
  const name = requireDnsLabel("lab:name", raw["name"] ?? `bigdata-m${mod.id}`, 40);
  const studentsRaw = raw["students"] ?? [];
  if (!Array.isArray(studentsRaw)) throw new LabConfigError("lab:students", "must be a list of names", "Write it as a YAML list, e.g. [alice, bob]");
  const studentEmails: Record<string, string> = {};
  const students = studentsRaw.map((s, i) => {
    if (typeof s !== "object" || s === null) return requireDnsLabel(`lab:students[${i}]`, s, MAX_STUDENT_NAME);
    const entry = s as { name?: unknown; email?: unknown };
    const name = requireDnsLabel(`lab:students[${i}].name`, entry.name, MAX_STUDENT_NAME);
    if (entry.email !== undefined) {
      if (typeof entry.email !== "string" || !EMAIL.test(entry.email)) {
        throw new LabConfigError(`lab:students[${i}].email`, `${JSON.stringify(entry.email)} is not an e-mail address`, "Write it as name@example.org, or leave it out");
      }
      studentEmails[name] = entry.email;
    }
    return name;
  });
  const dup = students.find((s, i) => students.indexOf(s) !== i);
  if (dup) throw new LabConfigError("lab:students", `"${dup}" is listed twice`, "Give every student a unique name");
  if (students.length > 0 && target === "docker" && students.length > 4) {
    throw new LabConfigError("lab:students", `${students.length} labs do not fit one Docker host`, "Use at most 4 on Docker, or target kubernetes/aws for a class");
  }
  const labCount = Math.max(1, students.length);
  const kube = check(kubernetes, raw["kubernetes"] ?? {}, "lab:kubernetes");
  const exposure = kube.exposure ?? (target === "aws" ? "none" : "nodePort");
  const exposes = target === "docker" || exposure === "nodePort";
  const portBase = raw["hostPortBase"] ?? 30000;
  const [lo, hi] = target === "docker" ? [1024, 65535] : [30000, 32767];
  // Without exposure nothing is published, so no port range needs to fit (a class of any size).
  if (exposes && (typeof portBase !== "number" || !Number.isInteger(portBase) || portBase < lo || portBase + HOST_PORTS_PER_LAB * labCount - 1 > hi)) {
    throw new LabConfigError(
      "lab:hostPortBase",
      `${JSON.stringify(portBase)} does not leave ${HOST_PORTS_PER_LAB * labCount} ports within ${lo}-${hi}`,
      target === "docker" ? "Use a whole number such as 30000" : "Use a whole number from 30000 so every port is a valid NodePort",
    );
  }
  const cpuRequestScale = kube.cpuRequestScale ?? 1;
  if (!(cpuRequestScale >= 0.05 && cpuRequestScale <= 1)) {
    throw new LabConfigError("lab:kubernetes.cpuRequestScale", `must be a number from 0.05 to 1 (got ${JSON.stringify(kube.cpuRequestScale)})`, "Use e.g. 0.25 to overcommit CPU 4x on a class cluster, or remove it for 1");
  }
  const workspace = raw["workspace"] ?? true;
  if (typeof workspace !== "boolean") throw new LabConfigError("lab:workspace", `expected true or false, got ${JSON.stringify(workspace)}`, "Set it to true or false");
  const awsRaw = check(aws, raw["aws"] ?? {}, "lab:aws");
  let awsSettings: AwsSettings | undefined;
  if (target === "aws") {
    if (!awsRaw.region) throw new LabConfigError("lab:aws.region", "is missing for the aws target", "Set it, e.g. `pulumi config set --path lab:aws.region eu-west-1`");
    const nodeCount = awsRaw.nodeCount ?? 2;
    if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 50) {
      throw new LabConfigError("lab:aws.nodeCount", `must be a whole number from 1 to 50 (got ${JSON.stringify(awsRaw.nodeCount)})`, "Size it to the class: about 3 labs per t3.xlarge node (the class preflight computes it)");
    }
    awsSettings = {
      region: checkRegion(awsRaw.region),
      nodeCount,
      instanceType: checkInstanceType(awsRaw.instanceType ?? "t3.xlarge"),
      kubernetesVersion: awsRaw.kubernetesVersion ?? "1.33",
      vpcCidr: checkVpcCidr(awsRaw.vpcCidr ?? "10.40.0.0/16"),
      publicAccessCidrs: checkPublicAccessCidrs(awsRaw.publicAccessCidrs),
    };
  }
  const serviceSettings = check(services, raw["services"] ?? {}, "lab:services") as ServiceSettings;
  if (students.length > 0 && serviceSettings.objectStore?.accessKey !== undefined) {
    throw new LabConfigError("lab:services.objectStore.accessKey", "would give every student of the class the same S3 user", "Remove it: each lab gets its own generated access key and secret");
  }
  const img = check(images, raw["images"] ?? {}, "lab:images");
  if (img.registry !== undefined && !REGISTRY_PREFIX.test(img.registry.replace(/\/+$/, ""))) {
    throw new LabConfigError("lab:images.registry", `${JSON.stringify(img.registry)} is not a registry host and path`, 'Use HOST[:PORT][/PATH] in lower case, e.g. "localhost:5000/bigdata-labs"');
  }
  const prefix = (img.registry ?? manifest.registryPrefix).replace(/\/+$/, "");
  const imageSet = {} as Record<keyof ImageSet, string>;
  for (const [key, entry] of Object.entries(manifest.images) as [keyof ImageSet, { tag: string }][]) {
    imageSet[key] = `${prefix}/${key}:${img.tags?.[key] ?? entry.tag}`;
  }
  for (const key of Object.keys(img.tags ?? {})) {
    if (!(key in manifest.images)) throw new LabConfigError(`lab:images.tags.${key}`, "is not a lab image", `Known images: ${Object.keys(manifest.images).join(", ")}`);
  }
  const schedule = labSchedule(raw, target, students.length);
  return {
    module: mod.id,
    target,
    name,
    students,
    studentEmails,
    ...(exposes ? { hostPortBase: portBase as number } : {}),
    services: serviceSettings,
    workspace,
    images: imageSet,
    kubernetes: {
      exposure,
      quota: kube.quota ?? true,
      networkPolicies: kube.networkPolicies ?? true,
      allowNoIsolation: kube.allowNoIsolation ?? false,
      cpuRequestScale,
      ...(kube.kubeconfig ? { kubeconfig: kube.kubeconfig } : {}),
      ...(kube.context ? { context: kube.context } : {}),
      ...(kube.storageClass ? { storageClass: kube.storageClass } : {}),
    },
    ...(awsSettings ? { aws: awsSettings } : {}),
    ...schedule,
  };
}

/** `lab:expiresAfter` and `lab:idleAfter`, in seconds: only a class on a cluster has the janitor that applies them. */
function labSchedule(raw: Readonly<Record<string, unknown>>, target: Target, students: number): Pick<LabConfig, "expiresAfterSeconds" | "idleAfterSeconds"> {
  const out: { expiresAfterSeconds?: number; idleAfterSeconds?: number } = {};
  for (const [key, field] of [["expiresAfter", "expiresAfterSeconds"], ["idleAfter", "idleAfterSeconds"]] as const) {
    if (raw[key] === undefined) continue;
    if (target === "docker" || students === 0) {
      throw new LabConfigError(`lab:${key}`, "applies to a class on kubernetes or aws (its janitor puts labs to sleep)", "Remove it, or give the stack lab:students and target kubernetes or aws");
    }
    out[field] = parseDuration(`lab:${key}`, raw[key]);
  }
  return out;
}

/** What a stack's labs resolve their specs with: its images, and a lab's host port base when it publishes ports. */
export function labContext(cfg: LabConfig, hostPortBase?: number): SpecContext {
  return { images: cfg.images, fieldPrefix: "lab:services", ...(hostPortBase !== undefined ? { hostPortBase } : {}) };
}

/** One lab of a stack: its name, its student (in a class) and its host port base. */
export interface LabInstance {
  readonly name: string;
  readonly student?: string;
  readonly hostPortBase?: number;
}

/** Lab names and host port bases: one lab, or one per student (`<name>-<student>`). */
export function labInstances(cfg: LabConfig): LabInstance[] {
  const students: (string | undefined)[] = cfg.students.length > 0 ? [...cfg.students] : [undefined];
  return students.map((student, i) => ({
    name: student ? `${cfg.name}-${student}` : cfg.name,
    ...(student ? { student } : {}),
    ...(cfg.hostPortBase !== undefined ? { hostPortBase: cfg.hostPortBase + i * HOST_PORTS_PER_LAB } : {}),
  }));
}
