import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { describe, expect, it } from "vitest";
import type { Stack } from "@pulumi/pulumi/automation";
import { stackResources, stateFileResources } from "../lab-workloads/access/stack-state";

/** A checkout whose local state holds `files` (name → contents) for project bigdata-labs. */
function checkout(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "labs-state-"));
  fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: bigdata-labs\nruntime: nodejs\n");
  const dir = path.join(root, ".labs", "state", ".pulumi", "stacks", "bigdata-labs");
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), body);
  return root;
}

const resources = [
  { urn: "urn:pulumi:docker-m2::bigdata-labs::pulumi:pulumi:Stack::bigdata-labs-docker-m2", type: "pulumi:pulumi:Stack", outputs: { labs: { "bigdata-m2": { module: 2 } } } },
  { urn: "urn:pulumi:docker-m2::bigdata-labs::docker:index/container:Container::bigdata-m2-minio", type: "docker:index/container:Container", id: "abc", outputs: { name: "bigdata-m2-minio" } },
];
const checkpoint = (r: unknown) => JSON.stringify({ version: 3, checkpoint: { stack: "organization/bigdata-labs/docker-m2", latest: { manifest: {}, resources: r } } });
/** A stack (its workspace's environment `envVars`) whose `exportStack` answers `fromCli` and counts its calls. */
const fakeStack = (name: string, fromCli: unknown[], envVars: Record<string, string> = {}) => {
  const stack = { name, workspace: { envVars }, exports: 0, exportStack: async () => ((stack.exports += 1), { version: 3, deployment: { resources: fromCli } }) };
  return stack;
};

describe("a stack's resources", () => {
  it("are read from the state folder of the stack's own file backend (the benchmark's, say), else from the CLI", async () => {
    const root = checkout({});
    const other = checkout({ "docker-m2.json": checkpoint(resources) });
    const elsewhere = fakeStack("docker-m2", [], { PULUMI_BACKEND_URL: `file://${path.join(other, ".labs", "state")}` });
    expect(await stackResources(elsewhere as unknown as Stack, root)).toEqual(resources);
    expect(elsewhere.exports).toBe(0);
    const remote = fakeStack("docker-m2", resources.slice(0, 1), { PULUMI_BACKEND_URL: "s3://bucket/state" });
    expect(await stackResources(remote as unknown as Stack, other)).toEqual(resources.slice(0, 1));
    expect(remote.exports).toBe(1);
  });

  it("are read from its state file, plain or gzipped, without the CLI", async () => {
    for (const [file, body] of [["docker-m2.json", checkpoint(resources)], ["docker-m2.json.gz", zlib.gzipSync(checkpoint(resources))]] as const) {
      const root = checkout({ [file]: body });
      expect(stateFileResources("docker-m2", root)).toEqual(resources);
      const stack = fakeStack("docker-m2", []);
      expect(await stackResources(stack as unknown as Stack, root)).toEqual(resources);
      expect(stack.exports).toBe(0);
    }
  });

  it("are none for a stack just created (a checkpoint without resources)", () => {
    expect(stateFileResources("docker-m2", checkout({ "docker-m2.json": checkpoint(null) }))).toEqual([]);
    expect(stateFileResources("docker-m2", checkout({ "docker-m2.json": JSON.stringify({ version: 3, checkpoint: { stack: "s", latest: null } }) }))).toEqual([]);
  });

  it("come from the CLI when the file is absent, unreadable or not a version 3 checkpoint", async () => {
    const cases = [checkout({}), checkout({ "docker-m2.json": "{not json" }), checkout({ "docker-m2.json": JSON.stringify({ version: 4, checkpoint: {} }) }), checkout({ "docker-m2.json": checkpoint([{ urn: "x" }]) })];
    for (const root of cases) {
      expect(stateFileResources("docker-m2", root)).toBeUndefined();
      const stack = fakeStack("docker-m2", resources);
      expect(await stackResources(stack as unknown as Stack, root)).toEqual(resources);
      expect(stack.exports).toBe(1);
    }
  });
});
