import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../lab-workloads/access/errors";
import type { JobSpec } from "../lab-workloads/common/jobs";
import { JobError } from "../lab-workloads/common/job-error";
import { runKubeJob } from "../lab-workloads/common/kube-jobs";
import type { LabHandle } from "../lab-workloads/common/lab";
import { deadKubeconfig, failure, FakeApi, FakeRequest, json, startFakeApi } from "./helpers/kube-api";

const NS = "lab-m2";
const PODS = `/api/v1/namespaces/${NS}/pods`;
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;

/** What the simulated cluster does with the Job it is given. */
interface Script {
  /** ConfigMap names that exist already (someone else's): created with 409. */
  readonly taken?: (name: string) => boolean;
  /** Pod states after the Job is created, each `ms` after the last. */
  readonly pod?: readonly { ms: number; phase: string; waiting?: { reason: string; message: string } }[];
  /** Log chunks of the job container, 30 ms apart. */
  readonly log?: readonly Buffer[];
  /** The Job's condition once the log has ended (none: the Job never ends). */
  readonly end?: { type: string; reason?: string };
  /** Events, given the Job's name. */
  readonly events?: (job: string) => readonly { involvedObject: { name: string }; reason: string; message: string; lastTimestamp: string }[];
}

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** A fake API playing `script` for one Job. */
async function cluster(script: Script): Promise<FakeApi> {
  let pod: { metadata: { name: string; labels: Record<string, string> }; status: Record<string, unknown> } | undefined;
  let job: { metadata: { name: string }; status: { conditions?: unknown[] } } | undefined;
  const after = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const play = async (name: string) => {
    for (const step of script.pod ?? []) {
      await after(step.ms);
      const fresh = !pod;
      pod ??= { metadata: { name: `${name}-x7k2p`, labels: { "job-name": name } }, status: {} };
      pod.status = { phase: step.phase, ...(step.waiting ? { containerStatuses: [{ name: "job", state: { waiting: step.waiting } }] } : {}) };
      fake.emit(PODS, fresh ? "ADDED" : "MODIFIED", pod);
    }
  };
  const handler = async (r: FakeRequest, res: http.ServerResponse): Promise<boolean> => {
    const body = r.body as { metadata?: { name?: string } } | undefined;
    const name = body?.metadata?.name ?? "";
    if (r.method === "POST" && r.path === `/api/v1/namespaces/${NS}/configmaps`) {
      return script.taken?.(name) ? failure(res, 409, "AlreadyExists", `configmaps "${name}" already exists`) : json(res, 201, body);
    }
    if (r.method === "POST" && r.path === `/api/v1/namespaces/${NS}/secrets`) return json(res, 201, body);
    if (r.method === "POST" && r.path === JOBS) {
      job = { metadata: { name }, status: {} };
      void play(name);
      return json(res, 201, body);
    }
    if (r.method === "GET" && r.path === `/api/v1/namespaces/${NS}/resourcequotas`) return json(res, 200, { kind: "ResourceQuotaList", apiVersion: "v1", metadata: { resourceVersion: fake.rv() }, items: [] });
    if (r.method === "GET" && r.path === PODS) return json(res, 200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: fake.rv() }, items: pod ? [pod] : [] });
    if (r.method === "GET" && r.path === JOBS) return json(res, 200, { kind: "JobList", apiVersion: "batch/v1", metadata: { resourceVersion: fake.rv() }, items: job ? [job] : [] });
    if (r.method === "GET" && pod && r.path === `${PODS}/${pod.metadata.name}/log`) {
      res.writeHead(200, { "content-type": "text/plain" });
      for (const chunk of script.log ?? []) {
        res.write(chunk);
        await after(30);
      }
      res.end();
      if (script.end && job) {
        await after(50);
        job.status = { conditions: [{ type: script.end.type, status: "True", ...(script.end.reason ? { reason: script.end.reason } : {}) }] };
        fake.emit(JOBS, "MODIFIED", job);
      }
      return true;
    }
    if (r.method === "GET" && r.path === `/api/v1/namespaces/${NS}/events`) {
      const of = r.query.get("fieldSelector")?.replace("involvedObject.name=", "");
      return json(res, 200, { kind: "EventList", apiVersion: "v1", metadata: {}, items: (script.events?.(job?.metadata.name ?? "") ?? []).filter((e) => e.involvedObject.name === of) });
    }
    if (r.method === "DELETE") return json(res, 200, { kind: "Status", status: "Success" });
    return false;
  };
  const fake = await startFakeApi(handler);
  return fake;
}

