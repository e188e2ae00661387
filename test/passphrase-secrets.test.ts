import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it, vi } from "vitest";
import { decryptValue, encryptValue, newPassphraseKey, passphraseKey } from "../lab-workloads/access/passphrase-crypter";
import { CLI_KEY_VARIABLE, cliKeyEnv, createStackSettings, holdsSecret, revealSecrets } from "../lab-workloads/access/stack-secrets";
import { stackEncryptionSalt } from "../lab-workloads/access/stack-settings";

// Written by the Pulumi CLI v3.259.0 (`stack init`, then `config set --secret lab:k` with 'seed-value-é'), passphrase "test-passphrase".
const CLI_SALT = "v1:a+L+NML0FL8=:v1:PEa/yEFDPASpUlLZ:pzKtY/d47LvvOGHDM/H/EY7k7tN6sg==";
const CLI_VALUE = "v1:xeuFApwJssIdibC/:XQz3MRxfbQnZgNyLIX6Fsq889kad7gZZzmeLyRg=";
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

describe("Pulumi's passphrase secrets, in-process", () => {
  it("opens a value the CLI encrypted, and refuses a wrong passphrase or a tampered value", async () => {
    const key = await passphraseKey("test-passphrase", CLI_SALT);
    expect(key && decryptValue(key.key, CLI_VALUE)).toBe("seed-value-é");
    expect(await passphraseKey("wrong", CLI_SALT)).toBeUndefined();
    const tampered = CLI_VALUE.slice(0, -6) + (CLI_VALUE.at(-6) === "A" ? "B" : "A") + CLI_VALUE.slice(-5);
    expect(decryptValue(key!.key, tampered)).toBeUndefined();
    expect(decryptValue(key!.key, "plain text")).toBeUndefined();
    // Go's strict base64 refuses a stray character that Node's decoder would skip.
    const [v, nonce, body] = CLI_VALUE.split(":");
    expect(decryptValue(key!.key, `${v}:${nonce}:${body!.slice(0, 8)}*${body!.slice(8)}`)).toBeUndefined();
    expect(await passphraseKey("test-passphrase", "v2:something")).toBeUndefined();
  });

  it("makes a salt whose check opens with the same passphrase, and values that open with its key only", async () => {
    const made = await newPassphraseKey("p1");
    expect(made.salt).toMatch(/^v1:[A-Za-z0-9+/]{11}=:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    const again = await passphraseKey("p1", made.salt);
    expect(again?.key.equals(made.key)).toBe(true);
    const v = encryptValue(made.key, "x y ü");
    expect(decryptValue(again!.key, v)).toBe("x y ü");
    const cliKey = await passphraseKey("test-passphrase", CLI_SALT);
    expect(decryptValue(cliKey!.key, v)).toBeUndefined();
  }, 20_000);

  it("reveals nested state secrets as the CLI prints them, and gives up on what it does not know", async () => {
    const { key } = await newPassphraseKey("p2");
    const secret = (v: unknown) => ({ [SIG]: SECRET, ciphertext: encryptValue(key, JSON.stringify(v)) });
    const outputs = { labs: { a: { url: "http://x" } }, credentials: secret({ a: { s3SecretKey: "k" } }), list: [1, secret("two")] };
    expect(holdsSecret(outputs)).toBe(true);
    expect(holdsSecret({ labs: { a: 1 } })).toBe(false);
    expect(revealSecrets(outputs, key)).toEqual({ labs: { a: { url: "http://x" } }, credentials: { a: { s3SecretKey: "k" } }, list: [1, "two"] });
    expect(revealSecrets(outputs, undefined)).toBeUndefined();
    expect(revealSecrets({ a: { [SIG]: "c44067f5952c0a294b673a41bacd8c17", path: "/x" } }, key)).toBeUndefined();
    // An output named __proto__ would become the object's prototype: the CLI is asked instead.
    expect(revealSecrets(JSON.parse('{"a": 1, "__proto__": {"b": 2}}'), key)).toBeUndefined();
    const other = await newPassphraseKey("p3");
    expect(revealSecrets(outputs, other.key)).toBeUndefined();
  }, 20_000);

  it("creates a stack's settings file once, private, with its salt, plain settings and encrypted seed", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-secrets-"));
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: p\nruntime: nodejs\nstackConfigDir: stacks\n");
    fs.mkdirSync(path.join(root, "stacks"));
    const key = await newPassphraseKey("p4");
    expect(createStackSettings("docker-m2", root, key, { "lab:module": { value: "2" } }, { "lab:secretSeed": "s33d" })).toBe(true);
    const file = path.join(root, "stacks", "Pulumi.docker-m2.yaml");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain('lab:module: "2"');
    expect(text).not.toContain("s33d");
    expect(stackEncryptionSalt("docker-m2", root)).toBe(key.salt);
    const secure = /secure: (\S+)/.exec(text)![1]!;
    expect(decryptValue(key.key, secure)).toBe("s33d");
    expect(createStackSettings("docker-m2", root, key, {}, {})).toBe(false);
    expect(fs.readFileSync(file, "utf8")).toBe(text);
  }, 20_000);

  it("hands the CLI the key of the stack's salt and the passphrase it is given, and nothing without both", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cli-key-"));
    try {
      fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: p\nruntime: nodejs\nstackConfigDir: stacks\n");
      fs.mkdirSync(path.join(root, "stacks"));
      fs.writeFileSync(path.join(root, "stacks", "Pulumi.docker-m1.yaml"), `encryptionsalt: ${CLI_SALT}\n`);
      const env = await cliKeyEnv("docker-m1", { PULUMI_CONFIG_PASSPHRASE: "test-passphrase" }, root);
      expect(Object.keys(env)).toEqual([CLI_KEY_VARIABLE]);
      // The key the CLI would derive: it opens the CLI's own value.
      expect(decryptValue(Buffer.from(env[CLI_KEY_VARIABLE]!, "base64"), CLI_VALUE)).toBe("seed-value-é");
      // A wrong passphrase, none, or a stack without settings: the CLI derives the key (and refuses a wrong passphrase) itself.
      expect(await cliKeyEnv("docker-m1", { PULUMI_CONFIG_PASSPHRASE: "wrong" }, root)).toEqual({});
      expect(await cliKeyEnv("docker-m1", {}, root)).toEqual({});
      expect(await cliKeyEnv("docker-m2", { PULUMI_CONFIG_PASSPHRASE: "test-passphrase" }, root)).toEqual({});
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 20_000);

  it("keeps the keys of the checkout's own passphrase beside it, private, and gives new stacks the kept salt; never a key of another passphrase", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-keys-"));
    fs.mkdirSync(path.join(root, ".labs"));
    fs.writeFileSync(path.join(root, ".labs", "passphrase"), "own-pass\n", { mode: 0o600 });
    const file = path.join(root, ".labs", "passphrase-keys.json");
    const saved = process.env["PULUMI_CONFIG_PASSPHRASE"];
    delete process.env["PULUMI_CONFIG_PASSPHRASE"];
    // A new process each time: the module's own memory of keys is gone.
    const fresh = async () => {
      vi.resetModules();
      return import("../lab-workloads/access/stack-secrets");
    };
    try {
      const first = await (await fresh()).freshStackKey(root, "docker-m1", "own-pass");
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(file, "utf8")).toContain(first.salt);
      // Another stack, in another process: the kept salt and key, which still open its check.
      const second = await (await fresh()).freshStackKey(root, "docker-m2", "own-pass");
      expect(second.salt).toBe(first.salt);
      expect((await passphraseKey("own-pass", second.salt))?.key.equals(second.key)).toBe(true);
      expect((await (await fresh()).stackKey("own-pass", first.salt, root))?.key.equals(first.key)).toBe(true);
      // A key that does not open its salt's check is not used.
      const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { keys: { salt: string; key: string }[] };
      fs.writeFileSync(file, JSON.stringify({ keys: doc.keys.map((k) => ({ ...k, key: Buffer.alloc(32, 7).toString("base64") })) }));
      const third = await (await fresh()).freshStackKey(root, "docker-m3", "own-pass");
      expect(third.salt).not.toBe(first.salt);
      // Another passphrase (a bench's, or one given in the environment) leaves no key on disk.
      const before = fs.readFileSync(file, "utf8");
      await (await fresh()).freshStackKey(root, "docker-m4", "another-pass");
      process.env["PULUMI_CONFIG_PASSPHRASE"] = "own-pass";
      await (await fresh()).freshStackKey(root, "docker-m5", "own-pass");
      expect(fs.readFileSync(file, "utf8")).toBe(before);
    } finally {
      if (saved === undefined) delete process.env["PULUMI_CONFIG_PASSPHRASE"];
      else process.env["PULUMI_CONFIG_PASSPHRASE"] = saved;
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});
