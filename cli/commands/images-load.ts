/**
 * `labctl images load FILE [--kind CLUSTER]`: a bundle from `labctl images
 * save` (or any `docker save` tar) into the local Docker engine, checking
 * that every image comes back with the ID the bundle lists; with --kind, into
 * the containerd of every node of that kind cluster instead, the way
 * `kind load image-archive` does.
 */
import * as fs from "fs";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { BundleManifest, containerdName, readBundleManifest, tarStream } from "./images-bundle";
import { DockerRunner, dockerCli, lastLine, needDocker, since } from "./images-shared";
import { Io } from "./shared";

/** Options of {@link loadImages}. */
export interface LoadOptions {
  readonly file: string;
  /** A kind cluster's name: load into its nodes instead of Docker. @default Docker */
  readonly kind?: string;
  /** containerd snapshotter of the kind nodes. @default "overlayfs" */
  readonly snapshotter?: string;
  /** @default false */
  readonly json?: boolean;
}

/** The label kind puts on a cluster's node containers. */
export const KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster";

/** `docker ps` arguments that list a kind cluster's node containers. */
export function kindNodesArgs(cluster: string): string[] {
  return ["ps", "--filter", `label=${KIND_CLUSTER_LABEL}=${cluster}`, "--format", "{{.Names}}"];
}

/** `docker exec` arguments that import an image archive from stdin into a kind node's containerd. */
export function kindImportArgs(node: string, snapshotter = "overlayfs"): string[] {
  return ["exec", "--privileged", "-i", node, "ctr", "--namespace=k8s.io", "images", "import", "--digests", `--snapshotter=${snapshotter}`, "-"];
}

/** `docker exec` arguments that list the image names in a kind node's containerd. */
export function kindListArgs(node: string): string[] {
  return ["exec", "--privileged", node, "ctr", "--namespace=k8s.io", "images", "ls", "-q"];
}

/** Image references `docker load` reports (`Loaded image: …`). */
export function loadedRefs(output: string): string[] {
  return [...output.matchAll(/^Loaded image(?: ID)?: (\S+)$/gm)].map((m) => m[1]!);
}

/** kind's own rule for cluster names. */
const KIND_NAME = /^[a-z0-9.-]+$/;

async function intoKind(opts: LoadOptions, manifest: BundleManifest | undefined, docker: DockerRunner, io: Io): Promise<number> {
  const cluster = opts.kind!;
  if (!KIND_NAME.test(cluster)) throw new UserError(`--kind ${cluster}: not a kind cluster name (lower-case letters, digits, "." and "-")`);
  const list = await docker(kindNodesArgs(cluster), { timeoutMs: 30_000 });
  if (list.code !== 0) throw new UserError(`listing the nodes of kind cluster ${cluster} failed: ${lastLine(list.stderr)}`, EXIT.environment);
  const nodes = list.stdout.split("\n").map((l) => l.trim()).filter(Boolean).sort();
  if (nodes.length === 0) throw new UserError(`no running kind cluster "${cluster}": no container has the label ${KIND_CLUSTER_LABEL}=${cluster} (kind get clusters lists them)`, EXIT.environment);
  let failed = 0;
  for (const node of nodes) {
    const t0 = Date.now();
    const r = await docker(kindImportArgs(node, opts.snapshotter), { input: tarStream(opts.file) });
    if (r.code !== 0) throw new UserError(`importing ${opts.file} into kind node ${node} failed: ${lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.code}`}`, EXIT.failed);
    const names = new Set((await docker(kindListArgs(node), { timeoutMs: 60_000 })).stdout.split("\n").map((l) => l.trim()));
    const missing = (manifest?.images ?? []).filter((i) => !names.has(containerdName(i.ref)));
    failed += missing.length;
    io.out(`node ${node}: ${missing.length === 0 ? "imported" : `MISSING ${missing.map((i) => i.ref).join(", ")} after import`} (${since(t0)} s)`);
  }
  io.out(`${manifest ? `${manifest.images.length} images` : opts.file} loaded into ${nodes.length} node${nodes.length === 1 ? "" : "s"} of kind cluster ${cluster}${manifest ? `; a stack uses them with lab:images.registry: ${manifest.registry}` : ""}`);
  return failed === 0 ? EXIT.ok : EXIT.failed;
}

/** `labctl images load`: returns the exit code. */
export async function loadImages(opts: LoadOptions, io: Io, deps: { docker?: DockerRunner } = {}): Promise<number> {
  const docker = deps.docker ?? dockerCli;
  const started = Date.now();
  if (!fs.existsSync(opts.file) || !fs.statSync(opts.file).isFile()) throw new UserError(`${opts.file}: no such file; give a bundle made with labctl images save`);
  const manifest = await readBundleManifest(opts.file);
  await needDocker(docker);
  if (opts.kind !== undefined) return intoKind(opts, manifest, docker, io);

  const r = await docker(["load", "--input", opts.file]);
  if (r.code !== 0) throw new UserError(`docker load ${opts.file} failed: ${lastLine(r.stderr) || `exit ${r.code}`}`, EXIT.failed);
  const loaded = loadedRefs(r.stdout);
  const results: { name: string; ref: string; id: string; ok: boolean; found: string }[] = [];
  for (const img of manifest?.images ?? []) {
    const ins = await docker(["image", "inspect", "--format", "{{.Id}}", img.ref], { timeoutMs: 60_000 });
    const found = ins.code === 0 ? ins.stdout.trim() : "absent";
    results.push({ ...img, ok: found === img.id, found });
  }
  const bad = results.filter((x) => !x.ok);
  if (opts.json) {
    io.out(JSON.stringify({ file: opts.file, registry: manifest?.registry, loaded, images: results, seconds: (Date.now() - started) / 1000 }, null, 2));
  } else if (manifest) {
    for (const x of results) io.out(`loaded ${x.name.padEnd(9)} ${x.ref}  id ${x.found}${x.ok ? "" : `  (the bundle says ${x.id})`}`);
    io.out(bad.length === 0
      ? `${results.length} images loaded into Docker in ${since(started)} s, IDs as saved. A stack runs them with lab:images.registry: ${manifest.registry}`
      : `${bad.length} of ${results.length} images did not come back with the ID the bundle lists`);
  } else {
    for (const ref of loaded) io.out(`loaded ${ref}`);
    io.out(`${loaded.length} images loaded into Docker in ${since(started)} s (a plain docker save tar: no bundle manifest to check IDs against)`);
  }
  return bad.length === 0 ? EXIT.ok : EXIT.failed;
}
