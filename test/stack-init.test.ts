import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { initStackState } from "../lab-workloads/access/stack-init";

const SALT = "v1:a+L+NML0FL8=:v1:PEa/yEFDPASpUlLZ:pzKtY/d47LvvOGHDM/H/EY7k7tN6sg==";

/** A local state folder as the CLI sets it up (`meta.yaml` given, or none). */
function stateDir(meta: string | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-init-"));
  fs.mkdirSync(path.join(dir, ".pulumi"));
  if (meta !== undefined) fs.writeFileSync(path.join(dir, ".pulumi", "meta.yaml"), meta);
  return dir;
}

describe("initStackState", () => {
  it("writes the empty checkpoint `pulumi stack init` writes: name, manifest of the CLI's version, passphrase salt", () => {
    const dir = stateDir("version: 1\n");
    try {
      expect(initStackState(dir, "bigdata-labs", "docker-m2", "3.259.0", SALT)).toBe(true);
      const file = path.join(dir, ".pulumi", "stacks", "bigdata-labs", "docker-m2.json");
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      // As the CLI v3.259.0 wrote it (its magic is the SHA-256 of its version).
      expect(doc).toEqual({
        version: 3,
        checkpoint: {
          stack: "organization/bigdata-labs/docker-m2",
          latest: {
            manifest: { time: expect.any(String), magic: "ab35920a3077459b09dd1a3f7ddc28df4e3efc81b3240013bb6906688abc684d", version: "v3.259.0" },
            secrets_providers: { type: "passphrase", state: { salt: SALT } },
            metadata: {},
          },
        },
      });
      expect(Number.isNaN(Date.parse(doc.checkpoint.latest.manifest.time))).toBe(false);
      expect(fs.readdirSync(path.dirname(file))).toEqual(["docker-m2.json"]);
      // A stack that exists, in any form, is left as it is.
      const text = fs.readFileSync(file, "utf8");
      expect(initStackState(dir, "bigdata-labs", "docker-m2", "3.260.0", "v1:x")).toBe(false);
      expect(fs.readFileSync(file, "utf8")).toBe(text);
      fs.writeFileSync(path.join(path.dirname(file), "docker-m3.json.gz"), "");
      expect(initStackState(dir, "bigdata-labs", "docker-m3", "3.259.0", SALT)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves a folder the CLI has not set up, or laid out otherwise, to `pulumi stack init`", () => {
    for (const meta of [undefined, "version: 0\n", "version: 2\n"]) {
      const dir = stateDir(meta);
      try {
        expect(initStackState(dir, "bigdata-labs", "docker-m2", "3.259.0", SALT)).toBe(false);
        expect(fs.existsSync(path.join(dir, ".pulumi", "stacks"))).toBe(false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
