/**
 * `labctl images …`: arguments and dispatch.
 *
 *   labctl images <module>                                              the module's image names
 *   labctl images push --registry HOST[:PORT][/PREFIX] [--module N] [--json]
 *   labctl images save --module N --out FILE [--registry PREFIX] [--json]
 *   labctl images load FILE [--kind CLUSTER] [--json]
 */
import { parseArgs } from "util";
import { moduleImages } from "../../components/lab/modules";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { resolveModule } from "../command-args";
import { parseImagePrefix, parseRegistryRef } from "../registry";
import { loadImages } from "./images-load";
import { pushImages, PushDeps } from "./images-push";
import { saveImages } from "./images-save";
import { DockerRunner } from "./images-shared";
import { Io } from "./shared";

export const IMAGES_USAGE = `usage:
  labctl images <module>                                                    the lab images a module uses (for npm run images -- --only)
  labctl images push --registry HOST[:PORT][/PREFIX] [--module N] [--json]  tag and push the lab images (all, or a module's) to a registry
  labctl images save --module N --out FILE [--registry PREFIX] [--json]     one tar of a module's images (gzip if FILE ends in .gz)
  labctl images load FILE [--kind CLUSTER] [--json]                         load a saved tar into Docker, or into a kind cluster's nodes`;

/** Which options each subcommand takes. */
const ALLOWED: Record<string, readonly string[]> = {
  push: ["registry", "module"],
  save: ["module", "out", "registry"],
  load: ["kind"],
};

/** The parsed `images` command line. */
export type ImagesCommand =
  | { readonly kind: "list"; readonly module: string }
  | { readonly kind: "help" }
  | { readonly kind: "push"; readonly registry: string; readonly module?: string; readonly json: boolean }
  | { readonly kind: "save"; readonly module: string; readonly out: string; readonly registry?: string; readonly json: boolean }
  | { readonly kind: "load"; readonly file: string; readonly cluster?: string; readonly json: boolean };

/** Parses the arguments after `images`; one-line UserError (exit 2) for anything off. */
export function parseImagesArgs(argv: readonly string[]): ImagesCommand {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      registry: { type: "string" },
      module: { type: "string" },
      out: { type: "string" },
      kind: { type: "string" },
      json: { type: "boolean", default: false },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [sub, ...rest] = positionals;
  if (values.help) return { kind: "help" };
  if (sub === undefined) throw new UserError("images: give a module (labctl images 2) or push, save or load (labctl images --help)");
  const given = (["registry", "module", "out", "kind"] as const).filter((k) => values[k] !== undefined);
  const allowed = ALLOWED[sub];
  if (!allowed) {
    if (rest.length > 0) throw new UserError(`unexpected argument "${rest[0]}"; see labctl images --help`);
    if (given.length > 0) throw new UserError(`--${given[0]} belongs to images push, save or load, not to images ${sub}; see labctl images --help`);
    return { kind: "list", module: sub };
  }
  const wrong = given.find((k) => !allowed.includes(k));
  if (wrong) throw new UserError(`images ${sub} takes no --${wrong}; see labctl images --help`);
  const json = values.json;
  switch (sub) {
    case "push":
      if (rest.length > 0) throw new UserError(`unexpected argument "${rest[0]}" to images push; select images with --module N`);
      if (values.registry === undefined) throw new UserError("images push needs --registry HOST[:PORT][/PREFIX] (e.g. --registry 127.0.0.1:5000/labs)");
      return { kind: "push", registry: values.registry, ...(values.module !== undefined ? { module: values.module } : {}), json };
    case "save":
      if (rest.length > 0) throw new UserError(`unexpected argument "${rest[0]}" to images save; use --out FILE`);
      if (values.module === undefined) throw new UserError("images save needs --module N (1-5): the module whose images go into the tar");
      if (values.out === undefined || values.out === "") throw new UserError("images save needs --out FILE (e.g. --out labs-m1.tar.gz)");
      return { kind: "save", module: values.module, out: values.out, ...(values.registry !== undefined ? { registry: values.registry } : {}), json };
    default: {
      const [file, extra] = rest;
      if (file === undefined) throw new UserError("images load needs the FILE made by labctl images save");
      if (extra !== undefined) throw new UserError(`unexpected argument "${extra}" to images load; give one FILE`);
      return { kind: "load", file, ...(values.kind !== undefined ? { cluster: values.kind } : {}), json };
    }
  }
}

/** Runs `labctl images …`; returns the exit code. */
export async function imagesCommand(argv: readonly string[], io: Io, deps: PushDeps & { docker?: DockerRunner } = {}): Promise<number> {
  const cmd = parseImagesArgs(argv);
  switch (cmd.kind) {
    case "help":
      io.out(IMAGES_USAGE);
      return EXIT.ok;
    case "list":
      io.out(moduleImages(resolveModule(cmd.module)).join(","));
      return EXIT.ok;
    case "push": {
      const registry = parseRegistryRef(cmd.registry);
      const module = cmd.module === undefined ? undefined : resolveModule(cmd.module);
      return pushImages({ registry, ...(module !== undefined ? { module } : {}), json: cmd.json }, io, deps);
    }
    case "save": {
      const module = resolveModule(cmd.module);
      const registry = cmd.registry === undefined ? undefined : parseImagePrefix(cmd.registry);
      return saveImages({ module, out: cmd.out, ...(registry !== undefined ? { registry } : {}), json: cmd.json }, io, deps);
    }
    case "load":
      return loadImages({ file: cmd.file, ...(cmd.cluster !== undefined ? { kind: cmd.cluster } : {}), json: cmd.json }, io, deps);
  }
}
