import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { pulumiCommandAt } from "../lab-workloads/access/cli-version";

/** An installation root whose `bin/pulumi` prints `version` and counts its runs. */
function fakeRoot(version: string): { root: string; runs: () => number; cache: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "labs-cli-"));
  fs.mkdirSync(path.join(root, "bin"));
  fs.writeFileSync(path.join(root, "bin", "pulumi"), `#!/bin/sh\necho run >> "${root}/runs"\necho ${version}\n`, { mode: 0o755 });
  const runs = () => (fs.existsSync(path.join(root, "runs")) ? fs.readFileSync(path.join(root, "runs"), "utf8").split("\n").length - 1 : 0);
  return { root, runs, cache: path.join(root, "cache", "pulumi-version.json") };
}

describe("pulumiCommandAt", () => {
  it("asks the binary once, then answers from what it kept: the same command and version PulumiCommand.get gives", async () => {
    const { root, runs, cache } = fakeRoot("v3.259.0");
    const first = await pulumiCommandAt(root, cache);
    expect(runs()).toBe(1);
    const second = await pulumiCommandAt(root, cache);
    expect(runs()).toBe(1);
    const sdk = await PulumiCommand.get({ root, skipVersionCheck: true });
    for (const c of [first, second]) {
      expect(c).toBeInstanceOf(PulumiCommand);
      expect(c.command).toBe(sdk.command);
      expect(c.version?.format()).toBe("3.259.0");
    }
  });

  it("asks again when the binary changes, and when the kept file is not one it wrote", async () => {
    const { root, runs, cache } = fakeRoot("v3.259.0");
    await pulumiCommandAt(root, cache);
    const bin = path.join(root, "bin", "pulumi");
    fs.writeFileSync(bin, fs.readFileSync(bin, "utf8").replace("v3.259.0", "v3.260.1"));
    fs.utimesSync(bin, new Date(), new Date(Date.now() + 5000));
    expect((await pulumiCommandAt(root, cache)).version?.format()).toBe("3.260.1");
    expect(runs()).toBe(2);
    fs.writeFileSync(cache, "{not json");
    expect((await pulumiCommandAt(root, cache)).version?.format()).toBe("3.260.1");
    expect(runs()).toBe(3);
    expect(JSON.parse(fs.readFileSync(cache, "utf8")).version).toBe("3.260.1");
  });
});
