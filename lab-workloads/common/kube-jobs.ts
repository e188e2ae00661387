/**
 * A check's job as a Kubernetes Job, through the one Kubernetes client
 * (@kubernetes/client-node): objects created over the API once the lab's
 * quota has room ({@link admitWithinQuota}), the pod's start and the Job's
 * end followed with watches (seen as they happen, not polled), the log
 * streamed from the API server.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Writable } from "stream";
import { BatchV1Api, CoreV1Api, CoreV1Event, KubeConfig, Log, V1ConfigMap, V1Job, V1ObjectMeta, V1Pod, V1PodSecurityContext, V1Secret } from "@kubernetes/client-node";
import { apiStatus, loadKubeConfig } from "../access/kube-client";
import { answering, apiMessage } from "../access/kube-host";
import { CHECK_JOB } from "../../components/platform/kubernetes/render";
import { containerSecurityContext, podSecurityContext } from "../../components/platform/kubernetes/isolation";
import type { JobSpec } from "./jobs";
import { JobError, jobOutput, lineSplitter } from "./job-error";
import { admitWithinQuota, jobQuotaNeed } from "./kube-quota";
import { watchUntil } from "./kube-watch";
import { LabHandle } from "./lab";

/** What a check Job may use: the room the lab's quota keeps for it. */
const JOB_RESOURCES = {
  requests: { cpu: `${CHECK_JOB.cpuRequestMillis}m`, memory: `${CHECK_JOB.memoryRequestBytes / 2 ** 20}Mi` },
  limits: { cpu: `${CHECK_JOB.cpuLimitMillis}m`, memory: `${CHECK_JOB.memoryLimitBytes / 2 ** 20}Mi` },
};

/** How long a job's pod may take to start (scheduling, image, volumes). */
const POD_START_SECONDS = 180;
/** How long the next job's admission waits for this one's pod to be created (and charged to the quota). */
const POD_CREATED_SECONDS = 30;
/** After the Job has ended, how long its log stream may still take to deliver its last lines. */
const LOG_DRAIN_MS = 10_000;
/** Names tried when one is taken (a 409 AlreadyExists): each a fresh random suffix. */
const NAME_ATTEMPTS = 3;
/** Container waiting reasons that no amount of waiting fixes. */
const HOPELESS = /ErrImage|ImagePullBackOff|InvalidImageName|CreateContainerConfigError/;

/** The API clients of one job run. */
interface Apis {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly namespace: string;
}

/**
 * Runs a job as a Kubernetes Job in the lab's namespace: the job's Python
 * files in a ConfigMap mounted at /jobs, the lab's client env in a Secret, the
 * workspace image, the pod's IP as the Spark driver's address (executors call
 * back to it). Streams the log, enforces the timeout, deletes what it created.
 */
export async function runKubeJob(lab: LabHandle, job: JobSpec): Promise<string> {
  const timeout = job.timeoutSeconds ?? 600;
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(job.dir).filter((f) => f.endsWith(".py"))) files[f] = fs.readFileSync(path.join(job.dir, f), "utf8");
  if (job.override) files[job.script] = fs.readFileSync(job.override, "utf8");
  if (!files[job.script]) throw new JobError(`job file ${path.join(job.dir, job.script)} not found`, "");
  const kc = loadKubeConfig(lab.kube ?? {});
  const apis: Apis = { kc, core: kc.makeApiClient(CoreV1Api), batch: kc.makeApiClient(BatchV1Api), namespace: lab.name };
  const output = jobOutput(job);
  let name = "";
  try {
    // Created once the lab's quota has room for it (a pod refused by the quota waits for the Job controller's back-off).
    await admitWithinQuota(kc, lab.name, jobQuotaNeed(CHECK_JOB), timeout, `job ${job.name}`, async () => {
      name = await createJob(apis, job.name, (n) => jobObjects(lab, job, n, files, timeout));
      await podCreated(apis, name, POD_CREATED_SECONDS);
    });
    const pod = await waitForPodStart(apis, name, POD_START_SECONDS);
    const logs = streamLogs(apis, pod, timeout, output.line);
    let status: Awaited<ReturnType<typeof waitForJobEnd>> | undefined;
    try {
      status = await waitForJobEnd(apis, name, timeout + 60);
    } finally {
      await logs.drained(status ? LOG_DRAIN_MS : 0);
    }
    if (status !== "Complete") throw new JobError(`job ${job.name} ${status === "Timeout" ? `timed out after ${timeout}s` : "failed"} (Kubernetes Job ${name})`, output.relevant());
    return output.stdout();
  } finally {
    if (name) await deleteJob(apis, name, ["job", "configmap", "secret"]);
  }
}

