/**
 * Bad inputs through the real entry points: `labctl` in its own process, and
 * the Pulumi program through a real `pulumi preview` with bad stack config.
 * Each must print one line naming the key and the fix, exit with the
 * documented code, and create nothing.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { REPO } from "../e2e/harness";
import { dockerObjects, previewWithConfig } from "./preview";
import { NODE_KUBECONFIG } from "./node";

/** The project's Kubernetes node (read only: a preview asks it about storage classes). */

/** A bad `labctl` command line and what its one line must name. */
interface CliCase {
  readonly args: readonly string[];
  /** Text the line must contain (the argument or key at fault). */
  readonly names: string;
  /** @default 2 */
  readonly exit?: number;
  readonly env?: Record<string, string>;
}

/** A bad stack config for `pulumi preview` and the key its one line must name. */
interface ConfigCase {
  readonly config: Record<string, unknown>;
  readonly names: string;
}

/** A misnamed solution file, for `check --solution`. */
function misnamedSolution(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rel-solution-"));
  const f = path.join(dir, "my_wordcount.py");
  fs.writeFileSync(f, "print('hi')\n");
  return f;
}

export function cliCases(): CliCase[] {
  return [
    { args: ["up"], names: "module" },
    { args: ["up", "9"], names: '"9"' },
    { args: ["up", "spork"], names: '"spork"' },
    { args: ["up", "2", "--target", "aws"], names: '"aws"' },
    { args: ["up", "2", "--bogus"], names: "--bogus" },
    { args: ["up", "2", "extra"], names: '"extra"' },
    { args: ["frobnicate"], names: '"frobnicate"' },
    { args: ["check", "2", "--seed", "-1"], names: "--seed" },
    { args: ["check", "2", "--seed", "abc"], names: "--seed" },
    { args: ["check", "2", "--solution", "/nonexistent/wordcount.py"], names: "--solution" },
    { args: ["check", "2", "--solution", misnamedSolution()], names: "my_wordcount.py" },
    { args: ["check", "6"], names: '"6"' },
    { args: ["connect"], names: "--kubeconfig" },
    { args: ["connect", "--kubeconfig", "x", "--port-base", "80"], names: "--port-base" },
    { args: ["reset", "7"], names: '"7"' },
    { args: ["down", "0"], names: '"0"' },
    { args: ["preflight"], names: "module" },
    { args: ["up", "2", "--target", "kubernetes", "--context", "no-such-context"], names: "lab:kubernetes.context", env: { KUBECONFIG: NODE_KUBECONFIG } },
    { args: ["fault"], names: "module" },
    { args: ["fault", "2"], names: "spark-worker" },
    { args: ["fault", "2", "kafka"], names: "kafka" },
    { args: ["fault", "5", "dask-worker"], names: "dask" },
    { args: ["fault", "2", "toaster"], names: '"toaster"' },
    { args: ["fault", "2", "spark-worker", "--target", "moon"], names: '"moon"' },
    { args: ["fault", "2", "spark-worker", "extra"], names: '"extra"' },
    { args: ["fault", "2", "spark-worker", "--recover=yes"], names: "--recover" },
  ];
}

const docker2 = (extra: Record<string, unknown>, module = 2) => ({ module, target: "docker", ...extra });
const aws = (a: Record<string, unknown>) => ({ module: 2, target: "aws", aws: { region: "eu-west-1", publicAccessCidrs: ["203.0.113.7/32"], ...a } });
const kube = (k: Record<string, unknown>) => ({ module: 2, target: "kubernetes", kubernetes: { kubeconfig: NODE_KUBECONFIG, ...k } });

