import { spawn, execFile } from "child_process";
import * as path from "path";
import * as crypto from "crypto";
import { promisify } from "util";
import { LABEL } from "../../components/platform/platform";
import { JobError, jobOutput, lineSplitter } from "./job-error";
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
    const output = jobOutput(job);
    const stdout = lineSplitter((l) => output.line(l, false));
    const stderr = lineSplitter((l) => output.line(l, true));
    child.stdout.on("data", (b: Buffer) => stdout.push(b));
    child.stderr.on("data", (b: Buffer) => stderr.push(b));
    const timer = setTimeout(() => {
      void run("docker", ["rm", "-f", container]).catch(() => undefined);
      reject(new JobError(`job ${job.name} timed out after ${timeout}s`, output.relevant()));
    }, timeout * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      stdout.end();
      stderr.end();
      if (code === 0) resolve(output.stdout());
      else reject(new JobError(`job ${job.name} exited with code ${code}`, output.relevant()));
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
