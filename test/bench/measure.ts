/**
 * What the benchmark measures with: commands timed in their own processes
 * (without blocking this one, so memory can be sampled meanwhile), and the
 * memory of a lab's containers read from the Docker Engine API.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { REPO } from "../e2e/harness";
import { memoryCgroup } from "../../lab-workloads/access/docker-host";
import { lastLine } from "../../lab-workloads/common/text";

/** A finished command. */
export interface Timed {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly seconds: number;
}

/** Runs a command from the repository root; resolves when it exits (never rejects). */
export function timed(cmd: string, args: readonly string[], opts: { timeoutSeconds?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Timed> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], { cwd: REPO, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    const timer = setTimeout(() => child.kill("SIGTERM"), (opts.timeoutSeconds ?? 900) * 1000);
    const done = (code: number) => {
      clearTimeout(timer);
      resolve({ code, out, err, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    };
    child.on("error", (e) => {
      err += e.message;
      done(-1);
    });
    child.on("close", (code) => done(code ?? -1));
  });
}

/** labctl from this checkout, timed. */
export function labctlTimed(args: readonly string[], timeoutSeconds = 900, env?: NodeJS.ProcessEnv): Promise<Timed> {
  return timed(path.join(REPO, "scripts", "labctl"), args, { timeoutSeconds, ...(env ? { env } : {}) });
}

/** The last non-empty line of a failed command: its error output, else its output. */
export function failureLine(r: Timed): string {
  const last = lastLine(r.err.trim() || r.out);
  // A check names each failed part on a FAIL line, and its failed expectations on BAD lines under it.
  const failed: string[] = [];
  let open: number | undefined; // the FAIL line the BAD lines below belong to, until its first one
  for (const line of r.out.split("\n")) {
    if (line.startsWith("FAIL ")) open = failed.push(line.trim()) - 1;
    else if (line.startsWith("PASS ")) open = undefined;
    else if (open !== undefined && /^\s+BAD /.test(line)) {
      failed[open] += ` — ${line.trim().slice(4)}`;
      open = undefined;
    }
  }
  return failed.length > 0 ? `${last}; ${failed.join("; ")}` : last;
}

/**
 * Keeps everything a failed run printed (a check's job logs name what went wrong; the failure line
 * has room for the first expectation only) in `dir`, readable by the owner alone; returns the file.
 */
export function keepFailureLog(what: string, r: Timed, dir = path.join(REPO, ".labs", "bench", "failures")): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${what.replace(/[^A-Za-z0-9]+/g, "-")}.log`);
  fs.writeFileSync(file, `$ ${what} (exit ${r.code})\n--- stdout\n${r.out}\n--- stderr\n${r.err}\n`, { mode: 0o600 });
  return file;
}

/** A GET on the Docker Engine API over its unix socket, parsed as JSON. */
function dockerApi<T>(urlPath: string, socketPath = process.env["DOCKER_HOST"]?.replace(/^unix:\/\//, "") || "/var/run/docker.sock"): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: urlPath, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (s: string) => (body += s));
      res.on("end", () => {
        if ((res.statusCode ?? 500) >= 300) return reject(new Error(`docker API ${urlPath}: ${res.statusCode} ${body.slice(0, 200)}`));
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          reject(new Error(`docker API ${urlPath}: an answer that is not JSON (${body.length} bytes)`));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`docker API ${urlPath}: no answer in 10 s`)));
    req.on("error", reject);
  });
}

/** The part of a container's stats the benchmark reads. */
export interface MemoryStats {
  readonly usage?: number;
  readonly stats?: Readonly<Record<string, number>>;
}

/**
 * A container's memory in use as `docker stats` counts it: usage minus the
 * inactive page cache (`total_inactive_file` on cgroup v1, `inactive_file`
 * on v2), in bytes; 0 for a stopped container.
 */
export function memoryInUse(m: MemoryStats): number {
  if (m.usage === undefined) return 0;
  const s = m.stats ?? {};
  const inactive = s["total_inactive_file"] ?? s["inactive_file"] ?? 0;
  return Math.max(0, m.usage - (inactive < m.usage ? inactive : 0));
}

/** Running containers whose names start with `prefix`. */
async function containersNamed(prefix: string): Promise<{ Id: string; Names: string[] }[]> {
  const filters = encodeURIComponent(JSON.stringify({ name: [`^/${prefix}`] }));
  return dockerApi(`/containers/json?filters=${filters}`);
}

/**
 * A container's memory read from its cgroup's files ({@link memoryCgroup}),
 * the figures the Engine's stats API reports (current use and
 * `memory.stat`); undefined when this machine does not show them.
 */
export function cgroupMemoryStats(id: string, root?: string): MemoryStats | undefined {
  const cgroup = memoryCgroup(id, root);
  if (!cgroup) return undefined;
  try {
    const stats: Record<string, number> = {};
    for (const line of fs.readFileSync(path.join(cgroup.dir, "memory.stat"), "utf8").split("\n")) {
      const [k, v] = line.split(" ");
      if (k && v !== undefined) stats[k] = Number(v);
    }
    return { usage: Number(fs.readFileSync(cgroup.current, "utf8").trim()), stats };
  } catch {
    return undefined; // the container went away between the reads
  }
}

/**
 * Memory in use, in MiB, summed over the running containers whose names
 * start with `prefix`. Read from the cgroup files where this machine shows
 * them; the API is the fallback. Measured on a module 4 lab (6 containers,
 * 30 s): the stats API answered a sample in about 1 s, so "each 1 s" was one
 * sample every 2 s, and cost dockerd about 20 ms of CPU per sample; the files
 * give one sample each second.
 */
export async function containersMemoryMiB(prefix: string): Promise<number> {
  const list = await containersNamed(prefix);
  const each = await Promise.all(
    list.map((c) => {
      const local = cgroupMemoryStats(c.Id);
      if (local) return memoryInUse(local);
      return dockerApi<{ memory_stats: MemoryStats }>(`/containers/${c.Id}/stats?stream=false&one-shot=true`).then((s) => memoryInUse(s.memory_stats)).catch(() => 0);
    }),
  );
  return each.reduce((a, b) => a + b, 0) / (1024 * 1024);
}

/**
 * Samples the summed memory of a lab's containers (job containers included:
 * their names start with the lab's) every `everyMs` until stopped; the peak
 * is the largest sum seen.
 */
export class MemorySampler {
  private peak = 0;
  private samples = 0;
  private stopped = false;
  private loop: Promise<void>;

  constructor(private readonly prefix: string, everyMs = 1000) {
    this.loop = (async () => {
      while (!this.stopped) {
        const t0 = Date.now();
        try {
          this.peak = Math.max(this.peak, await containersMemoryMiB(this.prefix));
          this.samples++;
        } catch {
          /* a container that went away between the list and its stats */
        }
        await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - t0))));
      }
    })();
  }

  /** Stops sampling; the peak in MiB and how many samples it saw. */
  async stop(): Promise<{ peakMiB: number; samples: number }> {
    this.stopped = true;
    await this.loop;
    return { peakMiB: this.peak, samples: this.samples };
  }
}
