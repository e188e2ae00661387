import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { LABEL } from "../../components/platform/platform";
import { lastLine } from "../common/text";

const run = promisify(execFile);

/** Result of a command run in a lab container. */
export interface ExecResult {
  readonly ok: boolean;
  /** Last non-empty line of output (probes print one line). */
  readonly line: string;
  readonly output: string;
  readonly seconds: number;
}

/** Runs `command` in container `name` with a timeout; never throws. */
export async function dockerExec(name: string, command: readonly string[], timeoutSeconds = 300): Promise<ExecResult> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run("docker", ["exec", name, ...command], { timeout: timeoutSeconds * 1000, maxBuffer: 16 * 1024 * 1024 });
    const output = `${stdout}${stderr}`;
    return { ok: true, line: lastLine(stdout || stderr), output, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; killed?: boolean; message: string };
    const output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    const line = e.killed ? `timed out after ${timeoutSeconds}s` : lastLine(e.stdout || e.stderr || e.message);
    return { ok: false, line, output, seconds: (Date.now() - started) / 1000 };
  }
}

/** Objects still carrying a lab's label: what `down` must leave at zero. */
export interface Leftovers {
  readonly containers: string[];
  readonly volumes: string[];
  readonly networks: string[];
}

/** Lists containers, volumes and networks labelled with `lab`. */
export async function dockerLeftovers(lab: string): Promise<Leftovers> {
  const filter = `label=${LABEL.lab}=${lab}`;
  const list = async (args: string[]) => (await run("docker", [...args, "--filter", filter, "--format", "{{.Name}}"])).stdout.split("\n").filter(Boolean);
  const [containers, volumes, networks] = await Promise.all([
    run("docker", ["ps", "-a", "--filter", filter, "--format", "{{.Names}}"]).then((r) => r.stdout.split("\n").filter(Boolean)),
    list(["volume", "ls"]),
    list(["network", "ls"]),
  ]);
  return { containers, volumes, networks };
}

/** Container ids of a lab by name. */
export async function labContainers(lab: string): Promise<{ id: string; name: string }[]> {
  const { stdout } = await run("docker", ["ps", "--no-trunc", "--filter", `label=${LABEL.lab}=${lab}`, "--format", "{{.ID}} {{.Names}}"]);
  return stdout.split("\n").filter(Boolean).map((l) => {
    const [id, name] = l.split(" ");
    return { id: id!, name: name! };
  });
}

/** A container's memory cgroup on this machine: its directory and the files of its current and peak use. */
export interface MemoryCgroup {
  readonly dir: string;
  readonly current: string;
  readonly peak: string;
}

/**
 * Where the Docker Engine keeps a container's memory cgroup (v1; v2 with the
 * cgroupfs or the systemd driver), found by its file of current use;
 * undefined when this machine does not show it (the Engine in a VM).
 */
export function memoryCgroup(id: string, root = "/sys/fs/cgroup"): MemoryCgroup | undefined {
  const layouts = [
    { dir: path.join(root, "memory", "docker", id), current: "memory.usage_in_bytes", peak: "memory.max_usage_in_bytes" },
    { dir: path.join(root, "docker", id), current: "memory.current", peak: "memory.peak" },
    { dir: path.join(root, "system.slice", `docker-${id}.scope`), current: "memory.current", peak: "memory.peak" },
  ];
  const found = layouts.find((l) => fs.existsSync(path.join(l.dir, l.current)));
  return found && { dir: found.dir, current: path.join(found.dir, found.current), peak: path.join(found.dir, found.peak) };
}

