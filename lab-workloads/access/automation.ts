import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { LocalWorkspace, PulumiCommand, Stack, StackAlreadyExistsError } from "@pulumi/pulumi/automation";
import { ModuleId } from "../../components/lab/modules";
import { Target } from "../../components/config/schema";
import { SemVer } from "semver";
import { EXIT, UserError } from "./errors";
import { SECRET_SEED_KEY } from "../../components/core/names";
import { CliError, runCli } from "./stack-run";
import { processRunning, withStackOpenLock } from "./stack-open-lock";
import { labConfigEntries, projectSettings, stackConfigFile, stackConfigHas, stackConfigHolds, stackEncryptionSalt, writeStackSettings } from "./stack-settings";
import { createStackSettings, freshStackKey } from "./stack-secrets";
import { labsDir, passphrase, PROJECT_ROOT, stackName, toolchainHome } from "./checkout";
import { pulumiCommandAt } from "./cli-version";
import { initStackState } from "./stack-init";

export { labsDir, passphrase, PROJECT_ROOT, stackName, toolchainHome } from "./checkout";

/**
 * Environment for offline Pulumi runs with local state: file backend in
 * `.labs/state`, the passphrase, no update checks, no plugin downloads, and
 * the project's toolchain on PATH when it was built.
 */
export function pulumiEnv(root = PROJECT_ROOT): Record<string, string> {
  const stateDir = path.join(labsDir(root), "state");
  fs.mkdirSync(stateDir, { recursive: true });
  const bin = path.join(toolchainHome(), "bin");
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase(root),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
  // The program starts without ts-node and without @pulumi/pulumi's closure serializer (scripts/lib/pulumi-run.cjs).
  const run = path.join(root, "scripts", "lib", "pulumi-run.cjs");
  if (fs.existsSync(run)) env["PULUMI_LANGUAGE_NODEJS_RUN_PATH"] = run;
  if (fs.existsSync(path.join(bin, "pulumi"))) {
    env["PATH"] = `${bin}${path.delimiter}${process.env["PATH"] ?? ""}`;
    env["PULUMI_HOME"] = process.env["PULUMI_HOME"] ?? path.join(toolchainHome(), "pulumi-home");
  }
  return env;
}

/** Options of {@link openLabStack}. */
export interface LabStackOptions {
  readonly module: ModuleId;
  readonly target: Target;
  /** More `lab:*` settings (objects are stored as JSON). @default {} */
  readonly config?: Readonly<Record<string, unknown>>;
  /** @default `<target>-m<module>` */
  readonly stackName?: string;
  /** @default the repository root */
  readonly root?: string;
}

