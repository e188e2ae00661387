/**
 * Runs a module's workload driver against the running lab:
 *   ts-node lab-workloads/run.ts --module 2 [--target docker] [--seed 42] [--size small] [--solution path/to/job.py]
 * Prints every check with expected vs actual, and `N passed, N failed`.
 */
import * as path from "path";
import { parseArgs } from "util";
import { Target } from "../components/config/schema";
import { findModule, ModuleId } from "../components/lab/modules";
import { CheckResult, formatResults } from "./common/check";
import { Driver } from "./common/driver";
import { LabHandle, openLab } from "./common/lab";
import { labWatches } from "./common/lab-watches";
import { watchedRun } from "./common/watch";

/** The folder of a module's reference jobs. */
export function jobsDirOf(module: ModuleId): string {
  return path.join(__dirname, `m${module}`, "jobs");
}

/** Modules whose workload driver exists. */
export function hasDriver(module: ModuleId): boolean {
  return module >= 1 && module <= 5;
}

/** Drivers by module. */
export function driverFor(module: ModuleId): Driver {
  switch (module) {
    case 1:
      return (require("./m1/driver") as { driver: Driver }).driver;
    case 2:
      return (require("./m2/driver") as { driver: Driver }).driver;
    case 3:
      return (require("./m3/driver") as { driver: Driver }).driver;
    case 4:
      return (require("./m4/driver") as { driver: Driver }).driver;
    case 5:
      return (require("./m5/driver") as { driver: Driver }).driver;
    default:
      throw new Error(`module ${module} has no workload driver yet`);
  }
}

/** Runs one module's driver and returns its checks. */
export async function runWorkload(module: ModuleId, target: Target, opts: WorkloadOptions): Promise<CheckResult[]> {
  return runWorkloadOn(await openLab(module, target), opts);
}

/** Options of a driver run. */
export interface WorkloadOptions {
  readonly seed: number;
  readonly size: "small" | "medium";
  /** A student's job files, each in place of the reference job of the same name. @default none */
  readonly solutions?: readonly string[];
  readonly log: (l: string) => void;
}

/** Runs the driver of an opened lab's module, then closes the handle. */
export async function runWorkloadOn(lab: LabHandle, opts: WorkloadOptions): Promise<CheckResult[]> {
  try {
    return await watchedRun(labWatches(lab), () => driverFor(lab.module)(lab, opts), opts.log);
  } finally {
    await lab.close();
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { module: { type: "string" }, target: { type: "string", default: "docker" }, seed: { type: "string", default: "42" }, size: { type: "string", default: "small" }, solution: { type: "string", multiple: true } } });
  const mod = findModule(values.module ?? "");
  const log = (l: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`);
  if (!mod) {
    process.stderr.write("workloads: --module must be 1-5\n");
    process.exit(2);
  }
  runWorkload(mod.id, values.target as Target, { seed: Number(values.seed), size: values.size as "small" | "medium", ...(values.solution ? { solutions: values.solution } : {}), log })
    .then((results) => {
      process.stdout.write(`${formatResults(results)}\n`);
      const failed = results.filter((r) => !r.ok).length;
      process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      process.exitCode = failed === 0 ? 0 : 1;
    })
    .catch((err: unknown) => {
      process.stderr.write(`workloads: ${(err as Error).message.split("\n")[0]}\n`);
      process.stdout.write("0 passed, 1 failed\n");
      process.exitCode = 1;
    });
}
