import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What a build-time patch did to one file of a stand-in module. */
export interface PatchRun {
  readonly code: number | null;
  readonly stderr: string;
  /** The file after the patch ran. */
  readonly text: string;
  /** Files the patch added next to it, by path relative to the module. */
  readonly added: Readonly<Record<string, string>>;
}

/** Every file under `dir`, by path relative to `root`. */
function filesUnder(root: string, dir = root): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, filesUnder(root, p));
    else out[path.relative(root, p)] = fs.readFileSync(p, "utf8");
  }
  return out;
}

/**
 * Runs a build-time patch of an upstream Go module (`tools/<script>`, whose
 * bash function `fn` takes the module's folder) on a stand-in module holding
 * only `file` (relative to the module) with `text`.
 */
export function runPatchScript(script: string, fn: string, file: string, text: string): PatchRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patch-script-"));
  try {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    const r = spawnSync("bash", ["-c", `. "${path.resolve(__dirname, "..", "..", "tools", script)}" && ${fn} "${dir}"`], { encoding: "utf8" });
    const { [file]: after, ...added } = filesUnder(dir);
    return { code: r.status, stderr: r.stderr, text: after ?? "", added };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
