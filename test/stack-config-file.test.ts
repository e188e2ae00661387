import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isNoSuchStack, labConfigEntries, stackConfigFile, stackConfigHolds } from "../lab-workloads/access/automation";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
  fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: p\nruntime: nodejs\nstackConfigDir: stacks\n");
  fs.mkdirSync(path.join(root, "stacks"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const write = (text: string) => fs.writeFileSync(path.join(root, "stacks", "Pulumi.docker-m2.yaml"), text);

describe("a stack's settings file", () => {
  it("is found in the project's stackConfigDir", () => {
    expect(stackConfigFile("docker-m2", root)).toBe(path.join(root, "stacks", "Pulumi.docker-m2.yaml"));
  });

  it("holds the entries only when every one is there with the same text", () => {
    write(`encryptionsalt: v1:abc\nconfig:\n  lab:module: "2"\n  lab:target: docker\n  lab:kubernetes: '{"context":"c"}'\n`);
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "2", target: "docker" }), root)).toBe(true);
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "2", target: "docker", kubernetes: { context: "c" } }), root)).toBe(true);
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "3", target: "docker" }), root)).toBe(false);
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "2", target: "docker", kubernetes: { context: "d" } }), root)).toBe(false);
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "2", target: "docker", hostPortBase: 31000 }), root)).toBe(false);
  });

  it("answers false, so the settings get written, when it is missing, unreadable or typed differently", () => {
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
    write("config:\n  lab:module: 2\n");
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
    write("config: [unclosed\n");
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
  });
});

describe("selecting a stack that is not there", () => {
  it("is told apart from other CLI failures", () => {
    expect(isNoSuchStack(new Error("code: 255\n stderr: error: no stack named 'docker-m2' found"))).toBe(true);
    expect(isNoSuchStack(new Error("error: the stack is currently locked by 1 lock(s)"))).toBe(false);
    expect(isNoSuchStack(undefined)).toBe(false);
  });
});
