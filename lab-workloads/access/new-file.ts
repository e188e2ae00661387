import * as fs from "fs";
import * as path from "path";

/**
 * Creates `file` with `text`, whole, unless it exists: written to a
 * temporary file beside it (hidden, named after it and this process), then
 * linked into place, so a reader never sees half a file and the link fails,
 * changing nothing, when another run made `file` meanwhile. Returns false
 * when `file` exists. `mode` as for fs.writeFileSync. @default 0o666 less the umask
 */
export function createFileWhole(file: string, text: string, mode?: number): boolean {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.new`);
  try {
    fs.writeFileSync(tmp, text, { flag: "wx", ...(mode === undefined ? {} : { mode }) });
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
