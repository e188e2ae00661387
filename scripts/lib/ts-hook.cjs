"use strict";
/**
 * Runs the project's TypeScript in Node without ts-node, for labctl and for the Pulumi program
 * when labctl drives it (see pulumi-run.cjs). Preload it: `node -r scripts/lib/ts-hook.cjs x.ts`.
 *
 * - Each .ts file is transpiled by SWC with the options ts-node's "swc" mode derives from this
 *   project's tsconfig.json (CommonJS, ES2022, esModuleInterop; no type check: `npm run typecheck`
 *   does that). The JavaScript is cached under .labs/cache/ts by the source's SHA-256, so a warm
 *   start loads neither the TypeScript compiler (0.25 s with ts-node) nor SWC. The cache keeps one
 *   entry per source file: writing a file's new version removes its older ones.
 * - @pulumi/pulumi loads its closure serializer's dependencies (@npmcli/arborist, TypeScript) when
 *   the SDK is first required; labctl and this program never serialize a closure, so those two
 *   modules are loaded on first use instead (0.15-0.3 s per process). Its index loads the
 *   Automation API too, which the program never uses (0.1 s of CPU): loaded on first use as well
 *   (labctl, which uses it, imports @pulumi/pulumi/automation itself). So is zod's index of its
 *   40-odd locales (30 ms): its schemas load the English one they use on their own.
 *
 * - Every CommonJS module, the project's and its packages', is compiled with V8's code cache
 *   under .labs/cache/v8 (v8-cache.cjs): a warm start of labctl or of the program skips parsing and
 *   compiling most of its 450-650 modules. LABS_V8_CACHE=0 turns it off.
 *
 * Module file names stay the .ts sources, so __dirname is unchanged. No source maps: stack traces
 * (labctl --debug) name the right file, with lines of the transpiled code.
 */
const fs = require("fs");
const Module = require("module");
const path = require("path");
const cacheEntry = require("./cache-entry.cjs");
const { sha256 } = cacheEntry;

const ROOT = path.resolve(__dirname, "..", "..");
/** Where transpiled files are kept (the checkout's .labs, ignored by git). */
const CACHE_DIR = path.join(ROOT, ".labs", "cache", "ts");
/** Where V8's code cache of every loaded module is kept. */
const V8_CACHE_DIR = path.join(ROOT, ".labs", "cache", "v8");
/** The cache's counts of this process; undefined with LABS_V8_CACHE=0 (every module compiled by Node as usual). */
const v8Cache = process.env.LABS_V8_CACHE === "0" ? undefined : require("./v8-cache.cjs").installV8Cache(V8_CACHE_DIR);

/** SWC options equal to ts-node's for this tsconfig.json (test/ts-hook.test.ts checks both). */
const SWC_OPTIONS = {
  swcrc: false,
  sourceMaps: false,
  module: { type: "commonjs", noInterop: false, strictMode: true, ignoreDynamic: false },
  jsc: {
    parser: { syntax: "typescript", tsx: false, decorators: false, dynamicImport: true },
    target: "es2022",
    transform: { useDefineForClassFields: true },
    keepClassNames: true,
  },
};

let swc;
/** The SWC version and options, part of every cache key: a new SWC or new options miss. */
let optionsKey;
/** The cache directory of one source file: it holds the JavaScript of that file's latest version. */
function entryDir(filename) {
  return cacheEntry.entryDir(CACHE_DIR, filename);
}

/** The JavaScript of one TypeScript source, from the cache or from SWC. */
function transpile(source, filename) {
  optionsKey ??= `${require("@swc/core/package.json").version}\n${JSON.stringify(SWC_OPTIONS)}`;
  const dir = entryDir(filename);
  const name = `${sha256(optionsKey, source)}.js`;
  try {
    return fs.readFileSync(path.join(dir, name), "utf8");
  } catch {
    swc ??= require("@swc/core");
    const { code } = swc.transformSync(source, { ...SWC_OPTIONS, filename });
    // Replaces this file's older versions; a read-only checkout still runs, transpiling every time.
    cacheEntry.writeEntry(dir, name, () => code);
    return code;
  }
}

Module._extensions[".ts"] = function loadTs(module, filename) {
  if (filename.split(path.sep).includes("node_modules")) throw new Error(`${filename}: TypeScript inside node_modules is not loaded by ${__filename}`);
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};

/** Modules @pulumi/pulumi and zod load at once that are loaded on first use instead, by the requiring file. */
const DEFERRED = [
  { request: "./automation", from: /[\\/]@pulumi[\\/]pulumi[\\/]index\.js$/ },
  // zod's index of every locale (English, the one used, is loaded on its own by the schemas).
  { request: "../locales/index.cjs", from: /[\\/]zod[\\/]v4[\\/](core[\\/]index|classic[\\/]external)\.cjs$/ },
  { request: "@npmcli/arborist", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]codePaths\.js$/ },
  // A function module (its user calls `default(...)` through __importDefault): a callable stand-in.
  { request: "normalize-package-data", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]codePaths\.js$/, callable: true },
  { request: "../../typescript-shim", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]parseFunction\.js$/ },
  // The Automation API's Stack loads gRPC, the SDK's runtime and log, its inline-program server and
  // their protobufs (0.2 s) for `up`/`preview`/`destroy` through its own event server; labctl runs the
  // CLI itself (lab-workloads/access/stack-run.ts) and uses only the workspace and stack objects.
  ...["@grpc/grpc-js", "../log", "./server", "../runtime", "google-protobuf/google/protobuf/empty_pb", "../proto/events_grpc_pb", "../proto/language_grpc_pb"].map((request) => ({
    request,
    from: /[\\/]@pulumi[\\/]pulumi[\\/]automation[\\/]stack\.js$/,
  })),
];

