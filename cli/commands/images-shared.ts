/**
 * What `labctl images push/save/load` share: the Docker CLI runner they go
 * through (injectable for tests), the lab images of a module under a
 * registry prefix, and the check that they were built.
 */
import { spawn } from "child_process";
import { ModuleId, moduleImages } from "../../components/lab/modules";
import { loadImageManifest } from "../../components/config/stack-values";
import { EXIT, UserError } from "../../lab-workloads/access/errors";

/** Result of one docker CLI run. */
export interface DockerResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of one docker CLI run. */
export interface DockerRunOptions {
  /** Written to docker's stdin (a string or a stream piped in). @default nothing */
  readonly input?: string | NodeJS.ReadableStream;
  /** When set, docker's stdout goes here instead of being collected. @default collected */
  readonly stdout?: NodeJS.WritableStream;
  /** @default 30 minutes */
  readonly timeoutMs?: number;
}

/** Runs the docker CLI; resolves (never rejects) with its exit code and output. */
export type DockerRunner = (args: readonly string[], opts?: DockerRunOptions) => Promise<DockerResult>;

/** The docker CLI on PATH (so the user's Docker config and credentials apply). */
export const dockerCli: DockerRunner = (args, opts = {}) =>
  new Promise((resolve) => {
    const child = spawn("docker", [...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 30 * 60_000);
    if (opts.stdout) child.stdout.pipe(opts.stdout, { end: false });
    else child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.on("error", () => undefined); // docker may exit before reading all of stdin
    if (typeof opts.input === "string") child.stdin.end(opts.input);
    else if (opts.input) opts.input.pipe(child.stdin);
    else child.stdin.end();
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr });
    });
  });

/** Last non-empty line of a command's output, for one-line errors. */
export function lastLine(text: string): string {
  return text.trim().split("\n").map((l) => l.trim()).filter(Boolean).pop() ?? "";
}

/** One lab image: its name in images/manifest.json and its tag. */
export interface LabImage {
  readonly name: string;
  readonly tag: string;
}

/** The manifest's images in build order (a module's, or all when no module). */
export function labImages(module?: ModuleId): LabImage[] {
  const manifest = loadImageManifest();
  const names = module === undefined ? Object.keys(manifest.images) : moduleImages(module);
  return names.map((name) => ({ name, tag: manifest.images[name as keyof typeof manifest.images].tag }));
}

/** The prefix `npm run images` names images with (`bigdata-labs`). */
export function localPrefix(): string {
  return loadImageManifest().registryPrefix.replace(/\/+$/, "");
}

/** `<prefix>/<name>:<tag>`. */
export function imageRef(prefix: string, img: LabImage): string {
  return `${prefix}/${img.name}:${img.tag}`;
}

/** Checks that Docker answers; one line (exit 3) when it does not. */
export async function needDocker(docker: DockerRunner): Promise<void> {
  const r = await docker(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new UserError(`Docker is not running or not reachable (${lastLine(r.stderr) || "docker version failed"}): start Docker (on Linux: npm run toolchain) and retry`, EXIT.environment);
}

/**
 * The image IDs of `refs` in the local Docker engine. When some are missing:
 * one line naming the `npm run images -- --only …` command that builds them
 * (exit 3), or, for images under another prefix, what to pull or load.
 */
export async function localImageIds(docker: DockerRunner, images: readonly LabImage[], prefix: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const missing: LabImage[] = [];
  for (const img of images) {
    const ref = imageRef(prefix, img);
    const r = await docker(["image", "inspect", "--format", "{{.Id}}", ref], { timeoutMs: 60_000 });
    if (r.code === 0 && r.stdout.trim().startsWith("sha256:")) ids.set(ref, r.stdout.trim());
    else missing.push(img);
  }
  if (missing.length > 0) {
    const refs = missing.map((m) => imageRef(prefix, m)).join(", ");
    const fix = prefix === localPrefix() ? `build ${missing.length === 1 ? "it" : "them"} first: npm run images -- --only ${missing.map((m) => m.name).join(",")}` : `pull or load ${missing.length === 1 ? "it" : "them"} first (labctl images load FILE), or tag the built images with that prefix`;
    throw new UserError(`${missing.length === 1 ? "image" : "images"} ${refs} ${missing.length === 1 ? "is" : "are"} not in Docker (never built?): ${fix}`, EXIT.environment);
  }
  return ids;
}

/** Seconds since `start`, one decimal. */
export function since(start: number): string {
  return ((Date.now() - start) / 1000).toFixed(1);
}