/** A Job's name: `job-<name>-<6 hex>`, as a DNS label of at most 52 characters. */
function jobName(name: string): string {
  return `job-${name}-${crypto.randomBytes(3).toString("hex")}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 52);
}

/** The ConfigMap (the job's files), Secret (the lab's client env) and Job of one run, all named `name`. */
function jobObjects(lab: LabHandle, job: JobSpec, name: string, files: Record<string, string>, timeout: number): { configMap: V1ConfigMap; secret: V1Secret; job: V1Job } {
  const env = lab.jobEnv();
  const labels = { "app.kubernetes.io/part-of": "bigdata-labs", "app.kubernetes.io/component": "check-job", "bigdata-labs.io/job": job.name };
  const metadata: V1ObjectMeta = { name, namespace: lab.name, labels };
  const sparkArgs = env["PYSPARK_SUBMIT_ARGS"];
  return {
    configMap: { apiVersion: "v1", kind: "ConfigMap", metadata, data: files },
    secret: { apiVersion: "v1", kind: "Secret", metadata, type: "Opaque", stringData: env },
    job: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata,
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: timeout,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            // Admitted by the namespace's restricted Pod Security level, like the lab's own pods.
            // Pulumi's input type admits Outputs; this one holds plain values only.
            securityContext: podSecurityContext(1000) as V1PodSecurityContext,
            containers: [{
              name: "job",
              image: lab.plan.context.images.workspace,
              imagePullPolicy: "IfNotPresent",
              securityContext: containerSecurityContext(),
              command: ["python3", `/jobs/${job.script}`, ...(job.args ?? [])],
              envFrom: [{ secretRef: { name } }],
              env: [
                { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                ...(sparkArgs ? [{ name: "PYSPARK_SUBMIT_ARGS", value: sparkArgs.replace(/ pyspark-shell$/, " --conf spark.driver.host=$(POD_IP) pyspark-shell") }] : []),
              ],
              resources: JOB_RESOURCES,
              volumeMounts: [{ name: "jobs", mountPath: "/jobs", readOnly: true }],
            }],
            volumes: [{ name: "jobs", configMap: { name } }],
          },
        },
      },
    },
  };
}

type Kind = "configmap" | "secret" | "job";

/**
 * Creates the ConfigMap, Secret and Job under a fresh name. A name that is
 * taken (409 AlreadyExists: the object is someone else's, never replaced)
 * is given up, with what this attempt created, for another random name.
 * Resolves with the name used.
 */
async function createJob(apis: Apis, jobBase: string, objects: (name: string) => { configMap: V1ConfigMap; secret: V1Secret; job: V1Job }): Promise<string> {
  const { core, batch, namespace } = apis;
  let taken = "";
  for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
    const name = jobName(jobBase);
    const o = objects(name);
    const steps: [Kind, () => Promise<unknown>][] = [
      ["configmap", () => core.createNamespacedConfigMap({ namespace, body: o.configMap })],
      ["secret", () => core.createNamespacedSecret({ namespace, body: o.secret })],
      ["job", () => batch.createNamespacedJob({ namespace, body: o.job })],
    ];
    const created: Kind[] = [];
    try {
      for (const [kind, create] of steps) {
        await answering(create());
        created.push(kind);
      }
      return name;
    } catch (err) {
      await deleteJob(apis, name, created);
      const status = apiStatus(err);
      if (status === undefined) throw err;
      if (status !== 409) throw new JobError(`could not create the Kubernetes objects of job ${jobBase} in namespace ${namespace}: ${apiMessage(err)}`, "");
      taken = `${taken}${taken ? ", " : ""}${name}`;
    }
  }
  throw new JobError(`could not create the Kubernetes objects of job ${jobBase} in namespace ${namespace}: the names ${taken} were all taken (409 AlreadyExists)`, "");
}

/** Deletes a run's objects (the Job's pod in the background); gone already is fine, other failures are ignored. */
async function deleteJob(apis: Apis, name: string, kinds: readonly Kind[]): Promise<void> {
  const { core, batch, namespace } = apis;
  const del: Record<Kind, () => Promise<unknown>> = {
    job: () => batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" }),
    configmap: () => core.deleteNamespacedConfigMap({ name, namespace }),
    secret: () => core.deleteNamespacedSecret({ name, namespace }),
  };
  await Promise.all(kinds.map((k) => del[k]().catch(() => undefined)));
}

/** Waits (at most `seconds`) until the Job's pod exists, i.e. is charged to the quota; never throws. */
async function podCreated(apis: Apis, job: string, seconds: number): Promise<void> {
  const { kc, core, namespace } = apis;
  const labelSelector = `job-name=${job}`;
  await watchUntil<V1Pod, true>(kc, () => core.listNamespacedPod({ namespace, labelSelector }), `/api/v1/namespaces/${namespace}/pods`, { labelSelector }, () => true, seconds).catch(() => undefined);
}

/** Waits until the Job's pod leaves Pending; its name, or a {@link JobError} with why not and the last events. */
async function waitForPodStart(apis: Apis, job: string, seconds: number): Promise<string> {
  const { kc, core, namespace } = apis;
  const labelSelector = `job-name=${job}`;
  const t0 = Date.now();
  let last = "no pod yet (quota or admission?)";
  let pod = "";
  const started = await watchUntil<V1Pod, { pod: string } | { hopeless: true }>(kc, () => core.listNamespacedPod({ namespace, labelSelector }), `/api/v1/namespaces/${namespace}/pods`, { labelSelector }, (p) => {
    pod = p.metadata?.name ?? pod;
    const phase = p.status?.phase;
    if (phase && phase !== "Pending") return { pod };
    const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
    const unschedulable = p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.reason === "Unschedulable");
    last = waiting ? `${waiting.reason ?? "waiting"}: ${waiting.message ?? ""}` : unschedulable ? `unschedulable: ${unschedulable.message ?? ""}` : "pending";
    return waiting && HOPELESS.test(waiting.reason ?? "") ? { hopeless: true } : undefined;
  }, seconds);
  if (started && "pod" in started) return started.pod;
  const events = await eventLines(apis, [job, pod].filter(Boolean));
  const gaveUp = started ? `; given up after ${((Date.now() - t0) / 1000).toFixed(0)}s, waiting does not fix it` : "";
  throw new JobError(`job pod of ${job} did not start within ${seconds}s (${last.trim()}${gaveUp})`, events);
}

/** The last events of the named objects (a Job and its pod), oldest first, as `Reason: message` lines. */
async function eventLines(apis: Apis, names: readonly string[]): Promise<string> {
  const { core, namespace } = apis;
  const lists = await Promise.all(names.map((n) => core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${n}` }).then((l) => l.items, () => [] as CoreV1Event[])));
  const at = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).getTime();
  return lists.flat().sort((a, b) => at(a) - at(b)).slice(-5).map((e) => `${e.reason ?? ""}: ${e.message ?? ""}`).join("\n");
}