export function configCases(): ConfigCase[] {
  return [
    { config: { target: "docker" }, names: "lab:module" },
    { config: docker2({ module: 7 }), names: "lab:module" },
    { config: docker2({ target: "moon" }), names: "lab:target" },
    { config: docker2({ name: 42 }), names: "lab:name" },
    { config: docker2({ name: "Bad_Name" }), names: "lab:name" },
    { config: docker2({ name: "a".repeat(50) }), names: "lab:name" },
    { config: docker2({ colour: "blue" }), names: "lab:colour" },
    { config: docker2({ hostPortBase: 80 }), names: "lab:hostPortBase" },
    { config: docker2({ hostPortBase: "abc" }), names: "lab:hostPortBase" },
    { config: docker2({ hostPortBase: 65530 }), names: "lab:hostPortBase" },
    { config: docker2({ workspace: "yes" }), names: "lab:workspace" },
    { config: docker2({ services: { spark: { workers: 0 } } }), names: "lab:services.spark.workers" },
    { config: docker2({ services: { spark: { workers: 100 } } }), names: "lab:services.spark.workers" },
    { config: docker2({ services: { spark: { executorMemory: "100m" } } }), names: "lab:services.spark.executorMemory" },
    { config: docker2({ services: { spark: { workerCores: 64 } } }), names: "lab:services.spark.workerCores" },
    { config: docker2({ services: { spark: { turbo: true } } }), names: "lab:services.spark" },
    { config: docker2({ services: { spark: { jit: "fast" } } }), names: "lab:services.spark.jit" },
    { config: docker2({ services: { spark: { workerMemory: "900Mi" } } }), names: "lab:services.spark.workerMemory" },
    { config: docker2({ services: { kafka: { brokers: 1 } } }), names: "lab:services.kafka" },
    { config: docker2({ services: { kafka: { brokers: 0 } } }, 4), names: "lab:services.kafka.brokers" },
    { config: docker2({ services: { kafka: { clusterId: "x" } } }, 4), names: "lab:services.kafka.clusterId" },
    { config: docker2({ services: { kafka: { heap: "lots" } } }, 4), names: "lab:services.kafka.heap" },
    { config: docker2({ services: { hdfs: { dataNodes: 0 } } }, 5), names: "lab:services.hdfs.dataNodes" },
    { config: docker2({ services: { hdfs: { replication: 9 } } }, 5), names: "lab:services.hdfs.replication" },
    { config: docker2({ services: { objectStore: { memory: "100Mi" } } }), names: "lab:services.objectStore.memory" },
    { config: docker2({ services: { objectStore: { buckets: [] } } }), names: "lab:services.objectStore.buckets" },
    { config: docker2({ services: { objectStore: { buckets: ["Bad_Bucket"] } } }), names: "lab:services.objectStore.buckets" },
    { config: docker2({ services: { objectStore: { accessKey: "!" } } }), names: "lab:services.objectStore.accessKey" },
    { config: docker2({ services: { dask: { workers: 50 } } }, 1), names: "lab:services.dask.workers" },
    { config: docker2({ services: { workspace: { memory: "lots" } } }), names: "lab:services.workspace.memory" },
    { config: docker2({ images: { registry: 5 } }), names: "lab:images.registry" },
    { config: docker2({ images: { registry: "Bad Registry!!" } }), names: "lab:images.registry" },
    { config: docker2({ images: { tags: { toaster: "1" } } }), names: "lab:images.tags.toaster" },
    { config: docker2({ students: ["a1", "b1", "c1", "d1", "e1"] }), names: "lab:students" },
    { config: docker2({ students: ["Alice!"] }), names: "lab:students[0]" },
    { config: docker2({ expiresAfter: "4h" }), names: "lab:expiresAfter" },
    { config: docker2({ secretSeed: "short" }), names: "lab:secretSeed" },
    { config: aws({ vpcCidr: "300.1.0.0/16" }), names: "lab:aws.vpcCidr" },
    { config: aws({ vpcCidr: "10.40.0.0/28" }), names: "lab:aws.vpcCidr" },
    { config: aws({ nodeCount: 0 }), names: "lab:aws.nodeCount" },
    { config: { module: 2, target: "aws", aws: { region: "eu-west-1" } }, names: "lab:aws.publicAccessCidrs" },
    { config: kube({ storageClass: "no-such-class" }), names: "storageClass" },
    { config: kube({ context: "no-such-context" }), names: "lab:kubernetes.context" },
    { config: { module: 2, target: "kubernetes", kubernetes: { kubeconfig: "/nonexistent/kubeconfig" } }, names: "lab:kubernetes.kubeconfig" },
    { config: kube({ exposure: "public" }), names: "lab:kubernetes.exposure" },
    { config: kube({ cpuRequestScale: 5 }), names: "lab:kubernetes.cpuRequestScale" },
  ];
}

