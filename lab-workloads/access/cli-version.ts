/**
 * The Pulumi CLI of an installation root, its version remembered between
 * labctl runs. `PulumiCommand.get` asks the binary (`pulumi version`, 0.2 s
 * of a Go start) on every call; here the answer is kept in a small file keyed
 * by the binary's path, size, modification time and inode, so a rebuilt or
 * replaced CLI is asked again.
 */
import * as fs from "fs";
import * as path from "path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { SemVer } from "semver";

/** What is kept: the binary's identity and the version it printed. */
interface Remembered {
  readonly key: string;
  readonly version: string;
}

/** The PulumiCommand constructor the SDK keeps private: the same object `PulumiCommand.get` returns. */
const make = PulumiCommand as unknown as new (command: string, version: SemVer | null) => PulumiCommand;

function identity(command: string): string {
  const st = fs.statSync(command);
  return [command, st.size, st.mtimeMs, st.ino].join("\0");
}

/**
 * The CLI `<root>/bin/pulumi` (no version check, as labctl asks for none),
 * its version from `cacheFile` when the binary is the one recorded there,
 * else from `pulumi version`, then recorded.
 */
export async function pulumiCommandAt(root: string, cacheFile: string): Promise<PulumiCommand> {
  const command = path.resolve(path.join(root, "bin/pulumi"));
  const key = identity(command);
  try {
    const kept = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as Partial<Remembered>;
    if (kept.key === key && typeof kept.version === "string") return new make(command, new SemVer(kept.version));
  } catch {
    /* none kept, or unreadable: ask the binary */
  }
  const cmd = await PulumiCommand.get({ root, skipVersionCheck: true });
  if (cmd.version) {
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ key, version: cmd.version.format() } satisfies Remembered));
      fs.renameSync(tmp, cacheFile);
    } catch {
      /* a read-only checkout asks every time */
    }
  }
  return cmd;
}
