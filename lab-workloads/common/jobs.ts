import { spawn, execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as crypto from "crypto";
import { promisify } from "util";
import { LABEL } from "../../components/platform/platform";
import { JobError, jobOutput, lineSplitter } from "./job-error";
import type { runKubeJob } from "./kube-jobs";
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
  /** A file on this machine run as `script` instead of the one in `dir` (a student's solution). @default none */
  readonly override?: string;
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
  // The Kubernetes client is loaded for a Kubernetes lab only (0.3 s).
  if (lab.target === "kubernetes") return (await import("./kube-jobs")).runKubeJob(lab, job);
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
    ...(job.override ? ["-v", `${job.override}:/jobs/${job.script}:ro`] : []),
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
 * or, in its place, the student's file of the same name (the module's other
 * files, such as helpers it imports, stay beside it), with its output lines
 * passed to `log`.
 */
export function jobLauncher(lab: LabHandle, jobsDir: string, opts: { solutions?: readonly string[]; log: (line: string) => void }) {
  return (name: string, script: string, args: string[]): Promise<string> => {
    const own = opts.solutions?.find((f) => path.basename(f) === script);
    return runJob(lab, { name, dir: jobsDir, script, args, ...(own ? { override: path.resolve(own) } : {}), onLine: (l) => opts.log(`  ${name}${own ? " (your file)" : ""} | ${l}`) });
  };
}

/** Files of a module's jobs folder that are imported by the jobs, not exercises themselves. */
const JOB_HELPERS = new Set(["common.py"]);

/** The exercise files of a module (the job files a student's solution may replace). */
export function exerciseFiles(jobsDir: string): string[] {
  return fs.readdirSync(jobsDir).filter((f) => f.endsWith(".py") && !JOB_HELPERS.has(f)).sort();
}
