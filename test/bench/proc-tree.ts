/**
 * Peak memory of a process tree, measured from /proc: every `intervalMs` the
 * sampler lists the descendants of a root process, reads each one's
 * `VmHWM` (its own resident peak, kept by the kernel) and command line, and
 * keeps the largest value per kind of process (the Pulumi CLI, the Node.js
 * program, the language host, resource providers). A process that grows in
 * its last interval before it exits is missed by that much: the figure is a
 * lower bound of the true peak, never an estimate.
 */
import * as fs from "fs";
import * as path from "path";

/** What a process of a `pulumi preview` is. */
export type ProcessKind = "cli" | "program" | "language-host" | "provider" | "dynamic-provider" | "other";

/** The fields of /proc/<pid>/status the sampler uses. */
export interface ProcStatus {
  readonly name: string;
  readonly ppid: number;
  /** Peak resident set size in bytes; undefined for kernel threads and zombies. */
  readonly hwmBytes: number | undefined;
}

/** Parses the text of /proc/<pid>/status (pure). */
export function parseStatus(text: string): ProcStatus {
  const field = (key: string) => new RegExp(`^${key}:\\s*(.*)$`, "m").exec(text)?.[1]?.trim();
  const hwm = field("VmHWM");
  const kb = hwm ? /^(\d+)\s*kB$/.exec(hwm)?.[1] : undefined;
  return { name: field("Name") ?? "", ppid: Number(field("PPid") ?? "0"), hwmBytes: kb !== undefined ? Number(kb) * 1024 : undefined };
}

/**
 * The kind of a process from its argv (pure): the `pulumi` CLI itself, the
 * Node.js language host (`pulumi-language-nodejs`), the program (a node
 * process that runs Pulumi's program runner or the stack's index.ts), a
 * resource provider plugin (`pulumi-resource-*`), the Node.js dynamic
 * provider (`@pulumi/pulumi/cmd/dynamic-provider`: the program's generated
 * secrets), or anything else.
 */
export function classify(argv: readonly string[]): ProcessKind {
  const exe = path.basename(argv[0] ?? "");
  if (exe === "pulumi") return "cli";
  if (exe.startsWith("pulumi-language-")) return "language-host";
  if (exe.startsWith("pulumi-resource-")) return "provider";
  if (/^node(js)?$/.test(exe) && argv.slice(1).some((a) => /@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(a))) return "dynamic-provider";
  if (/^node(js)?$/.test(exe) && argv.slice(1).some((a) => /@pulumi[\\/]pulumi[\\/]cmd[\\/]run([\\/]index\.js)?$|stacks[\\/]index\.ts$|scripts[\\/]lib[\\/]pulumi-run\.cjs$/.test(a))) return "program";
  return "other";
}

/** Children of every pid, from a pid → parent map (pure). */
export function descendants(root: number, parents: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Peak bytes per kind, and how many distinct processes of each kind were seen. */
export type Peaks = Record<ProcessKind, { bytes: number; processes: number }>;

/** Peaks with nothing seen yet. */
export function emptyPeaks(): Peaks {
  const none = () => ({ bytes: 0, processes: 0 });
  return { cli: none(), program: none(), "language-host": none(), provider: none(), "dynamic-provider": none(), other: none() };
}

/** One process as a sample saw it. */
export interface ProcessSample {
  readonly pid: number;
  readonly kind: ProcessKind;
  readonly hwmBytes: number;
  /** The start of its command line (120 characters). */
  readonly command: string;
}

/**
 * Folds one sample into the peaks (pure): per kind, the largest VmHWM of any
 * one process (`seen` collects the pids per kind, to count them).
 */
export function addSample(peaks: Peaks, sample: readonly ProcessSample[], seen: Map<ProcessKind, Set<number>>): Peaks {
  const out = { ...peaks };
  for (const p of sample) {
    const pids = seen.get(p.kind) ?? new Set<number>();
    pids.add(p.pid);
    seen.set(p.kind, pids);
    out[p.kind] = { bytes: Math.max(out[p.kind].bytes, p.hwmBytes), processes: pids.size };
  }
  return out;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // the process exited meanwhile
  }
}

/** One sample of the tree under `root`, read from /proc. */
export function sampleTree(root: number): ProcessSample[] {
  const parents = new Map<number, number>();
  const status = new Map<number, ProcStatus>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const text = readText(`/proc/${entry}/status`);
    if (!text) continue;
    const s = parseStatus(text);
    parents.set(Number(entry), s.ppid);
    status.set(Number(entry), s);
  }
  const out: ProcessSample[] = [];
  for (const pid of descendants(root, parents)) {
    const hwm = status.get(pid)?.hwmBytes;
    const cmdline = readText(`/proc/${pid}/cmdline`);
    if (hwm === undefined || !cmdline) continue;
    const argv = cmdline.split("\0").filter((a) => a !== "");
    out.push({ pid, kind: classify(argv), hwmBytes: hwm, command: argv.join(" ").slice(0, 120) });
  }
  return out;
}

/**
 * Samples the tree under `root` until stopped; `stop()` takes a last sample
 * and returns the peaks; `commands()` lists every process seen, by kind,
 * with its command line and peak (to show what each kind was).
 */
export function startPeakSampler(root: number, intervalMs = 200): { stop: () => Peaks; commands: () => string[] } {
  let peaks = emptyPeaks();
  const seen = new Map<ProcessKind, Set<number>>();
  const commands = new Map<number, ProcessSample>();
  const tick = () => {
    const sample = sampleTree(root);
    for (const p of sample) commands.set(p.pid, p);
    peaks = addSample(peaks, sample, seen);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      return peaks;
    },
    commands: () => [...commands.values()].map((p) => `${p.kind}: ${p.command} (${Math.round(mib(p.hwmBytes))} MiB)`),
  };
}

/** Bytes in MiB. */
export const mib = (bytes: number) => bytes / (1024 * 1024);
