/**
 * What Docker can give a lab, asked once per process: `labctl up` starts
 * asking before it loads the rest of the command (see labctl.ts).
 */
import { execFile } from "child_process";
import { promisify } from "util";
import { EXIT, UserError } from "../lab-workloads/access/errors";

const run = promisify(execFile);

/** What the target can give. */
export interface Capacity {
  readonly memoryBytes: number;
  readonly cpus: number;
  /** Where the numbers come from, for the report. */
  readonly source: string;
}

let asked: Promise<Capacity> | undefined;

/** Memory and CPUs of the Docker engine, asked once (again after a failure); a one-line error when it is not running. */
export function dockerCapacity(): Promise<Capacity> {
  return (asked ??= askDocker().catch((err: unknown) => {
    asked = undefined;
    throw err;
  }));
}

/** Starts asking Docker now, for a {@link dockerCapacity} call to come. */
export function prewarmDockerCapacity(): void {
  dockerCapacity().catch(() => undefined);
}

/** Memory and CPUs of the Docker engine (`docker info`), or a one-line error when it is not running. */
async function askDocker(): Promise<Capacity> {
  try {
    const { stdout } = await run("docker", ["info", "--format", "{{.MemTotal}} {{.NCPU}}"], { timeout: 20_000 });
    const [mem, cpus] = stdout.trim().split(" ").map(Number);
    return { memoryBytes: mem!, cpus: cpus!, source: "Docker" };
  } catch {
    throw new UserError("Docker is not running or not reachable: start Docker (on Linux: npm run toolchain) and retry", EXIT.environment);
  }
}
