import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createRequire } from "module";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const HOOK = path.join(ROOT, "scripts", "lib", "ts-hook.cjs");
const req = createRequire(__filename);
// The hook is also loaded in this process: no V8 cache written into the checkout by the test run.
process.env["LABS_V8_CACHE"] = "0";

/** Every TypeScript file labctl or the program may load. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
    }
  };
  for (const d of ["cli", "components", "lab-workloads", "stacks"]) walk(path.join(ROOT, d));
  return out;
}

/** Runs node with the hook preloaded; returns stdout. */
function node(args: string[], cwd = ROOT): string {
  return execFileSync(process.execPath, ["--require", HOOK, ...args], { cwd, encoding: "utf8" });
}

describe("scripts/lib/ts-hook.cjs", () => {
  it("emits what ts-node's SWC mode emits for this tsconfig.json, file by file", () => {
    const ts = req("typescript");
    const swc = req("@swc/core");
    const { createSwcOptions } = req("ts-node/transpilers/swc");
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    const tsNode = createSwcOptions(parsed.options, undefined, swc, "@swc/core").nonTsxOptions;
    const { SWC_OPTIONS } = req(HOOK);
    const files = sources();
    expect(files.length).toBeGreaterThan(100);
    const differ = files.filter((f) => {
      const src = fs.readFileSync(f, "utf8");
      return swc.transformSync(src, { ...tsNode, filename: f }).code !== swc.transformSync(src, { ...SWC_OPTIONS, filename: f }).code;
    });
    expect(differ).toEqual([]);
  });

  it("keeps a module's own __dirname, interop of default imports, and caches one entry per file by content", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ts-hook-"));
    const file = path.join(dir, "probe.ts");
    // `yaml` is a CommonJS package with named exports only: a default import needs the interop.
    fs.writeFileSync(file, `import YAML from "${req.resolve("yaml")}";\nconst n: number = 2;\nconsole.log(JSON.stringify({ dir: __dirname, n, y: YAML.stringify({ a: n }).trim() }));\n`);
    expect(JSON.parse(node([file]))).toEqual({ dir, n: 2, y: "a: 2" });
    const { transpile, entryDir } = req(HOOK);
    const src = fs.readFileSync(file, "utf8");
    const entries = () => fs.readdirSync(entryDir(file)).sort();
    try {
      const cached = entries();
      expect(cached).toHaveLength(1);
      expect(transpile(src, file)).toBe(transpile(src, file));
      // The two calls above found the run's entry: nothing was written.
      expect(entries()).toEqual(cached);
      // A new version of the file replaces the old one's entry.
      expect(transpile(`${src}// changed\n`, file)).toContain("// changed");
      expect(entries()).toHaveLength(1);
      expect(entries()).not.toEqual(cached);
    } finally {
      fs.rmSync(entryDir(file), { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("defers the closure serializer's modules and the Automation API of @pulumi/pulumi, which still work when used", () => {
    const out = node(["-e", `
      const pulumi = require("@pulumi/pulumi");
      const loaded = (re) => Object.keys(require.cache).filter((k) => re.test(k)).length;
      const closure = /[\\\\/](typescript|@npmcli[\\\\/]arborist|normalize-package-data)[\\\\/]/;
      const automation = /[\\\\/]@pulumi[\\\\/]pulumi[\\\\/]automation[\\\\/]/;
      const before = { closure: loaded(closure), automation: loaded(automation) };
      const ws = typeof pulumi.automation.LocalWorkspace.create;
      pulumi.runtime.serializeFunction(() => 42).then((s) => console.log(JSON.stringify({ before, ws, after: { closure: loaded(closure), automation: loaded(automation) }, text: s.text.includes("42") })));
    `]);
    const r = JSON.parse(out);
    expect(r).toMatchObject({ before: { closure: 0, automation: 0 }, ws: "function", text: true });
    expect(r.after.closure).toBeGreaterThan(0);
    expect(r.after.automation).toBeGreaterThan(0);
  });

  it("defers a function module behind a callable stand-in that TypeScript's __importDefault wraps and calls", () => {
    const out = node(["-e", `
      const Module = require("module");
      const dir = require("path").dirname(require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js"));
      const codePaths = new Module(require("path").join(dir, "codePaths.js"));
      codePaths.filename = codePaths.id;
      codePaths.paths = Module._nodeModulePaths(dir);
      const mod = codePaths.require("normalize-package-data");
      const loaded = () => Object.keys(require.cache).some((k) => /[\\\\/]normalize-package-data[\\\\/]/.test(k));
      const before = loaded();
      const wrapped = mod && mod.__esModule ? mod : { default: mod };
      const data = { name: "probe", version: "1.2.3" };
      wrapped.default(data);
      console.log(JSON.stringify({ before, esModule: mod.__esModule === undefined, id: data._id, after: loaded() }));
    `]);
    expect(JSON.parse(out)).toEqual({ before: false, esModule: true, id: "probe@1.2.3", after: true });
  });

  it("defers zod's index of locales: messages stay English and another locale still loads", () => {
    const out = node(["-e", `
      const { z } = require("zod");
      const locales = () => Object.keys(require.cache).filter((k) => /[\\\\/]zod[\\\\/]v4[\\\\/]locales[\\\\/]/.test(k)).length;
      const message = z.object({ a: z.number() }).safeParse({ a: "x" }).error.issues[0].message;
      const before = locales();
      const fr = typeof z.locales.fr;
      console.log(JSON.stringify({ message, before, fr, after: locales() }));
    `]);
    const r = JSON.parse(out);
    expect(r).toMatchObject({ message: "Invalid input: expected number, received string", before: 1, fr: "function" });
    expect(r.after).toBeGreaterThan(10);
  });

  it("loads labctl's first steps of `up` (arguments, the key's prewarm, Docker's capacity) without the Pulumi SDK or the config schema", () => {
    const out = node(["-e", `
      require("./cli/labctl");
      require("./cli/command-args");
      require("./lab-workloads/access/stack-secrets");
      require("./lab-workloads/access/checkout");
      require("./cli/docker-capacity");
      console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /[\\\\/](@pulumi|zod|@kubernetes|@aws-sdk)[\\\\/]|[\\\\/]components[\\\\/]config[\\\\/]schema/.test(k))));
    `]);
    expect(JSON.parse(out)).toEqual([]);
    // `up` itself loads the S3 and Kafka clients (the starter data) only once the update runs, and runs the
    // CLI without the SDK's runtime, gRPC or the Docker provider's SDK (the Automation API's Stack defers them).
    const up = node(["-e", `
      require("./cli/commands/up");
      const { Stack, LocalWorkspace } = require("@pulumi/pulumi/automation");
      console.log(JSON.stringify({ classes: typeof Stack + typeof LocalWorkspace, loaded: Object.keys(require.cache).filter((k) => /[\\\\/](@aws-sdk[\\\\/]client-s3|kafkajs|@grpc[\\\\/]grpc-js|@pulumi[\\\\/]docker)[\\\\/]|@pulumi[\\\\/]pulumi[\\\\/](index|runtime[\\\\/]index)\\.js$/.test(k)) }));
    `]);
    expect(JSON.parse(up)).toEqual({ classes: "functionfunction", loaded: [] });
  });

  it("leaves OpenTelemetry's SDK out of a program run without --tracing, and loads it for one with it", () => {
    const run = (args: string[]) =>
      JSON.parse(
        node(["-e", `
          require(${JSON.stringify(HOOK)}).standInTracingSdk(${JSON.stringify(args)});
          const tracing = require("@pulumi/pulumi/cmd/run/tracing");
          tracing.newSpan("probe").end();
          let start = "ok";
          try { tracing.start("http://127.0.0.1:9/api/v2/spans"); } catch (e) { start = e.message; }
          tracing.stop();
          console.log(JSON.stringify({ start, sdk: Object.keys(require.cache).filter((k) => /[\\\\/]@opentelemetry[\\\\/](sdk-trace-node|exporter-zipkin)[\\\\/]/.test(k)).length }));
        `]),
      ) as { start: string; sdk: number };
    const off = run(["--monitor", "127.0.0.1:1", "."]);
    expect(off.sdk).toBe(0);
    expect(off.start).toMatch(/OpenTelemetry's SDK is not loaded in a run without --tracing/);
    const on = run(["--tracing", "http://127.0.0.1:9/api/v2/spans", "."]);
    expect(on).toEqual({ start: "ok", sdk: expect.any(Number) });
    expect(on.sdk).toBeGreaterThan(0);
  });

  /** Runs `body` in node with the hook preloaded and `lightRunner(env)` on, beside a module the runner's index would load. */
  const runnerScript = (env: Record<string, string>, body: string) => `
    const Module = require("module");
    require(${JSON.stringify(HOOK)}).lightRunner(${JSON.stringify(env)});
    const dir = require("path").dirname(require.resolve("@pulumi/pulumi/cmd/run/index.js"));
    const runner = new Module(require("path").join(dir, "index.js"));
    runner.filename = runner.id;
    runner.paths = Module._nodeModulePaths(dir);
    ${body}
  `;

  it("opens the SDK's V8 hooks on first use under labctl's runner, and a closure that cannot be serialized is still named by file and line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-v8hooks-"));
    try {
      // A module loaded before the hooks are first used: a session opened late must still know its file.
      fs.writeFileSync(path.join(dir, "early.js"), `const net = require("net");\nconst server = net.createServer();\nmodule.exports = function handler() { return server.address(); };\n`);
      const out = node(["-e", runnerScript({}, `
        const handler = require(${JSON.stringify(path.join(dir, "early.js"))});
        const hooks = runner.require("../../runtime/closure/v8Hooks");
        const real = Object.keys(require.cache).some((k) => /closure[\\\\/]v8Hooks\\.js$/.test(k));
        hooks.isInitializedAsync().then(async () => {
          const pulumi = require("@pulumi/pulumi");
          let message = "";
          try { await pulumi.runtime.serializeFunction(handler); } catch (e) { message = e.message.split("\\n")[0]; }
          const ok = await pulumi.runtime.serializeFunction(() => 42);
          console.log(JSON.stringify({ real, message, ok: ok.text.includes("42") }));
        });
      `)]);
      expect(JSON.parse(out)).toEqual({ real: false, message: "Error serializing function 'handler': early.js(3,33)", ok: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves source-map-support out of labctl's runner unless LABS_DEBUG=1", () => {
    const load = (env: Record<string, string>) =>
      JSON.parse(node(["-e", runnerScript(env, `
        const before = Error.prepareStackTrace;
        const m = runner.require("source-map-support/register");
        const loaded = Object.keys(require.cache).some((k) => /[\\\\/]source-map-support[\\\\/]/.test(k));
        console.log(JSON.stringify({ keys: Object.keys(m).length, loaded, installed: Error.prepareStackTrace !== before }));
      `)]));
    expect(load({})).toEqual({ keys: 0, loaded: false, installed: false });
    expect(load({ LABS_DEBUG: "1" })).toMatchObject({ loaded: true, installed: true });
  });
});
