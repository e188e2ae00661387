/**
 * `labctl images save --module N --out FILE [--registry PREFIX]`: one
 * `docker save` tar of a module's lab images (for a machine or a cluster
 * without a registry), with a small manifest of their names and IDs first;
 * gzip when FILE ends in .gz or .tgz.
 */
import * as fs from "fs";
import * as path from "path";
import { Writable } from "stream";
import * as zlib from "zlib";
import { formatBytes } from "../../components/core/units";
import { ModuleId } from "../../components/lab/modules";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { BUNDLE_FORMAT, BundleManifest, gzipped, manifestEntry } from "./images-bundle";
import { DockerRunner, dockerCli, imageRef, labImages, lastLine, localImageIds, localPrefix, needDocker, since } from "./images-shared";
import { Io } from "./shared";

/** Options of {@link saveImages}. */
export interface SaveOptions {
  readonly module: ModuleId;
  readonly out: string;
  /** The prefix the images are named under in Docker. @default images/manifest.json's (`bigdata-labs`) */
  readonly registry?: string;
  /** @default false */
  readonly json?: boolean;
}

/** Resolves when a writable has flushed everything and closed. */
function finished(w: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    w.once("close", resolve);
    w.once("error", reject);
  });
}

/** `labctl images save`: returns the exit code. */
export async function saveImages(opts: SaveOptions, io: Io, deps: { docker?: DockerRunner } = {}): Promise<number> {
  const docker = deps.docker ?? dockerCli;
  const started = Date.now();
  const out = path.resolve(opts.out);
  if (!fs.existsSync(path.dirname(out))) throw new UserError(`--out ${opts.out}: the folder ${path.dirname(out)} does not exist; create it or choose another path`);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new UserError(`--out ${opts.out} is a folder; give a file name such as ${path.join(opts.out, `labs-m${opts.module}.tar.gz`)}`);
  await needDocker(docker);
  const prefix = (opts.registry ?? localPrefix()).replace(/\/+$/, "");
  const images = labImages(opts.module);
  const ids = await localImageIds(docker, images, prefix);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    module: opts.module,
    registry: prefix,
    created: new Date().toISOString(),
    images: images.map((img) => ({ name: img.name, ref: imageRef(prefix, img), id: ids.get(imageRef(prefix, img))! })),
  };

  const partial = `${out}.partial-${process.pid}`;
  const file = fs.createWriteStream(partial, { mode: 0o644 });
  const gzip = gzipped(out) ? zlib.createGzip({ level: 6 }) : undefined;
  if (gzip) gzip.pipe(file);
  const sink: Writable = gzip ?? file;
  const closed = finished(file);
  try {
    sink.write(manifestEntry(manifest));
    const r = await docker(["save", ...manifest.images.map((i) => i.ref)], { stdout: sink });
    sink.end();
    await closed;
    if (r.code !== 0) throw new UserError(`docker save failed: ${lastLine(r.stderr) || `exit ${r.code}`}`, EXIT.failed);
    fs.renameSync(partial, out);
  } catch (err) {
    sink.destroy();
    fs.rmSync(partial, { force: true });
    if (err instanceof UserError) throw err;
    throw new UserError(`writing ${opts.out} failed: ${(err as Error).message}`, EXIT.failed);
  }
  const size = fs.statSync(out).size;
  if (opts.json) {
    io.out(JSON.stringify({ file: out, bytes: size, seconds: (Date.now() - started) / 1000, ...manifest }, null, 2));
  } else {
    for (const i of manifest.images) io.out(`saved ${i.name.padEnd(9)} ${i.ref}  id ${i.id}`);
    io.out(`${out}: ${manifest.images.length} images of module ${opts.module}, ${formatBytes(size)}${gzip ? " (gzip)" : ""}, in ${since(started)} s. Load it with labctl images load ${opts.out} [--kind CLUSTER]`);
  }
  return EXIT.ok;
}
