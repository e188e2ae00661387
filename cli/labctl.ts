#!/usr/bin/env node
/**
 * labctl: stand up, check and tear down course labs without knowing Pulumi.
 *
 *   labctl up <module> [--target docker|kubernetes] [--context NAME] [--json]
 *   labctl status [--json] [--secrets]
 *   labctl reset <module> [--target docker|kubernetes] [--json]
 *   labctl down [<module>] [--target docker|kubernetes] [--json]
 *
 * Errors are one line; --debug adds the stack trace.
 */
import { parseArgs } from "util";
import { isLabConfigError } from "../components/core/errors";
import { labWorkspace } from "./automation";
import { down, labStacks } from "./commands/down";
import { Io } from "./commands/shared";
import { status } from "./commands/status";
import { checkLab } from "./commands/check";
import { preflight } from "./commands/preflight";
import { reset } from "./commands/reset";
import { up } from "./commands/up";
import { EXIT, UserError } from "./errors";
import { resolveModule, resolveTarget } from "./lab-args";
import { moduleImages } from "../components/lab/modules";

const USAGE = `usage: labctl <command> [options]
  up <module> [--target docker|kubernetes] [--context NAME] [--json]   stand up a module's lab (1-5 or foundations|spark|ml|streaming|storage)
  preflight <module> [--target ...] [--context NAME] [--json]          go / no-go: the module's memory and CPU against what Docker or the cluster can give
  check <module> [--solution FILE] [--seed N] [--json]                  run the module's jobs on its lab and check the outputs
  status [--json] [--secrets]                                           health, endpoints and UIs of every lab
  reset <module> [--json]                                               back to the module's start: drop its outputs, topics, checkpoints; re-seed its data
  down [<module>] [--target docker|kubernetes] [--json]                 destroy a lab (all labs without a module) and verify nothing is left
  images <module>                                                       list the lab images a module uses (for npm run images -- --only)`;

const io: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      target: { type: "string" },
      context: { type: "string" },
      json: { type: "boolean", default: false },
      secrets: { type: "boolean", default: false },
      solution: { type: "string" },
      seed: { type: "string", default: "42" },
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
    case "up":
      return up({ module: resolveModule(moduleArg), target, ...(values.context ? { context: values.context } : {}), json: values.json }, io);
    case "down":
      return down({ ...(moduleArg ? { module: resolveModule(moduleArg) } : {}), target, json: values.json }, io, async () => labStacks(await labWorkspace()));
    case "preflight": {
      const r = await preflight({ module: resolveModule(moduleArg), target, ...(values.context ? { context: values.context } : {}), json: values.json }, io);
      return r.go ? EXIT.ok : EXIT.environment;
    }
    case "check": {
      const seed = Number(values.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed ${values.seed}: use a whole number`);
      return checkLab({ module: resolveModule(moduleArg), target, seed, json: values.json, ...(values.solution ? { solution: values.solution } : {}) }, io);
    }
    case "reset":
      return reset({ module: resolveModule(moduleArg), target, json: values.json }, io);
    case "status":
      return status({ json: values.json, secrets: values.secrets }, io, await labStacks(await labWorkspace()));
    case "images":
      io.out(moduleImages(resolveModule(moduleArg)).join(","));
      return EXIT.ok;
    default:
      throw new UserError(`unknown command "${command}"; use up, preflight, check, status, reset, down or images (labctl --help)`);
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
        io.err(`labctl: ${(err as Error).message.split("\n")[0]}; see labctl --help`);
        process.exitCode = EXIT.usage;
      } else {
        io.err(`labctl: unexpected error: ${String((err as Error)?.message ?? err).split("\n")[0]} (run again with --debug for details)`);
        process.exitCode = EXIT.failed;
      }
    });
}
