import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { kubectlFlags } from "../access/kube-host";
import { CHECK_JOB } from "../../components/platform/kubernetes/render";
import { containerSecurityContext, podSecurityContext } from "../../components/platform/kubernetes/isolation";
import type { JobSpec } from "./jobs";
import { JobError, jobOutput, lineSplitter } from "./job-error";
import { LabHandle } from "./lab";

/** What a check Job may use: the room the lab's quota keeps for it. */
const JOB_RESOURCES = {
  requests: { cpu: `${CHECK_JOB.cpuRequestMillis}m`, memory: `${CHECK_JOB.memoryRequestBytes / 2 ** 20}Mi` },
  limits: { cpu: `${CHECK_JOB.cpuLimitMillis}m`, memory: `${CHECK_JOB.memoryLimitBytes / 2 ** 20}Mi` },
};

/** kubectl for the lab's cluster and namespace; resolves with stdout or rejects with stderr. */
export function kubectl(lab: LabHandle, args: readonly string[], input?: string, timeoutMs = 60_000): Promise<string> {
  const all = [...kubectlFlags(lab.kube!), "-n", lab.name, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn("kubectl", all, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (s: string) => (out += s));
    child.stderr.on("data", (s: string) => (err += s));
    child.on("error", (e) => reject(new Error(`kubectl could not start (${e.message}); install kubectl or put the toolchain's on PATH`)));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.slice(0, 2).join(" ")}: ${(err.trim().split("\n").pop() ?? "").slice(0, 300) || `exit ${code}`}`))));
    child.stdin.end(input ?? "");
  });
}

/**
 * Runs a job as a Kubernetes Job in the lab's namespace: the job's Python
 * files in a ConfigMap mounted at /jobs, the lab's client env in a Secret, the
 * workspace image, the pod's IP as the Spark driver's address (executors call
 * back to it). Streams the log, enforces the timeout, deletes what it created.
 */
export async function runKubeJob(lab: LabHandle, job: JobSpec): Promise<string> {
  const name = `job-${job.name}-${crypto.randomBytes(3).toString("hex")}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 52);
  const timeout = job.timeoutSeconds ?? 600;
  const env = lab.jobEnv();
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(job.dir).filter((f) => f.endsWith(".py"))) files[f] = fs.readFileSync(path.join(job.dir, f), "utf8");
  if (job.override) files[job.script] = fs.readFileSync(job.override, "utf8");
  if (!files[job.script]) throw new JobError(`job file ${path.join(job.dir, job.script)} not found`, "");
  const meta = { name, namespace: lab.name, labels: { "app.kubernetes.io/part-of": "bigdata-labs", "app.kubernetes.io/component": "check-job", "bigdata-labs.io/job": job.name } };
  const sparkArgs = env["PYSPARK_SUBMIT_ARGS"];
  const manifest = {
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "v1", kind: "ConfigMap", metadata: meta, data: files },
      { apiVersion: "v1", kind: "Secret", metadata: meta, type: "Opaque", stringData: env },
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: meta,
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: timeout,
          template: {
            metadata: { labels: meta.labels },
            spec: {
              restartPolicy: "Never",
              // Admitted by the namespace's restricted Pod Security level, like the lab's own pods.
              securityContext: podSecurityContext(1000),
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
    ],
  };
  await kubectl(lab, ["apply", "-f", "-"], JSON.stringify(manifest));
  const output = jobOutput(job);
  try {
    await waitForPodStart(lab, name, 180);
    await streamLogs(lab, name, timeout, output.line);
    const status = await waitForJobEnd(lab, name, 60);
    if (status !== "Complete") throw new JobError(`job ${job.name} ${status === "Timeout" ? `timed out after ${timeout}s` : "failed"} (Kubernetes Job ${name})`, output.relevant());
    return output.stdout();
  } finally {
    await kubectl(lab, ["delete", "job,configmap,secret", name, "--ignore-not-found", "--wait=false", "--cascade=background"]).catch(() => undefined);
  }
}

async function waitForPodStart(lab: LabHandle, job: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let last = "";
  while (Date.now() < deadline) {
    const pods = JSON.parse(await kubectl(lab, ["get", "pods", "-l", `job-name=${job}`, "-o", "json"])) as { items: { status: { phase?: string; containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[]; conditions?: { type: string; reason?: string; message?: string }[] } }[] };
    const pod = pods.items[0];
    if (pod && pod.status.phase && pod.status.phase !== "Pending") return;
    const waiting = pod?.status.containerStatuses?.[0]?.state?.waiting;
    const unschedulable = pod?.status.conditions?.find((c) => c.type === "PodScheduled" && c.reason === "Unschedulable");
    last = waiting ? `${waiting.reason}: ${waiting.message ?? ""}` : unschedulable ? `unschedulable: ${unschedulable.message ?? ""}` : pod ? "pending" : "no pod yet (quota or admission?)";
    if (waiting && /ErrImage|ImagePullBackOff|InvalidImageName|CreateContainerConfigError/.test(waiting.reason ?? "")) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const events = await kubectl(lab, ["get", "events", "--field-selector", `involvedObject.name=${job}`, "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"]).catch(() => "");
  throw new JobError(`job pod of ${job} did not start within ${seconds}s (${last.trim()})`, events.trim().split("\n").slice(-5).join("\n"));
}

function streamLogs(lab: LabHandle, job: string, timeoutSeconds: number, onLine: (line: string, isErr: boolean) => void): Promise<void> {
  const args = [...kubectlFlags(lab.kube!), "-n", lab.name, "logs", "-f", `job/${job}`];
  return new Promise((resolve) => {
    const child = spawn("kubectl", args);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
    const stdout = lineSplitter((l) => onLine(l, false));
    const stderr = lineSplitter((l) => onLine(l, true));
    child.stdout.on("data", (b: Buffer) => stdout.push(b));
    child.stderr.on("data", (b: Buffer) => stderr.push(b));
    child.on("close", () => {
      clearTimeout(timer);
      stdout.end();
      stderr.end();
      resolve();
    });
  });
}

async function waitForJobEnd(lab: LabHandle, job: string, seconds: number): Promise<"Complete" | "Failed" | "Timeout"> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const j = JSON.parse(await kubectl(lab, ["get", "job", job, "-o", "json"])) as { status: { conditions?: { type: string; status: string; reason?: string }[] } };
    for (const c of j.status.conditions ?? []) {
      if (c.status !== "True") continue;
      if (c.type === "Complete") return "Complete";
      if (c.type === "Failed") return c.reason === "DeadlineExceeded" ? "Timeout" : "Failed";
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return "Timeout";
}