/** Whether get.pulumi.com answers (the Automation API installs the CLI from there). */
export async function pulumiDownloadsReachable(timeoutMs = 5000): Promise<boolean> {
  try {
    const res = await fetch("https://get.pulumi.com/", { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
    return res.status < 500;
  } catch {
    return false;
  }
}

/** The @pulumi/pulumi version this checkout locks, which the installed CLI should match. */
function lockedPulumiVersion(): string {
  return (require("@pulumi/pulumi/package.json") as { version: string }).version;
}

/**
 * The Pulumi CLI: the project's toolchain build when present, else the one
 * on PATH, else, when the machine is online, one installed by the Automation
 * API into `~/.pulumi-labs` (once); offline, a one-line pointer to the
 * project's offline build.
 */
export async function pulumiCommand(deps: { online?: () => Promise<boolean>; log?: (l: string) => void } = {}): Promise<PulumiCommand> {
  // Found once per process: a lookup may run `pulumi version`.
  if (Object.keys(deps).length === 0) return (foundCommand ??= findPulumiCommand(deps).catch((err: unknown) => {
    foundCommand = undefined;
    throw err;
  }));
  return findPulumiCommand(deps);
}

let foundCommand: Promise<PulumiCommand> | undefined;

/**
 * Starts looking up the toolchain's Pulumi CLI (a `pulumi version` run, unless remembered) so
 * that it overlaps other work; does nothing when the toolchain has none (the
 * other ways may install one, which should not start before a check passes).
 */
export function prewarmPulumiCommand(): void {
  if (fs.existsSync(path.join(toolchainHome(), "bin", "pulumi"))) pulumiCommand().catch(() => undefined);
}

async function findPulumiCommand(deps: { online?: () => Promise<boolean>; log?: (l: string) => void }): Promise<PulumiCommand> {
  const bin = path.join(toolchainHome(), "bin");
  if (fs.existsSync(path.join(bin, "pulumi"))) return pulumiCommandAt(toolchainHome(), path.join(labsDir(), "cache", "pulumi-version.json"));
  try {
    return await PulumiCommand.get({ skipVersionCheck: true });
  } catch {
    /* not on PATH */
  }
  const root = path.join(process.env["HOME"] ?? "/tmp", ".pulumi-labs");
  const version = lockedPulumiVersion();
  if (fs.existsSync(path.join(root, "bin", "pulumi"))) return PulumiCommand.get({ root, skipVersionCheck: true });
  if (!(await (deps.online ?? pulumiDownloadsReachable)())) {
    throw new UserError("the Pulumi CLI is not installed and get.pulumi.com cannot be reached: run `npm run toolchain` (builds it offline from the Go module proxy)", EXIT.environment);
  }
  (deps.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`Installing the Pulumi CLI v${version} into ${root} (once)...`);
  try {
    return await PulumiCommand.install({ root, version: new SemVer(version) });
  } catch (err) {
    throw new UserError(`installing the Pulumi CLI failed (${(err as Error).message.split("\n")[0]}): run \`npm run toolchain\` or install it from pulumi.com`, EXIT.environment);
  }
}

/** The workspace of this checkout (local state), for listing stacks. */
export async function labWorkspace(root = PROJECT_ROOT): Promise<LocalWorkspace> {
  return LocalWorkspace.create({ workDir: root, envVars: pulumiEnv(root), pulumiCommand: await pulumiCommand() });
}

/**
 * Removes locks of `stack` left by a labctl or pulumi process of this machine
 * that is no longer running (an interrupted run), so the next command is not
 * refused; a lock held by a live process stays. Returns the pids it cleared.
 */
export function clearStaleLocks(stack: string, root = PROJECT_ROOT): number[] {
  const dir = stackLockDir(stack, root);
  const cleared: number[] = [];
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith(".json")) : []) {
    try {
      const lock = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { pid: number; hostname: string };
      if (lock.hostname !== os.hostname() || processRunning(lock.pid)) continue;
      fs.unlinkSync(path.join(dir, f));
      cleared.push(lock.pid);
    } catch {
      /* unreadable lock: leave it to pulumi */
    }
  }
  return cleared;
}

/**
 * Whether a run holds `stack`'s lock now: a lock {@link clearStaleLocks}
 * keeps (a live process's on this machine, or another machine's).
 */
export function stackLocked(stack: string, root = PROJECT_ROOT): boolean {
  const dir = stackLockDir(stack, root);
  return fs.existsSync(dir) && fs.readdirSync(dir).some((n) => n.endsWith(".json"));
}

function stackLockDir(stack: string, root: string): string {
  return path.join(labsDir(root), "state", ".pulumi", "locks", "organization", projectSettings(root).name ?? "", stack);
}

