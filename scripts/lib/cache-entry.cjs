"use strict";
/**
 * One on-disk cache's entries, shared by ts-hook.cjs (transpiled TypeScript) and v8-cache.cjs
 * (V8's code cache): a folder per source file, named by the hash of its path, holding the entry of
 * that file's latest version, named by a hash of what it was made from.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** SHA-256 of the parts joined by NUL, in hex. */
const sha256 = (...parts) => crypto.createHash("sha256").update(parts.join("\0")).digest("hex");

/** The folder under `root` that holds the entries of source file `filename`. */
function entryDir(root, filename) {
  return path.join(root, sha256(filename).slice(0, 32));
}

/**
 * Writes entry `name` into `dir` (a temporary file, then a rename) with what `produce` returns,
 * and removes the folder's older entries (same extension; another process's .tmp is left to it).
 * Writes nothing when anything fails: a read-only or full checkout still runs, without the entry.
 */
function writeEntry(dir, name, produce) {
  try {
    const data = produce();
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `${name}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path.join(dir, name));
    const ext = path.extname(name);
    for (const n of fs.readdirSync(dir)) if (n !== name && n.endsWith(ext)) fs.rmSync(path.join(dir, n), { force: true });
  } catch {
    // Nothing written: the next run makes this entry again.
  }
}

module.exports = { sha256, entryDir, writeEntry };
