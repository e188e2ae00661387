import { spawn, execFile } from "child_process";
import * as path from "path";
import * as crypto from "crypto";
import { promisify } from "util";
import { LABEL } from "../../components/platform/platform";
import { JobError, lineSplitter, relevantLines } from "./job-error";
import { runKubeJob } from "./kube-jobs";
import { LabHandle } from "./lab";

const run = promisify(execFile);

/** A job: a Python file run as a client of the lab. */
export interface JobSpec {
  /** Short name for logs and the container name. */
  readonly name: string;
  /** Directory on this machine mounted read-only at /jobs. */
  readonly dir: string;
  /** Script inside `dir`. */
  readonly script: string;
  readonly args?: readonly string[];
  /** @default 600 */
  readonly timeoutSeconds?: number;
  /** Memory limit of the job container. @default "1280m" */
  readonly memory?: string;
  /** Called with each output line (progress). */
  readonly onLine?: (line: string) => void;
}

export { JobError } from "./job-error";

/**
 * Runs a job as a client of the lab: on Kubernetes as a Job in the lab's
 * namespace ({@link runKubeJob}); on Docker in a container on the lab's network, with the lab's
 * client env, the workspace image (so its libraries match the notebook's),
 * a timeout, and live output. Returns stdout; throws {@link JobError}.
 */
export async function runJob(lab: LabHandle, job: JobSpec): Promise<string> {
  if (lab.target === "kubernetes") return runKubeJob(lab, job);
  const env = lab.jobEnv();
  const container = `${lab.name}-job-${job.name}-${crypto.randomBytes(3).toString("hex")}`;
  const image = lab.plan.context.images.workspace;
  const args = [
    "run", "--rm", "--name", container,
    "--network", lab.name,
    "--label", `${LABEL.lab}=${lab.name}`, "--label", "io.bigdata-labs.role=job",
    "--memory", job.memory ?? "1280m",
    "--user", "1000",
    "-v", `${job.dir}:/jobs:ro`,
    ...Object.keys(env).flatMap((k) => ["-e", k]),
    image, "python3", `/jobs/${job.script}`, ...(job.args ?? []),
  ];
  const timeout = job.timeoutSeconds ?? 600;
  return new Promise((resolve, reject) => {
    // Values come through the environment, so credentials never appear in a process list.
    const child = spawn("docker", args, { env: { ...process.env, ...env } });
    const out: string[] = [];
    const tail: string[] = [];
    const onLine = (isErr: boolean) => (line: string) => {
      if (!isErr) out.push(line);
      tail.push(line);
      if (tail.length > 200) tail.shift();
      if (!/^\s*(WARN|INFO|\d\d\/\d\d\/\d\d)/.test(line)) job.onLine?.(line.length > 160 ? `${line.slice(0, 157)}...` : line);
    };
    const stdout = lineSplitter(onLine(false));
    const stderr = lineSplitter(onLine(true));
    child.stdout.on("data", (b: Buffer) => stdout.push(b));
    child.stderr.on("data", (b: Buffer) => stderr.push(b));
    const timer = setTimeout(() => {
      void run("docker", ["rm", "-f", container]).catch(() => undefined);
      reject(new JobError(`job ${job.name} timed out after ${timeout}s`, relevantLines(tail)));
    }, timeout * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      stdout.end();
      stderr.end();
      if (code === 0) resolve(out.join("\n"));
      else reject(new JobError(`job ${job.name} exited with code ${code}`, relevantLines(tail)));
    });
  });
}


/**
 * A module's job launcher: runs `script` from the module's `jobs/` folder,
 * or the student's file when `solution` has the same file name, with its
 * output lines passed to `log`.
 */
export function jobLauncher(lab: LabHandle, jobsDir: string, opts: { solution?: string; log: (line: string) => void }) {
  return (name: string, script: string, args: string[]): Promise<string> => {
    const own = opts.solution !== undefined && path.basename(opts.solution) === script;
    const dir = own ? path.dirname(path.resolve(opts.solution!)) : jobsDir;
    return runJob(lab, { name, dir, script, args, onLine: (l) => opts.log(`  ${name} | ${l}`) });
  };
}
