import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { isNoSuchStack } from "../lab-workloads/access/automation";
import { labConfigEntries, stackConfigFile, stackConfigHolds, stackLabSettings, writeStackSettings } from "../lab-workloads/access/stack-settings";

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

describe("a stack's settings read without the CLI", () => {
  it("gives the lab settings as `config --json` does: strings as they are, anything else as JSON, the seed left out", () => {
    write(`encryptionsalt: v1:abc\nconfig:\n  lab:module: "2"\n  lab:workspace: false\n  lab:hostPortBase: 31000\n  lab:services:\n    spark:\n      workers: 2\n  lab:secretSeed:\n    secure: v1:xyz\n  aws:region: eu-west-1\n`);
    expect(stackLabSettings("docker-m2", root)).toEqual({
      "lab:module": { value: "2" },
      "lab:workspace": { value: "false" },
      "lab:hostPortBase": { value: "31000" },
      "lab:services": { value: '{"spark":{"workers":2}}' },
    });
  });

  it("leaves it to the CLI when a lab value is encrypted, the file is unreadable, or Pulumi.yaml has project config", () => {
    write(`config:\n  lab:images:\n    registry:\n      secure: v1:xyz\n`);
    expect(stackLabSettings("docker-m2", root)).toBeUndefined();
    write("config: [unclosed\n");
    expect(stackLabSettings("docker-m2", root)).toBeUndefined();
    fs.rmSync(path.join(root, "stacks", "Pulumi.docker-m2.yaml"));
    expect(stackLabSettings("docker-m2", root)).toBeUndefined();
    write(`config:\n  lab:module: "2"\n`);
    fs.appendFileSync(path.join(root, "Pulumi.yaml"), "config:\n  lab:module: 3\n");
    expect(stackLabSettings("docker-m2", root)).toBeUndefined();
  });

  it("leaves it to the CLI when its YAML reader might read a value differently, or the file names an environment", () => {
    for (const v of ["30_000", "0123", "0x7A00", "12345678901234567891", "2026-01-01", "yes", "1.5e3", "'{a: 1}' # ok\n  lab:x: ~"]) {
      write(`config:\n  lab:hostPortBase: ${v}\n`);
      expect(stackLabSettings("docker-m2", root), v).toBeUndefined();
    }
    write(`environment:\n  - course\nconfig:\n  lab:module: "2"\n`);
    expect(stackLabSettings("docker-m2", root)).toBeUndefined();
    write(`config:\n`);
    expect(stackLabSettings("docker-m2", root)).toEqual({});
  });
});

describe("writing a stack's settings without the CLI", () => {
  const file = () => path.join(root, "stacks", "Pulumi.docker-m2.yaml");

  it("sets plain text values and keeps the salt, encrypted values, other keys and comments", () => {
    write(`# mine\nencryptionsalt: v1:abc\nconfig:\n  lab:secretSeed:\n    secure: v1:xyz\n  lab:module: "3"\n  other:key: kept\n`);
    fs.chmodSync(file(), 0o600);
    expect(writeStackSettings("docker-m2", labConfigEntries({ module: "2", target: "docker", kubernetes: { context: "c" } }), root)).toBe(true);
    const text = fs.readFileSync(file(), "utf8");
    expect(text).toContain("# mine");
    expect(YAML.parse(text)).toEqual({
      encryptionsalt: "v1:abc",
      config: { "lab:secretSeed": { secure: "v1:xyz" }, "lab:module": "2", "other:key": "kept", "lab:target": "docker", "lab:kubernetes": '{"context":"c"}' },
    });
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    // What was written reads back as held, and as the CLI would give it.
    expect(stackConfigHolds("docker-m2", labConfigEntries({ module: "2", target: "docker", kubernetes: { context: "c" } }), root)).toBe(true);
    expect(stackLabSettings("docker-m2", root)?.["lab:kubernetes"]).toEqual({ value: '{"context":"c"}' });
    expect(fs.readdirSync(path.join(root, "stacks"))).toEqual(["Pulumi.docker-m2.yaml"]);
  });

  it("fills an empty config, and writes through a symlink", () => {
    write("encryptionsalt: v1:abc\nconfig:\n");
    const real = path.join(root, "real.yaml");
    fs.renameSync(file(), real);
    fs.symlinkSync(real, file());
    expect(writeStackSettings("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(true);
    expect(fs.lstatSync(file()).isSymbolicLink()).toBe(true);
    expect(YAML.parse(fs.readFileSync(real, "utf8"))).toEqual({ encryptionsalt: "v1:abc", config: { "lab:module": "2" } });
  });

  it("changes nothing when rewriting would change another value's text, or the file is read-only", () => {
    const text = `config:\n  aws:port: 007\n  aws:big: 12345678901234567891\n  lab:module: "3"\n`;
    write(text);
    expect(writeStackSettings("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
    expect(fs.readFileSync(file(), "utf8")).toBe(text);
    write(`config:\n  lab:module: "3"\n`);
    fs.chmodSync(file(), 0o444);
    if (process.getuid?.() !== 0) expect(writeStackSettings("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
    fs.chmodSync(file(), 0o644);
    expect(fs.readdirSync(path.join(root, "stacks"))).toEqual(["Pulumi.docker-m2.yaml"]);
  });

  it("writes nothing, so the CLI writes them, when the file is missing or not a mapping", () => {
    expect(writeStackSettings("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
    expect(fs.existsSync(file())).toBe(false);
    write("- a list\n");
    expect(writeStackSettings("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
    expect(fs.readFileSync(file(), "utf8")).toBe("- a list\n");
    write("config: [unclosed\n");
    expect(writeStackSettings("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
    write("config: just text\n");
    expect(writeStackSettings("docker-m2", labConfigEntries({ module: "2" }), root)).toBe(false);
  });
});

describe("selecting a stack that is not there", () => {
  it("is told apart from other CLI failures", () => {
    expect(isNoSuchStack(new Error("code: 255\n stderr: error: no stack named 'docker-m2' found"))).toBe(true);
    expect(isNoSuchStack(new Error("error: the stack is currently locked by 1 lock(s)"))).toBe(false);
    expect(isNoSuchStack(undefined)).toBe(false);
  });
});
