/**
 * What the class benchmarks stand up or preview: a roster of generated
 * student logins, and a class stack's `lab:*` settings built the way
 * `labctl class up` builds them (cli/commands/class-up.ts), against the
 * project's Kubernetes node. Pure.
 */
import { ModuleId } from "../../components/lab/modules";

/**
 * The module with the most resources per lab on Kubernetes (HDFS, Spark,
 * MinIO, JupyterLab): test/unit/bench-module.test.ts checks it against every
 * module's rendered resources.
 */
export const BENCH_MODULE: ModuleId = 5;

/** The share of CPU requests a class asks (as the README's and the class end-to-end's `--cpu-request-scale 0.25`). */
export const CPU_REQUEST_SCALE = 0.25;

/** `n` distinct student logins (DNS labels), `s001`... zero-padded to the roster's width. */
export function studentNames(n: number): string[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`a roster needs at least one student, not ${n}`);
  const width = Math.max(3, String(n).length);
  return Array.from({ length: n }, (_, i) => `s${String(i + 1).padStart(width, "0")}`);
}

/** A roster file's text, as `labctl class up --roster` reads it: a header, then `name,email` per student. */
export function rosterText(names: readonly string[], domain = "example.org"): string {
  return `name,email\n${names.map((n) => `${n},${n}@${domain}`).join("\n")}\n`;
}

/** What a class stack is made of. */
export interface ClassStackArgs {
  readonly module: ModuleId;
  /** Class name: the prefix of every lab. */
  readonly name: string;
  readonly students: readonly { readonly name: string; readonly email?: string }[];
  readonly kubeconfig: string;
  readonly context: string;
  /** @default none (1) */
  readonly cpuRequestScale?: number;
}

/**
 * A class stack's `lab:*` settings (key without the `lab:` prefix → value;
 * objects are stored as JSON): what `labctl class up` sets, with the
 * recorded kubeconfig and context.
 */
export function classStackConfig(a: ClassStackArgs): Record<string, unknown> {
  return {
    module: String(a.module),
    target: "kubernetes",
    name: a.name,
    students: a.students.map((s) => (s.email ? { name: s.name, email: s.email } : s.name)),
    kubernetes: {
      exposure: "none",
      kubeconfig: a.kubeconfig,
      context: a.context,
      ...(a.cpuRequestScale !== undefined ? { cpuRequestScale: a.cpuRequestScale } : {}),
    },
  };
}