/** Selects (or creates) the local stack of a module's lab and sets its config. */
export async function openLabStack(opts: LabStackOptions): Promise<Stack> {
  const root = opts.root ?? PROJECT_ROOT;
  const envVars = pulumiEnv(root);
  const name = opts.stackName ?? stackName(opts.module, opts.target);
  for (const pid of clearStaleLocks(name, root)) process.stderr.write(`note: removed a lock on ${name} left by an interrupted run (pid ${pid}, no longer running)\n`);
  // Creating the stack, its seed and its settings is serialized between labctl processes of this checkout.
  return withStackOpenLock(path.join(labsDir(root), "locks"), name, async () => {
    const fresh = !stackStateExists(name, root);
    const entries = labConfigEntries({ module: String(opts.module), target: opts.target, ...opts.config });
    // A new stack's settings file is written before `stack init`, which keeps its salt: its seed is then
    // encrypted here with a key derived meanwhile (see prewarmStackKey), not by one more CLI run.
    const passphrase = envVars["PULUMI_CONFIG_PASSPHRASE"];
    const settingsFile = stackConfigFile(name, root);
    const created = fresh && passphrase !== undefined && !fs.existsSync(settingsFile) &&
      createStackSettings(name, root, await freshStackKey(root, name, passphrase), entries, { [`lab:${SECRET_SEED_KEY}`]: newSecretSeed() });
    // A new stack's empty state is written here when the settings hold its salt (see initStackState);
    // otherwise it is created at once (`stack init`), without first failing to select it.
    const salt = fresh ? stackEncryptionSalt(name, root) : undefined;
    const cliVersion = (await pulumiCommand()).version?.toString();
    const project = projectSettings(root).name;
    const initialized = !!project && salt !== undefined && cliVersion !== undefined && initStackState(path.join(labsDir(root), "state"), project, name, cliVersion, salt);
    const ws = await stackWorkspace(root, envVars, !fresh || initialized);
    const stack = fresh && !initialized
      ? await Stack.create(name, ws).catch((err: unknown) => {
          if (!(err instanceof StackAlreadyExistsError)) throw err;
          // A stack kept elsewhere: its own salt and seed are in its state, not in the file just written.
          // Unless this checkout's stack was just made by another run, with the salt of this very file.
          if (created && !stackStateExists(name, root)) fs.rmSync(settingsFile, { force: true });
          return Stack.select(name, ws);
        })
      : await Stack.select(name, ws);
    await setSecretSeed(stack, root);
    // Plain-text settings go straight into the stack's settings file (`config set-all` would be one
    // more CLI run); a stack that already holds them is left as it is; the CLI writes them only when the file cannot be.
    if (!stackConfigHolds(name, entries, root) && !writeStackSettings(name, entries, root)) await stack.setAllConfig(entries);
    return stack;
  });
}

/** A new `lab:secretSeed`: 32 random bytes, base64. */
function newSecretSeed(): string {
  return crypto.randomBytes(32).toString("base64");
}

/**
 * Gives a stack without resources its `lab:secretSeed`: 32 random bytes,
 * stored encrypted (`config set --secret`, the value on its standard input,
 * never on a command line). The labs' credentials are derived from it, so no
 * dynamic provider runs (0.7 s of every `up`). A stack whose settings hold a
 * seed keeps it. A stack that has resources but no seed (one of an earlier
 * labctl) is left as it is: its labs keep their generated secrets. A stack
 * whose state cannot be read this way is left as it is too.
 */
export async function setSecretSeed(stack: Stack, root = PROJECT_ROOT): Promise<void> {
  const key = `lab:${SECRET_SEED_KEY}`;
  const stateDir = stackStateDir(stack, root);
  if (stackConfigHas(stack.name, key, root) || !stateDir || stateFileResources(stack.name, root, stateDir)?.length !== 0) return;
  await runCli(stack.workspace as LocalWorkspace, ["config", "set", "--secret", key, "--stack", stack.name], newSecretSeed()).catch((err: unknown) => {
    if (!(err instanceof CliError)) throw err;
    throw new Error(`pulumi config set --secret ${key} failed (exit ${err.code}): ${err.stderr.trim().split("\n").pop() ?? ""}`);
  });
}

/** Whether `err` is the CLI's refusal to select a stack that does not exist. */
export function isNoSuchStack(err: unknown): boolean {
  return /no stack named/.test(String((err as Error)?.message));
}

/** Selects an existing stack of this checkout as it is (its config untouched); see {@link isNoSuchStack}. */
export async function selectLabStack(name: string, root = PROJECT_ROOT): Promise<Stack> {
  for (const pid of clearStaleLocks(name, root)) process.stderr.write(`note: removed a lock on ${name} left by an interrupted run (pid ${pid}, no longer running)\n`);
  return Stack.select(name, await stackWorkspace(root, pulumiEnv(root), stackStateExists(name, root)));
}

/**
 * The local state folder of a stack's workspace: its `file://` backend
 * (this checkout's `.labs/state`, or another one such as the benchmark's);
 * undefined for a backend that is not a folder.
 */
