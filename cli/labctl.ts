#!/usr/bin/env node
/**
 * labctl: stand up, check and tear down course labs without knowing Pulumi.
 *
 *   labctl up <module> [--target docker|kubernetes] [--context NAME] [--json]
 *   labctl status [--deep] [--json] [--secrets]
 *   labctl reset <module> [--notebooks] [--target docker|kubernetes] [--json]
 *   labctl down [<module>] [--target docker|kubernetes] [--json]
 *   labctl fault <module> <what> [--recover] [--target docker|kubernetes]
 *
 * Errors are one line; --debug adds the stack trace.
 */
import { parseArgs } from "util";
import { isLabConfigError } from "../components/core/errors";
import type { Io } from "./commands/shared";
import { EXIT, UserError } from "../lab-workloads/access/errors";
import { resolveModule, resolveTarget } from "./command-args";

// Each command's module is loaded when it runs: a command pays only for the
// libraries it uses (Pulumi's SDKs, the Kubernetes client, the AWS SDK take
// seconds to load together), so `status` and `--help` answer quickly.
const commands = {
  up: () => import("./commands/up"),
  down: () => import("./commands/down"),
  preflight: () => import("./commands/preflight"),
  check: () => import("./commands/check"),
  connect: () => import("./commands/connect"),
  reset: () => import("./commands/reset"),
  status: () => import("./commands/status"),
  images: () => import("./commands/images-cli"),
  class: () => import("./commands/class-cli"),
  fault: () => import("./commands/fault"),
};

/** The stacks of this checkout's single labs. */
async function labStacks() {
  const [{ labStacks: list }, { labWorkspace }] = await Promise.all([commands.down(), import("../lab-workloads/access/automation")]);
  return list(await labWorkspace());
}

const USAGE = `usage: labctl <command> [options]
  up <module> [--target docker|kubernetes] [--context NAME] [--json]   stand up a module's lab (1-5 or foundations|spark|ml|streaming|storage)
  preflight <module> [--target ...] [--context NAME] [--json]          go / no-go: the module's memory and CPU against what Docker or the cluster can give (Docker: and its host ports)
  check <module> [--solution FILE|DIR]... [--seed N] [--json]           run the module's jobs (your files in place of the reference ones) and check the outputs
  status [--deep] [--json] [--secrets]                                  health (readiness; --deep runs each service's probe), endpoints and UIs of every lab
  reset <module> [--notebooks] [--json]                                 back to the module's start: drop its outputs, topics, checkpoints; re-seed its data
                                                                        (--notebooks: put the starter notebooks back instead, keeping your copies as *.orig-<time>.ipynb)
  down [<module>] [--target docker|kubernetes] [--json]                 destroy a lab (all labs without a module) and verify nothing is left
  fault <module> <what> [--recover] [--target ...]                     kill a spark-worker, kafka, datanode, dask-worker or minio and see what happens; --recover brings it back
  connect --kubeconfig FILE [--port-base N] [--json]                    a student's way in: JupyterLab (with token) and UIs forwarded to 127.0.0.1
  class up|status|check|reset|handout|connect|sleep|wake|down|preflight  a class: one isolated lab per student (labctl class --help)
  images <module> | push --registry HOST[/PREFIX] [--module N] | save --module N --out FILE | load FILE [--kind CLUSTER]
                                                                        list a module's images; push them to a registry; save/load them as one tar (labctl images --help)`;

const io: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