/** Current and peak memory of each running container of a lab, in bytes. */
export async function labMemory(lab: string): Promise<{ name: string; current: number; peak: number }[]> {
  const out: { name: string; current: number; peak: number }[] = [];
  for (const c of await labContainers(lab)) {
    const files = memoryCgroup(c.id);
    const read = (f?: string) => (f && fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8").trim()) : Number.NaN);
    out.push({ name: c.name, current: read(files?.current), peak: read(files?.peak) });
  }
  return out;
}

/**
 * Removes what an interrupted run left with the lab's label (so it is the
 * lab's own, never anyone else's): containers, then volumes and networks.
 * Returns what it removed.
 */
export async function removeLeftovers(lab: string): Promise<Leftovers> {
  const left = await dockerLeftovers(lab);
  for (const c of left.containers) await run("docker", ["rm", "-f", c]).catch(() => undefined);
  for (const v of left.volumes) await run("docker", ["volume", "rm", "-f", v]).catch(() => undefined);
  for (const n of left.networks) await run("docker", ["network", "rm", n]).catch(() => undefined);
  return left;
}

/**
 * Why a lab's containers did not come up, for the message after a failed
 * `up`: each container of the lab that is not healthy, with its state, the
 * last health-check output and its last log lines. The provider's `wait`
 * only says that a container "failed to be in healthy state"; this says why.
 * Empty when every container is healthy (or Docker cannot be asked).
 */
export async function unreadyContainers(lab: string, lines = 15): Promise<string> {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = (await run("docker", ["ps", "-a", "--filter", `label=${LABEL.lab}=${lab}`, "--format", "{{.Names}}"])).stdout.split("\n").filter(Boolean).sort();
  } catch {
    return "";
  }
  const format = "{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}|{{.State.OOMKilled}}|{{.RestartCount}}|{{if .State.Health}}{{range .State.Health.Log}}{{.Output}}\u0001{{end}}{{end}}";
  for (const name of names) {
    const info = await run("docker", ["inspect", "--format", format, name]).catch(() => undefined);
    if (!info) continue;
    const [status, health, exitCode, oom, restarts, probes] = info.stdout.replace(/\n$/, "").split("|");
    if (health === "healthy" || (health === "" && status === "running")) continue;
    const lastProbe = (probes ?? "").split("\u0001").map((p) => p.trim()).filter(Boolean).pop();
    const why = oom === "true" ? "killed for using more than its memory limit" : status === "running" ? `running, health ${health || "unknown"}` : `${status} (exit code ${exitCode})`;
    // One pipe for both streams keeps the lines in the order the container wrote them.
    const logs = await run("sh", ["-c", 'docker logs --tail "$1" "$2" 2>&1', "sh", String(lines), name], { maxBuffer: 4 * 1024 * 1024 }).then((r) => r.stdout, () => "(logs unavailable)");
    out.push(`container ${name}: ${why}, restarted ${restarts} time(s)${lastProbe ? `; last health check: ${lastProbe.split("\n")[0]}` : ""}`);
    out.push(...logs.trim().split("\n").filter(Boolean).slice(-lines).map((l) => `    ${l}`));
  }
  return out.join("\n");
}

/** Resource types of the earlier Docker renderer (Pulumi dynamic providers). */
const LEGACY_DOCKER_TYPE = /^pulumi-nodejs:dynamic\/docker:(Container|Network|Volume)$/;

/**
 * The one-line message for a stack whose lab was created by the earlier
 * Docker renderer, or undefined. Such a lab cannot be taken over by the
 * Docker provider in place (aliases cannot cross resource types, and the new
 * network and containers would collide with the old ones by name), so it is
 * removed and created again: `labctl down` still destroys it with the code
 * kept in its state.
 */
export function legacyDockerLab(resources: readonly { type: string }[], module: number): string | undefined {
  const old = resources.filter((r) => LEGACY_DOCKER_TYPE.test(r.type)).length;
  if (old === 0) return undefined;
  return `this lab was created by an earlier labctl (${old} Docker objects managed by dynamic providers); run \`labctl down ${module}\` and then \`labctl up ${module}\` to recreate it on the Docker provider (its volumes start empty)`;
}

/** Removes one container by hand (`docker rm -f`), the way drift happens. */
export async function forceRemoveContainer(name: string): Promise<void> {
  await run("docker", ["rm", "-f", name]);
}

/** `running/healthy`, `exited/`, ... of a container, or `missing`. */
export async function containerState(name: string): Promise<string> {
  const r = await run("docker", ["inspect", "--format", "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}", name]).catch(() => undefined);
  return r ? r.stdout.trim() : "missing";
}
