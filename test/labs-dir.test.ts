import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { labsDir, PROJECT_ROOT } from "../lab-workloads/access/automation";

/** A checkout with `.labs` folders holding the given stack files. */
function checkout(folders: Record<string, string[]>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "labs-dir-"));
  for (const [dir, files] of Object.entries(folders)) {
    const stacks = path.join(root, dir, "state", ".pulumi", "stacks", "bigdata-labs");
    fs.mkdirSync(stacks, { recursive: true });
    fs.writeFileSync(path.join(root, dir, "passphrase"), `${dir}\n`);
    for (const f of files) fs.writeFileSync(path.join(stacks, f), "{}");
  }
  return root;
}
const stacksIn = (root: string, dir: string) => fs.readdirSync(path.join(root, dir, "state", ".pulumi", "stacks", "bigdata-labs")).sort();

describe("where labs keep their state", () => {
  it("is the repository root's .labs (Pulumi.yaml's folder), not a source folder", () => {
    expect(fs.existsSync(path.join(PROJECT_ROOT, "Pulumi.yaml"))).toBe(true);
    expect(labsDir()).toBe(path.join(PROJECT_ROOT, ".labs"));
  });

  it("moves labs a release kept in lab-workloads/.labs back once, when .labs holds no stack", () => {
    const root = checkout({ ".labs": ["docker-m1.json.bak"], "lab-workloads/.labs": ["docker-m2.json", "docker-m2.json.attrs"] });
    expect(labsDir(root)).toBe(path.join(root, ".labs"));
    expect(stacksIn(root, ".labs")).toEqual(["docker-m2.json", "docker-m2.json.attrs"]);
    expect(fs.readFileSync(path.join(root, ".labs", "passphrase"), "utf8")).toBe("lab-workloads/.labs\n");
    expect(fs.existsSync(path.join(root, "lab-workloads", ".labs"))).toBe(false);
    // The earlier folder is kept aside, not deleted.
    const aside = fs.readdirSync(root).filter((n) => n.startsWith(".labs-replaced-"));
    expect(aside).toHaveLength(1);
    expect(stacksIn(root, aside[0]!)).toEqual(["docker-m1.json.bak"]);
  });

  it("leaves both alone when .labs has stacks of its own", () => {
    const root = checkout({ ".labs": ["docker-m1.json"], "lab-workloads/.labs": ["docker-m2.json"] });
    expect(labsDir(root)).toBe(path.join(root, ".labs"));
    expect(stacksIn(root, ".labs")).toEqual(["docker-m1.json"]);
    expect(stacksIn(root, "lab-workloads/.labs")).toEqual(["docker-m2.json"]);
  });
});