const load = Module._load;
Module._load = function deferringLoad(request, parent, isMain) {
  const deferred = parent && DEFERRED.find((d) => d.request === request && d.from.test(parent.filename ?? ""));
  if (!deferred) return load.apply(this, arguments);
  let real;
  const target = () => (real ??= load.call(this, request, parent, isMain));
  // `__esModule` answers without loading: true for an object module, so TypeScript's __importStar keeps
  // this object as is; undefined for a function module, which __importDefault then wraps and calls.
  return new Proxy(
    deferred.callable ? () => undefined : {},
    {
      get: (_, key) => (key === "__esModule" ? !deferred.callable || undefined : Reflect.get(target(), key)),
      apply: (_, self, args) => Reflect.apply(target(), self, args),
      has: (_, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(target(), key);
        return d && { ...d, configurable: true };
      },
    },
  );
};

/** OpenTelemetry's SDK, which @pulumi/pulumi's runner loads to start tracing when it is given --tracing. */
const TRACING_SDK = ["@opentelemetry/resources", "@opentelemetry/sdk-trace-base", "@opentelemetry/exporter-zipkin", "@opentelemetry/instrumentation-grpc", "@opentelemetry/sdk-trace-node", "@opentelemetry/instrumentation"];
const RUNNER_TRACING = /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]run[\\/]tracing\.js$/;

/**
 * For a program run without `--tracing` (`argv`: the runner's arguments): the runner's tracing file
 * loads OpenTelemetry's SDK (0.12 s) though it starts it only with that flag, and only spans of the
 * API (loaded as usual) are made otherwise. That file gets stand-ins, which throw if ever used.
 */
function standInTracingSdk(argv) {
  if (argv.some((a) => a === "--tracing" || a.startsWith("--tracing="))) return;
  const standIn = (name) =>
    new Proxy({}, {
      get: (_, key) =>
        function unavailable() {
          throw new Error(`${name}.${String(key)}: OpenTelemetry's SDK is not loaded in a run without --tracing (scripts/lib/ts-hook.cjs)`);
        },
    });
  const previous = Module._load;
  Module._load = function tracingStandIns(request, parent) {
    if (TRACING_SDK.includes(request) && RUNNER_TRACING.test(parent?.filename ?? "")) return standIn(request);
    return previous.apply(this, arguments);
  };
}

/** The SDK's program runner (@pulumi/pulumi/cmd/run/index.js). */
const RUNNER_INDEX = /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]run[\\/]index\.js$/;
/** The SDK's files that load its V8 hooks: the program's runner, and the closure serializer that uses them. */
const V8_HOOKS_USERS = [
  { request: "../../runtime/closure/v8Hooks", from: RUNNER_INDEX },
  { request: "./v8Hooks", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]v8\.js$/ },
];

/**
 * The SDK's V8 hooks (runtime/closure/v8Hooks.js), opened on first use. The SDK's own open an
 * inspector session with the debugger on before the program loads, so that the closure serializer
 * can name the file of a function it cannot serialize; from then on V8 reports every script it
 * compiles to that session, which costs the program's start 0.2 s. Here the session opens when the
 * serializer first asks for it: its listener is in place before `Debugger.enable`, which reports
 * every script already compiled, so no file name is lost.
 */
function lazyV8Hooks() {
  const urls = new Map();
  let session;
  const getSessionAsync = () =>
    (session ??= new Promise((resolve, reject) => {
      const s = new (require("inspector").Session)();
      s.connect();
      s.on("Debugger.scriptParsed", (e) => urls.set(e.params.scriptId, e.params.url));
      s.post("Debugger.enable", (err) => (err ? reject(err) : resolve(s)));
    }));
  return {
    getSessionAsync,
    // The runner waits for this before the program: nothing to wait for until a closure is serialized.
    isInitializedAsync: async () => undefined,
    getScriptUrl: (id) => urls.get(id),
  };
}

/**
 * For the program run by labctl (pulumi-run.cjs): the SDK's V8 hooks on first use (see
 * lazyV8Hooks), and, unless LABS_DEBUG=1, no source-map-support: the program takes no stack
 * traces (stacks/stack-traces.ts), and those the runner takes before it loads were mapped through
 * the SDK's source maps (0.08 s).
 */
function lightRunner(env = process.env) {
  const hooks = lazyV8Hooks();
  const debug = env.LABS_DEBUG === "1";
  const previous = Module._load;
  Module._load = function lightRunnerLoad(request, parent) {
    const from = parent?.filename ?? "";
    if (V8_HOOKS_USERS.some((u) => u.request === request && u.from.test(from))) return hooks;
    if (!debug && request === "source-map-support/register" && RUNNER_INDEX.test(from)) return {};
    return previous.apply(this, arguments);
  };
}

module.exports = { transpile, entryDir, standInTracingSdk, lightRunner, SWC_OPTIONS, CACHE_DIR, V8_CACHE_DIR, v8Cache };
