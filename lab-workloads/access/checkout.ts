/**
 * This checkout's own places and names, without the Pulumi SDK: labctl
 * starts deriving the stack's passphrase key from these before it loads
 * the rest of a command (see prewarmStackKey).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Target } from "../../components/config/schema";
import type { ModuleId } from "../../components/lab/modules";

/** The repository root (where Pulumi.yaml is). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Where built toolchain binaries live (scripts/toolchain.sh). */
export function toolchainHome(): string {
  return process.env["BIGDATA_LABS_HOME"] ?? "/var/cache/bigdata-labs";
}

/** Local state of labs started from this checkout: `.labs/` (git-ignored). */
export function labsDir(root = PROJECT_ROOT): string {
  adoptMisplacedState(root);
  return path.join(root, ".labs");
}

/** Stacks (not backups) in a `.labs` folder's state. */
function liveStacks(dir: string): string[] {
  const stacks = path.join(dir, "state", ".pulumi", "stacks");
  if (!fs.existsSync(stacks)) return [];
  return fs.readdirSync(stacks, { recursive: true, encoding: "utf8" }).filter((f) => /\.json(\.gz)?$/.test(f));
}

let misplacedNoted = false;

/**
 * One release kept labs' state in `lab-workloads/.labs` (a path computed
 * one folder too shallow). Its state moves back to `.labs` once, when
 * `.labs` has no stack of its own; otherwise both are kept and a line says
 * which to look at.
 */
function adoptMisplacedState(root: string): void {
  const wrong = path.join(root, "lab-workloads", ".labs");
  const right = path.join(root, ".labs");
  if (!fs.existsSync(wrong)) return;
  if (liveStacks(right).length > 0) {
    if (!misplacedNoted && liveStacks(wrong).length > 0) process.stderr.write(`note: ${wrong} holds labs of an earlier labctl; bring them down with PULUMI_BACKEND_URL=file://${wrong}/state and its passphrase, then delete it\n`);
    misplacedNoted = true;
    return;
  }
  if (fs.existsSync(right)) fs.renameSync(right, `${right}-replaced-${Date.now()}`);
  fs.renameSync(wrong, right);
}

/** The checkout's own passphrase file (mode 0600), made by {@link passphrase} when there is none. */
export function passphraseFile(root = PROJECT_ROOT): string {
  return path.join(labsDir(root), "passphrase");
}

/**
 * The passphrase that encrypts this checkout's stack secrets: from
 * PULUMI_CONFIG_PASSPHRASE, or generated once into `.labs/passphrase`.
 */
export function passphrase(root = PROJECT_ROOT): string {
  const fromEnv = process.env["PULUMI_CONFIG_PASSPHRASE"];
  if (fromEnv !== undefined) return fromEnv;
  const file = passphraseFile(root);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(labsDir(root), { recursive: true });
    fs.writeFileSync(file, `${crypto.randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
    fs.writeFileSync(
      path.join(labsDir(root), "README.txt"),
      "This folder holds the Pulumi state of labs started from this checkout (state/), the passphrase\n" +
        "that encrypts their secrets (passphrase) and keys derived from it (passphrase-keys.json).\n" +
        "Keep it private; delete it only after `labctl down`.\n",
    );
  }
  return fs.readFileSync(file, "utf8").trim();
}

/** The stack name `labctl` and the tests use for a module on a target. */
export function stackName(module: ModuleId, target: Target): string {
  return `${target}-m${module}`;
}
