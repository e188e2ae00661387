import * as path from "path";
import { runJob } from "../common/jobs";
import { LabHandle } from "../common/lab";

/** What the Dask scheduler ran, as its task stream records it (not as a job reports it). */
export interface DaskTasks {
  readonly tasks: number;
  readonly workers: number;
  readonly prefixes: Record<string, number>;
  /** Earliest task start, epoch seconds (the workers' clock, the host's). */
  readonly first_start: number | null;
}

const dir = path.join(__dirname, "observe");

/**
 * A second client of the lab's Dask scheduler, run by the driver: `install`
 * makes the scheduler keep its task stream (call it before the job), and
 * {@link daskTasksSince} reads which tasks started since a time.
 */
export async function installTaskStream(lab: LabHandle): Promise<void> {
  await runJob(lab, { name: "observe-dask", dir, script: "dask_task_stream.py", args: ["install"], timeoutSeconds: 120 });
}

/** The tasks the scheduler started at or after `sinceMs` (epoch ms, this machine's clock). */
export async function daskTasksSince(lab: LabHandle, sinceMs: number): Promise<DaskTasks> {
  const out = await runJob(lab, { name: "observe-dask", dir, script: "dask_task_stream.py", args: ["since", String(sinceMs / 1000)], timeoutSeconds: 120 });
  const line = out.split("\n").find((l) => l.startsWith("TASKS "));
  if (!line) throw new Error("the task-stream observer printed no TASKS line");
  return JSON.parse(line.slice(6)) as DaskTasks;
}