/** A lab handle on the fake cluster, and a job folder with an exercise and a helper. */
function labAndJob(kubeconfig: string, lines?: string[]): { lab: LabHandle; job: JobSpec } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-jobs-"));
  fs.writeFileSync(path.join(dir, "wordcount.py"), "print('hi')\n");
  fs.writeFileSync(path.join(dir, "common.py"), "X = 1\n");
  const lab = {
    name: NS,
    kube: { kubeconfig },
    plan: { context: { images: { workspace: "bigdata-labs/workspace:test" } } },
    jobEnv: () => ({ AWS_ACCESS_KEY_ID: "key", PYSPARK_SUBMIT_ARGS: "--conf spark.x=1 pyspark-shell" }),
  } as unknown as LabHandle;
  return { lab, job: { name: "wordcount", dir, script: "wordcount.py", args: ["s3a://in", "s3a://out"], timeoutSeconds: 5, ...(lines ? { onLine: (l: string) => lines.push(l) } : {}) } };
}

const posted = (a: FakeApi, kind: string) => a.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/${kind}`)).map((r) => r.body as Record<string, any>);
const started = [{ ms: 20, phase: "Pending", waiting: { reason: "ContainerCreating", message: "" } }, { ms: 250, phase: "Running" }];

describe("runKubeJob on the Kubernetes API", () => {
  it("creates the ConfigMap, Secret and Job, follows the pod with a watch, streams the log and deletes all three", async () => {
    // "é" (c3 a9) and "ö" (c3 b6) are cut between chunks, and so is the second line.
    const text = Buffer.from("héllo wörld\nsecond line\n", "utf8");
    api = await cluster({ pod: started, log: [text.subarray(0, 2), text.subarray(2, 9), text.subarray(9, 17), text.subarray(17)], end: { type: "Complete" } });
    const lines: string[] = [];
    const { lab, job } = labAndJob(api.kubeconfig, lines);
    const t0 = Date.now();
    const out = await runKubeJob(lab, job);
    expect(out).toBe("héllo wörld\nsecond line");
    expect(lines).toEqual(["héllo wörld", "second line"]);

    const [cm] = posted(api, "configmaps");
    const [secret] = posted(api, "secrets");
    const [kjob] = posted(api, "jobs");
    const name = cm!["metadata"].name as string;
    expect(name).toMatch(/^job-wordcount-[0-9a-f]{6}$/);
    expect(cm!["data"]).toEqual({ "wordcount.py": "print('hi')\n", "common.py": "X = 1\n" });
    expect(secret!["metadata"].name).toBe(name);
    expect(secret!["stringData"]).toEqual({ AWS_ACCESS_KEY_ID: "key", PYSPARK_SUBMIT_ARGS: "--conf spark.x=1 pyspark-shell" });
    expect(kjob!["metadata"]).toMatchObject({ name, namespace: NS, labels: { "bigdata-labs.io/job": "wordcount" } });
    expect(kjob!["spec"]).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 5 });
    const c = kjob!["spec"].template.spec.containers[0];
    expect(c.command).toEqual(["python3", "/jobs/wordcount.py", "s3a://in", "s3a://out"]);
    expect(c.image).toBe("bigdata-labs/workspace:test");
    expect(c.envFrom).toEqual([{ secretRef: { name } }]);
    expect(c.env).toContainEqual({ name: "PYSPARK_SUBMIT_ARGS", value: "--conf spark.x=1 --conf spark.driver.host=$(POD_IP) pyspark-shell" });
    expect(kjob!["spec"].template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(kjob!["spec"].template.spec.volumes).toEqual([{ name: "jobs", configMap: { name } }]);

    // Followed, not polled: a list and a watch of the pod until it exists (charged to the quota), again until it runs; one of the Job.
    const gets = (p: string, watch: boolean) => api!.requests.filter((r) => r.method === "GET" && r.path === p && (r.query.get("watch") === "true") === watch);
    expect(gets(PODS, false)).toHaveLength(2);
    expect(gets(JOBS, false)).toHaveLength(1);
    // The quota was asked for room before anything was created.
    const quotaAt = api.requests.findIndex((r) => r.path === `/api/v1/namespaces/${NS}/resourcequotas`);
    expect(quotaAt).toBeGreaterThanOrEqual(0);
    expect(quotaAt).toBeLessThan(api.requests.findIndex((r) => r.method === "POST"));
    expect(gets(PODS, true)[0]!.query.get("labelSelector")).toBe(`job-name=${name}`);
    expect(gets(JOBS, true)[0]!.query.get("fieldSelector")).toBe(`metadata.name=${name}`);
    const log = api.requests.find((r) => r.path.endsWith("/log"))!;
    expect(log.path).toBe(`${PODS}/${name}-x7k2p/log`);
    expect(log.query.get("follow")).toBe("true");
    expect(log.query.get("container")).toBe("job");
    // The log was asked for as soon as the pod ran, not a polling interval later.
    const running = 270;
    expect(log.at - running).toBeLessThan(400);
    expect(Date.now() - t0).toBeLessThan(2500);

    const deletes = api.requests.filter((r) => r.method === "DELETE").map((r) => r.path).sort();
    expect(deletes).toEqual([`/api/v1/namespaces/${NS}/configmaps/${name}`, `/api/v1/namespaces/${NS}/secrets/${name}`, `${JOBS}/${name}`].sort());
    const jobDelete = api.requests.find((r) => r.method === "DELETE" && r.path === `${JOBS}/${name}`)!;
    expect(jobDelete.query.get("propagationPolicy") ?? (jobDelete.body as { propagationPolicy?: string } | undefined)?.propagationPolicy).toBe("Background");
  });

  it("gives up a taken name (409 AlreadyExists) for a fresh one, leaving the other object alone", async () => {
    let first = "";
    api = await cluster({ taken: (n) => (first ||= n) === n, pod: started, log: [Buffer.from("ok\n")], end: { type: "Complete" } });
    const { lab, job } = labAndJob(api.kubeconfig);
    expect(await runKubeJob(lab, job)).toBe("ok");
    const names = posted(api, "configmaps").map((b) => b["metadata"].name as string);
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(first);
    expect(names[1]).not.toBe(first);
    expect(posted(api, "jobs").map((b) => b["metadata"].name)).toEqual([names[1]]);
    // Nothing of the taken name was replaced or deleted.
    expect(api.requests.filter((r) => r.path.endsWith(`/${first}`))).toEqual([]);
  });

  it("stops waiting for a pod whose image cannot be pulled, with the reason and the events of the Job and its pod", async () => {
    api = await cluster({
      pod: [{ ms: 20, phase: "Pending", waiting: { reason: "ErrImagePull", message: "pull access denied" } }],
      events: (name) => [
        { involvedObject: { name: `${name}-x7k2p` }, reason: "Failed", message: "Failed to pull image \"bigdata-labs/workspace:test\": not found", lastTimestamp: "2026-11-27T10:00:02Z" },
        { involvedObject: { name }, reason: "SuccessfulCreate", message: `Created pod: ${name}-x7k2p`, lastTimestamp: "2026-11-27T10:00:00Z" },
      ],
    });
    const { lab, job } = labAndJob(api.kubeconfig);
    const t0 = Date.now();
    const err = await runKubeJob(lab, job).catch((e: unknown) => e);
    const name = posted(api, "jobs")[0]!["metadata"].name as string;
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).message).toMatch(new RegExp(`^job pod of ${name} did not start within 180s \\(ErrImagePull: pull access denied; given up after \\d+s, waiting does not fix it\\)$`));
    // Oldest first, each with its reason.
    expect((err as JobError).log).toBe(`SuccessfulCreate: Created pod: ${name}-x7k2p\nFailed: Failed to pull image "bigdata-labs/workspace:test": not found`);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(api.requests.filter((r) => r.method === "DELETE")).toHaveLength(3);
  });

  it("reports a Job that failed, and one that ran past its deadline, with the log's relevant lines", async () => {
    api = await cluster({ pod: started, log: [Buffer.from("Traceback (most recent call last):\nValueError: bad input\n")], end: { type: "Failed", reason: "BackoffLimitExceeded" } });
    let { lab, job } = labAndJob(api.kubeconfig);
    let err = await runKubeJob(lab, job).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).message).toMatch(/^job wordcount failed \(Kubernetes Job job-wordcount-[0-9a-f]{6}\)$/);
    expect((err as JobError).log).toContain("ValueError: bad input");
    expect(api.requests.filter((r) => r.method === "DELETE")).toHaveLength(3);
    await api.close();

    api = await cluster({ pod: started, log: [Buffer.from("working\n")], end: { type: "Failed", reason: "DeadlineExceeded" } });
    ({ lab, job } = labAndJob(api.kubeconfig));
    err = await runKubeJob(lab, job).catch((e: unknown) => e);
    expect((err as JobError).message).toMatch(/^job wordcount timed out after 5s \(Kubernetes Job /);
  });

  it("lists again and follows on when a watch ends or reports an error", async () => {
    api = await cluster({ pod: [{ ms: 20, phase: "Pending" }, { ms: 900, phase: "Running" }], log: [Buffer.from("done\n")], end: { type: "Complete" } });
    const fake = api;
    // The server ends the pod watch, then sends an ERROR (410 Gone) into the next one, before the pod runs.
    setTimeout(() => fake.endWatches(PODS), 100);
    setTimeout(() => fake.emit(PODS, "ERROR", { metadata: {}, ...{ kind: "Status", code: 410, reason: "Expired" } }), 500);
    const { lab, job } = labAndJob(api.kubeconfig);
    expect(await runKubeJob(lab, job)).toBe("done");
    const podGets = api.requests.filter((r) => r.method === "GET" && r.path === PODS);
    expect(podGets.filter((r) => r.query.get("watch") !== "true").length).toBeGreaterThanOrEqual(2);
    expect(podGets.filter((r) => r.query.get("watch") === "true").length).toBeGreaterThanOrEqual(2);
  });

  it("says in one line that the cluster does not answer", async () => {
    const { lab, job } = labAndJob(await deadKubeconfig());
    const err = await runKubeJob(lab, job).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(/^the cluster does not answer \(http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+\); start it \(the project's node: npm run kube -- start\) and retry$/);
  });
});