/** What one bad input did. */
export interface BadInputResult {
  readonly what: string;
  readonly oneLine: boolean;
  readonly resources: number;
  readonly ok: boolean;
  readonly detail: string;
}

/** Words of a fix: the line must say what to do, not only what is wrong. */
const FIX = /\b(use|set|remove|give|write|start|create|known|list|lower|name your|run|say|point|size|restore|quote|fix|see|needs)\b/i;

function labctlProcess(args: readonly string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(REPO, "scripts", "labctl"), [...args], { cwd: REPO, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** Runs one bad labctl command line. */
export async function runCliCase(c: CliCase): Promise<BadInputResult> {
  const labs = ["bigdata-m2", "bigdata-m4", "bigdata-m5"];
  const before = (await Promise.all(labs.map(dockerObjects))).reduce((a, b) => a + b, 0);
  const r = await labctlProcess(c.args, c.env ?? {});
  const after = (await Promise.all(labs.map(dockerObjects))).reduce((a, b) => a + b, 0);
  const lines = `${r.out}${r.err}`.split("\n").filter((l) => l.trim() !== "");
  const line = lines[0] ?? "";
  const oneLine = lines.length === 1 && line.startsWith("labctl: ") && line.includes(c.names) && FIX.test(line) && !/\n\s+at /.test(r.err);
  const resources = Math.max(0, after - before);
  const exit = c.exit ?? 2;
  return { what: `labctl ${c.args.join(" ")}`, oneLine, resources, ok: oneLine && resources === 0 && r.code === exit, detail: `exit ${r.code} (want ${exit}), ${lines.length} line(s): ${lines.slice(0, 3).join(" | ").slice(0, 300)}` };
}

/**
 * The line the CLI adds, rarely, when its gRPC connection to the language host
 * closes before the host's answer arrives (seen once in about 200 previews of
 * bad inputs, after the program's own one-line error). It comes from the
 * CLI's teardown, not from the input.
 */
export const CLI_TEARDOWN_LINE = "error reading from server: EOF";

/** Runs one bad stack config through `pulumi preview`; a run whose only extra line is {@link CLI_TEARDOWN_LINE} runs once more, and says so. */
export async function runConfigCase(c: ConfigCase, i: number): Promise<BadInputResult> {
  const lab = `rel-bad-${i}`;
  const config = { name: lab, ...c.config };
  let r = await previewWithConfig(`reliability-bad-${i}`, config, lab);
  let retried = "";
  if (r.errors.length === 2 && r.errors[1] === CLI_TEARDOWN_LINE) {
    retried = ` (run again: the first one also printed "${CLI_TEARDOWN_LINE}")`;
    r = await previewWithConfig(`reliability-bad-${i}`, config, lab);
  }
  const line = r.errors[0] ?? "";
  const oneLine = r.failed && r.errors.length === 1 && line.includes(c.names) && FIX.test(line) && !/\n\s+at \S+ \(/.test(r.output);
  const resources = r.planned + r.inState + r.dockerObjects;
  return {
    what: `pulumi preview ${JSON.stringify(c.config)}`,
    oneLine,
    resources,
    ok: oneLine && resources === 0,
    detail: `${r.failed ? "failed" : "SUCCEEDED"}, ${r.errors.length} error line(s), planned ${r.planned}, in state ${r.inState}, docker ${r.dockerObjects}: ${r.errors.join(" | ").slice(0, 300)}${retried}`,
  };
}

/** Runs `fn` over `items`, `width` at a time, in order of the items. */
export async function pooled<T, R>(items: readonly T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
