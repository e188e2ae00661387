import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const CACHE = path.resolve(__dirname, "..", "scripts", "lib", "v8-cache.cjs");

let work: string;
let dir: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "v8-cache-"));
  dir = path.join(work, "cache");
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** Writes the modules of a small program: main.js requires the others and prints what they give. */
function program(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(work, name), text);
}

/** Runs main.js with the cache installed; returns its output lines and the cache's counts. */
function run(): { out: string[]; counts: { hits: number; misses: number } } {
  const preload = path.join(work, "preload.cjs");
  fs.writeFileSync(preload, `const c = require(${JSON.stringify(CACHE)}).installV8Cache(${JSON.stringify(dir)});\nprocess.on("exit", () => console.log("counts " + JSON.stringify(c)));\n`);
  const lines = execFileSync(process.execPath, ["--require", preload, path.join(work, "main.js")], { cwd: work, encoding: "utf8" }).trim().split("\n");
  const counts = JSON.parse(lines.pop()!.replace(/^counts /, "")) as { hits: number; misses: number };
  return { out: lines, counts };
}

/** The cache's entries (`.bin` files), by the directory of their source file. */
function entries(): string[][] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((d) => fs.readdirSync(path.join(dir, d)).filter((n) => n.endsWith(".bin")));
}

const BASE = {
  "main.js": [
    "const a = require('./a.js');",
    "console.log('a', a.twice(21));",
    "console.log('main is main', require.main === module);",
    "console.log('resolves', require.resolve('./b.js') === __dirname + '/b.js');",
    "console.log('b', require('./b.js').name);",
  ].join("\n"),
  "a.js": "exports.twice = (n) => n * 2;\n",
  "b.js": "#!/usr/bin/env node\nmodule.exports = { name: require('path').basename(__filename) };\n",
};
const OUT = ["a 42", "main is main true", "resolves true", "b b.js"];

describe("scripts/lib/v8-cache.cjs", () => {
  it("writes an entry per module on the first run and compiles every module from it on the next, with the same results", () => {
    program(BASE);
    const first = run();
    expect(first.out).toEqual(OUT);
    expect(first.counts).toEqual({ hits: 0, misses: 3 });
    expect(entries().map((e) => e.length)).toEqual([1, 1, 1]);
    const second = run();
    expect(second.out).toEqual(OUT);
    expect(second.counts).toEqual({ hits: 3, misses: 0 });
  });

  it("misses a changed module only, and keeps one entry per file", () => {
    program(BASE);
    run();
    program({ "a.js": "exports.twice = (n) => n * 2 + 1;\n" });
    const changed = run();
    expect(changed.out[0]).toBe("a 43");
    expect(changed.counts).toEqual({ hits: 2, misses: 1 });
    expect(entries().map((e) => e.length)).toEqual([1, 1, 1]);
  });

  it("compiles anew, and rewrites, an entry V8 rejects", () => {
    program(BASE);
    run();
    for (const d of fs.readdirSync(dir)) for (const f of fs.readdirSync(path.join(dir, d))) fs.writeFileSync(path.join(dir, d, f), Buffer.alloc(64, 7));
    const rejected = run();
    expect(rejected.out).toEqual(OUT);
    expect(rejected.counts).toEqual({ hits: 0, misses: 3 });
    expect(run().counts).toEqual({ hits: 3, misses: 0 });
  });

  it("leaves a module with import() to Node's own compile, where it works", () => {
    program({ ...BASE, "c.js": "module.exports = import('node:path').then((p) => p.basename('/x/y.txt'));\n", "main.js": `${BASE["main.js"]}\nrequire('./c.js').then((n) => console.log('imported', n));` });
    for (const r of [run(), run()]) {
      expect(r.out).toEqual([...OUT, "imported y.txt"]);
      expect(r.counts.hits + r.counts.misses).toBe(3);
    }
  });

  it("keeps line 1's columns in stack traces, as Node reports them", () => {
    const a = "exports.twice = (n) => { if (n === 0) throw new Error('zero'); return n * 2; };\n";
    program({ ...BASE, "a.js": a, "main.js": "try { require('./a.js').twice(0); } catch (e) { console.log(e.stack.split('\\n')[1].trim()); }\n" });
    // Node's own column: where `new Error` starts on line 1.
    const where = `at exports.twice (${path.join(work, "a.js")}:1:${a.indexOf("new Error") + 1})`;
    const runs = [run(), run()];
    expect(runs.map((r) => r.out[0])).toEqual([where, where]);
    expect(runs[1]!.counts.hits).toBe(2);
  });

  it("leaves an ES module to Node: a file of a \"type\": \"module\" package, even without import or export, has no require", () => {
    fs.mkdirSync(path.join(work, "esm"));
    program({ "esm/package.json": '{ "type": "module" }\n', "esm/m.js": "globalThis.kind = typeof require;\n", "main.js": "require('./esm/m.js');\nconsole.log('esm', globalThis.kind);\n" });
    for (const r of [run(), run()]) expect(r.out).toEqual(["esm undefined"]);
  });

  it("leaves a file that does not parse to Node's own compile, whose error names it", () => {
    program({ ...BASE, "a.js": "exports.twice = (n) => n *;\n" });
    let message = "";
    try {
      run();
    } catch (err) {
      message = String((err as { stderr?: string }).stderr);
    }
    expect(message).toContain(path.join(work, "a.js"));
    expect(message).toMatch(/SyntaxError/);
  });
});