export function stackStateDir(stack: Stack, root = PROJECT_ROOT): string | undefined {
  const url = (stack.workspace as LocalWorkspace).envVars?.["PULUMI_BACKEND_URL"];
  if (url === undefined) return path.join(labsDir(root), "state");
  return url.startsWith("file://") ? url.slice("file://".length) : undefined;
}

/**
 * The state file of stack `name` (the file `stack init` writes, gzipped or
 * not) in the local state folder `stateDir`, if there is one.
 */
export function stackStateFile(name: string, root = PROJECT_ROOT, stateDir = path.join(labsDir(root), "state")): string | undefined {
  return stackStateFiles(name, root, stateDir)[0];
}

/**
 * Every state file of stack `name` in `stateDir` (`.json`, `.json.gz`,
 * `.json.zst`): the CLI reads the newest when there are several, so a
 * reader of its own takes the file only when it is the one.
 */
function stackStateFiles(name: string, root: string, stateDir: string): string[] {
  const dir = path.join(stateDir, ".pulumi", "stacks", projectSettings(root).name ?? "");
  return [`${name}.json`, `${name}.json.gz`, `${name}.json.zst`].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
}

/** A resource of a stack's state, as `pulumi stack export` and the state file list it. */
export interface StateResource {
  readonly urn?: string;
  readonly type: string;
  readonly id?: string;
  /** Its outputs; secret values stay encrypted here. */
  readonly outputs?: Record<string, unknown>;
}

/**
 * The resources of a stack, read without a CLI run from its state file in
 * `stateDir` (by default this checkout's local state): a version 3
 * checkpoint, as the local file backend writes it, gzipped or not. Undefined when there is no such file or it is not
 * a checkpoint read this way: the caller then asks the CLI.
 */
export function stateFileResources(name: string, root = PROJECT_ROOT, stateDir?: string): StateResource[] | undefined {
  return stateFileLatest(name, root, stateDir)?.resources;
}

/**
 * The latest deployment of a stack's state file (see {@link
 * stateFileResources}): its resources and, for passphrase secrets, the salt
 * its secret values are encrypted with.
 */
export function stateFileLatest(name: string, root = PROJECT_ROOT, stateDir?: string): { resources: StateResource[]; passphraseSalt?: string } | undefined {
  const files = stackStateFiles(name, root, stateDir ?? path.join(labsDir(root), "state"));
  const file = files[0];
  // Several files (a compression change the CLI could not clean up) or a zstd one: the CLI knows which is current.
  if (!file || files.length > 1 || file.endsWith(".zst")) return undefined;
  try {
    const bytes = fs.readFileSync(file);
    const doc = JSON.parse((file.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("utf8")) as {
      version?: number;
      checkpoint?: { latest?: { resources?: unknown; secrets_providers?: { type?: string; state?: { salt?: unknown } } } | null };
    };
    if (doc.version !== 3 || !doc.checkpoint) return undefined;
    const latest = doc.checkpoint.latest;
    const resources = latest?.resources ?? [];
    if (!Array.isArray(resources) || !resources.every((r) => typeof (r as StateResource)?.type === "string")) return undefined;
    const secrets = latest?.secrets_providers;
    const salt = secrets?.type === "passphrase" && typeof secrets.state?.salt === "string" ? secrets.state.salt : undefined;
    return { resources: resources as StateResource[], ...(salt ? { passphraseSalt: salt } : {}) };
  } catch {
    return undefined;
  }
}

/** Whether this checkout's local state holds stack `name`. */
export function stackStateExists(name: string, root = PROJECT_ROOT): boolean {
  return stackStateFile(name, root) !== undefined;
}

/**
 * The workspace of a stack. Every command labctl runs names its stack
 * (`--stack`), so selecting it first (`pulumi stack select`, a 0.2 s CLI run
 * that only records a current stack nothing here reads) is skipped when the
 * stack's state file exists (`stateExists`); the CLI still refuses a command on a stack it
 * cannot read. Without the file, the stack is selected or created as usual.
 */
async function stackWorkspace(root: string, envVars: Record<string, string>, stateExists: boolean): Promise<LocalWorkspace> {
  const ws = await LocalWorkspace.create({ workDir: root, envVars, pulumiCommand: await pulumiCommand() });
  if (stateExists) ws.selectStack = async () => undefined;
  return ws;
}
