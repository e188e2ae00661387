"use strict";
/**
 * V8's code cache for the CommonJS modules a process loads (labctl, and the Pulumi program labctl
 * drives): each module is compiled with the cache V8 wrote for the same file and text in an
 * earlier run, so a warm start skips parsing and compiling (labctl and the program each load
 * 450-650 modules: @pulumi/pulumi, @pulumi/docker, gRPC, zod, yaml and the project's own).
 *
 * - Entries live under `<dir>/<hash of the file name>/<hash of Node's version and the text>.bin`;
 *   writing a file's new version removes its older ones, as ts-hook's cache does. V8 itself
 *   rejects an entry of another V8 or other flags (`cachedDataRejected`): the module then
 *   compiles as usual and its entry is written anew.
 * - Entries are written when the process exits, from what V8 compiled by then, so they hold the
 *   functions the run called, not only the top level. A write goes to a temporary file renamed
 *   into place; a read-only checkout runs without writing.
 * - What the cache does not handle goes to Node's own compile: a file whose text has `import(`
 *   (a script compiled here has no loader for it: Node 20 loses the one `vm` can be given when
 *   the script comes from a cache), one that is not a CommonJS script (ES module syntax, which
 *   Node loads its own way), and one that does not parse (Node's error then names it).
 */
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");
const { entryDir: entryDirOf, sha256, writeEntry } = require("./cache-entry.cjs");

/** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
function makeRequire(mod) {
  const require = function require(id) {
    return mod.require(id);
  };
  require.resolve = function resolve(request, options) {
    return Module._resolveFilename(request, mod, false, options);
  };
  require.resolve.paths = function paths(request) {
    return Module._resolveLookupPaths(request, mod);
  };
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Text that may be a dynamic `import(...)`, which a script compiled here could not run. */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

/**
 * Compiles every CommonJS module from here on with V8's code cache under `dir`. Returns counts
 * of modules compiled from the cache and without it (`hits`, `misses`); modules left to Node's
 * own compile count in neither.
 */
function installV8Cache(dir) {
  const counts = { hits: 0, misses: 0 };
  const fresh = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function cachedCompile(content, filename, format) {
    // An ES module (Node passes its format), or text with import(): Node's own compile, with every argument.
    if ((format !== undefined && format !== "commonjs") || DYNAMIC_IMPORT.test(content)) return compile.apply(this, arguments);
    // Node reads a first `#!` line as a comment; so does this (the line count stays).
    const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
    const entryDir = entryDirOf(dir, filename);
    const name = `${sha256(process.version, process.arch, source)}.bin`;
    let cachedData;
    try {
      cachedData = fs.readFileSync(path.join(entryDir, name));
    } catch {
      cachedData = undefined;
    }
    let script;
    try {
      // The wrapper's head on a line of its own, so that line 1's columns stay the file's own.
      script = new vm.Script(`${Module.wrapper[0]}\n${source}${Module.wrapper[1]}`, { filename, cachedData, lineOffset: -1 });
    } catch {
      return compile.apply(this, arguments);
    }
    if (cachedData === undefined || script.cachedDataRejected) {
      counts.misses++;
      fresh.push({ script, entryDir, name });
    } else counts.hits++;
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
  };
  process.once("exit", () => {
    for (const f of fresh) writeEntry(f.entryDir, f.name, () => f.script.createCachedData());
  });
  return counts;
}

module.exports = { installV8Cache };
