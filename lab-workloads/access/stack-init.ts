import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { createFileWhole } from "./new-file";

/**
 * A new stack in a local state folder without a CLI run: the empty
 * checkpoint `pulumi stack init` writes there (0.4 s for the CLI's start and
 * its own key derivation). Checkpoint format 3: the stack's qualified name
 * and a deployment with no resources, its manifest (time, the CLI's version
 * and its "magic", the version's SHA-256) and the passphrase salt the
 * stack's settings file holds.
 *
 * Only in a folder laid out as this knows it: `.pulumi/meta.yaml` at
 * version 1 (stacks kept per project), and no state of that stack in any
 * form. The file is created whole (createFileWhole), so a stack made at the
 * same moment by another run is never overwritten. Returns false, having
 * written nothing, otherwise: the caller then runs `pulumi stack init`.
 */
export function initStackState(stateDir: string, project: string, stack: string, cliVersion: string, salt: string): boolean {
  const meta = path.join(stateDir, ".pulumi", "meta.yaml");
  let layout: string;
  try {
    layout = fs.readFileSync(meta, "utf8");
  } catch {
    return false; // a folder the CLI has not set up yet
  }
  if (!/^version: 1\s*$/.test(layout.trim())) return false;
  const dir = path.join(stateDir, ".pulumi", "stacks", project);
  const file = path.join(dir, `${stack}.json`);
  if ([file, `${file}.gz`, `${file}.zst`].some((f) => fs.existsSync(f))) return false;
  const version = cliVersion.startsWith("v") ? cliVersion : `v${cliVersion}`;
  const checkpoint = {
    version: 3,
    checkpoint: {
      stack: `organization/${project}/${stack}`,
      latest: {
        manifest: { time: new Date().toISOString(), magic: crypto.createHash("sha256").update(version).digest("hex"), version },
        secrets_providers: { type: "passphrase", state: { salt } },
        metadata: {},
      },
    },
  };
  fs.mkdirSync(dir, { recursive: true });
  return createFileWhole(file, JSON.stringify(checkpoint));
}