/** A pod's log being followed. */
interface LogStream {
  /** Resolves when the stream has ended, or after `ms` (then it is closed: the Job has ended already). */
  drained(ms: number): Promise<void>;
}

/**
 * Follows the log of the pod's `job` container from the API server: bytes
 * into whole lines with {@link lineSplitter} (a UTF-8 character split between
 * chunks is held until it is whole). Stops after `timeoutSeconds` at most.
 */
function streamLogs(apis: Apis, pod: string, timeoutSeconds: number, onLine: (line: string, isErr: boolean) => void): LogStream {
  const lines = lineSplitter((l) => onLine(l, false));
  let controller: AbortController | undefined;
  let ended = false;
  let resolveEnd = () => {};
  const end = new Promise<void>((r) => (resolveEnd = r));
  const finish = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    lines.end();
    controller?.abort();
    resolveEnd();
  };
  const timer = setTimeout(finish, timeoutSeconds * 1000);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!ended) lines.push(chunk);
      done();
    },
    final(done) {
      done();
      finish();
    },
  });
  new Log(apis.kc).log(apis.namespace, pod, "job", sink, { follow: true }).then(
    (c) => {
      controller = c;
      if (ended) c.abort();
    },
    (err: unknown) => {
      onLine(`could not read the log of pod ${pod}: ${apiMessage(err)}`, true);
      finish();
    },
  );
  return {
    async drained(ms) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([end, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
      clearTimeout(t);
      finish();
    },
  };
}

/** How the Job ended: its Complete or Failed condition (a failure by its deadline is a Timeout), or Timeout when none came within `seconds`. */
async function waitForJobEnd(apis: Apis, job: string, seconds: number): Promise<"Complete" | "Failed" | "Timeout"> {
  const { kc, batch, namespace } = apis;
  const fieldSelector = `metadata.name=${job}`;
  const status = await watchUntil<V1Job, "Complete" | "Failed" | "Timeout">(kc, () => batch.listNamespacedJob({ namespace, fieldSelector }), `/apis/batch/v1/namespaces/${namespace}/jobs`, { fieldSelector }, (j) => {
    for (const c of j.status?.conditions ?? []) {
      if (c.status !== "True") continue;
      // SuccessCriteriaMet / FailureTarget come first (Kubernetes 1.31+): the controller's decision, before the pod is cleaned up.
      if (c.type === "Complete" || c.type === "SuccessCriteriaMet") return "Complete";
      if (c.type === "Failed" || c.type === "FailureTarget") return c.reason === "DeadlineExceeded" ? "Timeout" : "Failed";
    }
    return undefined;
  }, seconds);
  return status ?? "Timeout";
}
