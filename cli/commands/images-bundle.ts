/**
 * The image bundle `labctl images save` writes and `labctl images load`
 * reads: one `docker save` tar whose first entry is a small JSON manifest of
 * the images' names and IDs (docker load and `ctr images import` ignore it),
 * gzip-compressed when the file name ends in .gz or .tgz.
 */
import * as fs from "fs";
import * as zlib from "zlib";
import { EXIT, UserError } from "../../lab-workloads/access/errors";

/** Name of the bundle manifest inside the tar. */
export const BUNDLE_ENTRY = "bigdata-labs-bundle.json";
export const BUNDLE_FORMAT = "bigdata-labs-images/1";

/** The bundle manifest. */
export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  /** The module whose images it holds; absent for all images. */
  readonly module?: number;
  /** The prefix the images are named under (the `lab:images.registry` a stack uses with them). */
  readonly registry: string;
  readonly created: string;
  readonly images: readonly { readonly name: string; readonly ref: string; readonly id: string }[];
}

/** Whether a bundle file name asks for gzip. */
export function gzipped(file: string): boolean {
  return /\.(t?gz)$/i.test(file);
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

/** A ustar header for one regular file (0644, owner 0). */
export function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, 100, "utf8");
  h.write(octal(0o644, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(Math.floor(mtimeSeconds), 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write("0", 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

/** The bundle manifest as a complete tar entry (header, content, padding). */
export function manifestEntry(m: BundleManifest, mtimeSeconds = Date.now() / 1000): Buffer {
  const body = Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
  const pad = (512 - (body.length % 512)) % 512;
  return Buffer.concat([tarHeader(BUNDLE_ENTRY, body.length, mtimeSeconds), body, Buffer.alloc(pad, 0)]);
}

/** Parses the first tar entry of `head`: its name and content, when complete. */
export function firstEntry(head: Buffer): { name: string; content: Buffer } | undefined {
  if (head.length < 512) return undefined;
  const name = head.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
  const size = parseInt(head.subarray(124, 136).toString("ascii").replace(/\0.*$/s, "").trim() || "0", 8);
  if (!Number.isFinite(size) || head.length < 512 + size) return undefined;
  return { name, content: head.subarray(512, 512 + size) };
}

/** A file's bytes as a tar stream: gunzipped when it starts with the gzip magic. */
export function tarStream(file: string): NodeJS.ReadableStream {
  const fd = fs.openSync(file, "r");
  const magic = Buffer.alloc(2);
  fs.readSync(fd, magic, 0, 2, 0);
  fs.closeSync(fd);
  const raw = fs.createReadStream(file);
  return magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(zlib.createGunzip()) : raw;
}

/**
 * Reads the bundle manifest at the start of `file`; undefined for a plain
 * `docker save` tar. One line (exit 2) when the file is not a tar at all.
 */
export async function readBundleManifest(file: string): Promise<BundleManifest | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  const stream = tarStream(file) as NodeJS.ReadableStream & { destroy?: () => void };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length < 512) continue;
      const head = Buffer.concat(chunks);
      // Enough: the first entry is something else, or the manifest is complete (or absurdly large).
      if (head.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "") !== BUNDLE_ENTRY || firstEntry(head) || length > 1024 * 1024) break;
    }
  } catch (err) {
    throw new UserError(`${file} is not an image bundle or docker save tar (${(err as Error).message}); make one with labctl images save`, EXIT.usage);
  } finally {
    stream.destroy?.();
  }
  const head = Buffer.concat(chunks);
  if (head.length < 512 || head.subarray(257, 262).toString("ascii") !== "ustar") {
    throw new UserError(`${file} is not an image bundle or docker save tar; make one with labctl images save`, EXIT.usage);
  }
  const entry = firstEntry(head);
  if (!entry || entry.name !== BUNDLE_ENTRY) return undefined;
  try {
    const m = JSON.parse(entry.content.toString("utf8")) as BundleManifest;
    if (m.format !== BUNDLE_FORMAT || !Array.isArray(m.images)) throw new Error(`format ${String(m.format)}`);
    return m;
  } catch (err) {
    throw new UserError(`${file}: its ${BUNDLE_ENTRY} is not readable (${(err as Error).message}); save the bundle again with labctl images save`, EXIT.usage);
  }
}

/**
 * The name containerd stores a Docker image reference under
 * (`bigdata-labs/minio:t` → `docker.io/bigdata-labs/minio:t`).
 */
export function containerdName(ref: string): string {
  const first = ref.split("/")[0]!;
  const hasHost = ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasHost) return ref;
  return ref.includes("/") ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}