export async function main(argv: string[]): Promise<number> {
  // `images` has subcommands with their own options (cli/commands/images-cli.ts).
  const first = argv.findIndex((a) => !a.startsWith("-"));
  if (argv[first] === "images") return (await commands.images()).imagesCommand([...argv.slice(0, first), ...argv.slice(first + 1)], io);
  // `class` too: a class's verbs (cli/commands/class-cli.ts).
  if (argv[first] === "class") return (await commands.class()).classCommand([...argv.slice(0, first), ...argv.slice(first + 1)], io);
  // `fault` takes a second positional (what to break) and --recover (cli/commands/fault.ts).
  if (argv[first] === "fault") return (await commands.fault()).faultCommand([...argv.slice(0, first), ...argv.slice(first + 1)], io);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      target: { type: "string" },
      context: { type: "string" },
      json: { type: "boolean", default: false },
      secrets: { type: "boolean", default: false },
      deep: { type: "boolean", default: false },
      solution: { type: "string", multiple: true },
      seed: { type: "string", default: "42" },
      kubeconfig: { type: "string" },
      namespace: { type: "string" },
      "port-base": { type: "string" },
      notebooks: { type: "boolean", default: false },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, moduleArg, ...rest] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  if (rest.length > 0) throw new UserError(`unexpected argument "${rest[0]}"; see labctl --help`);
  const target = resolveTarget(values.target);
  switch (command) {
    case "up": {
      const module = resolveModule(moduleArg);
      // Started before the command's modules load (most of a second): the stack's passphrase key (0.25 s
      // of CPU, on another thread) and, on Docker, its capacity for the preflight.
      const [{ prewarmStackKey }, { stackName }] = await Promise.all([import("../lab-workloads/access/stack-secrets"), import("../lab-workloads/access/checkout")]);
      prewarmStackKey(stackName(module, target));
      if (target === "docker") (await import("./docker-capacity")).prewarmDockerCapacity();
      return (await commands.up()).up({ module, target, ...(values.context ? { context: values.context } : {}), json: values.json }, io);
    }
    case "down":
      return (await commands.down()).down({ ...(moduleArg ? { module: resolveModule(moduleArg) } : {}), target, json: values.json }, io, labStacks);
    case "preflight": {
      const r = await (await commands.preflight()).preflight({ module: resolveModule(moduleArg), target, ...(values.context ? { context: values.context } : {}), json: values.json, ports: true }, io);
      return r.go ? EXIT.ok : EXIT.environment;
    }
    case "check": {
      const seed = Number(values.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed ${values.seed}: use a whole number`);
      return (await commands.check()).checkLab({ module: resolveModule(moduleArg), target, seed, json: values.json, ...(values.solution ? { solutions: values.solution } : {}) }, io);
    }
    case "connect": {
      if (!values.kubeconfig) throw new UserError("connect needs --kubeconfig FILE (the kubeconfig from your lab handout)");
      const portBase = values["port-base"] === undefined ? undefined : Number(values["port-base"]);
      if (portBase !== undefined && !(Number.isInteger(portBase) && portBase >= 1024 && portBase <= 65000)) throw new UserError(`--port-base ${values["port-base"]}: use a port from 1024 to 65000`);
      return (await commands.connect()).connect(
        { kubeconfig: values.kubeconfig, json: values.json, ...(values.context ? { context: values.context } : {}), ...(values.namespace ? { namespace: values.namespace } : {}), ...(portBase ? { portBase } : {}) },
        io,
      );
    }
    case "reset":
      return (await commands.reset()).reset({ module: resolveModule(moduleArg), target, json: values.json, notebooks: values.notebooks }, io);
    case "status":
      return (await commands.status()).status({ json: values.json, secrets: values.secrets, deep: values.deep }, io, await labStacks());
    case "images":
      return (await commands.images()).imagesCommand(argv.slice(argv.indexOf("images") + 1), io);
    default:
      throw new UserError(`unknown command "${command}"; use up, preflight, check, status, reset, down, fault, connect, class or images (labctl --help)`);
  }
}

if (require.main === module) {
  const debug = process.argv.includes("--debug");
  main(process.argv.slice(2))
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      if (debug) io.err((err as Error)?.stack ?? String(err));
      if (err instanceof UserError) {
        io.err(`labctl: ${err.message}`);
        process.exitCode = err.exitCode;
      } else if (isLabConfigError(err)) {
        io.err(`labctl: ${err.message}`);
        process.exitCode = EXIT.usage;
      } else if ((err as { code?: string })?.code?.startsWith("ERR_PARSE_ARGS")) {
        io.err(`labctl: ${(err as Error).message.split("\n").join(" ")}; see labctl --help`);
        process.exitCode = EXIT.usage;
      } else {
        io.err(`labctl: unexpected error: ${String((err as Error)?.message ?? err).split("\n")[0]} (run again with --debug for details)`);
        process.exitCode = EXIT.failed;
      }
    });
}
