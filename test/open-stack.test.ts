import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { openLabStack, pulumiCommand, pulumiEnv, selectLabStack, setSecretSeed, stackStateExists } from "../lab-workloads/access/automation";
import { decryptValue, passphraseKey } from "../lab-workloads/access/passphrase-crypter";

/**
 * A checkout (Pulumi.yaml, a stack settings folder) and a toolchain whose
 * `pulumi` records each run and keeps stacks as files, as the CLI's file
 * backend does: `stack init` writes the state file, `stack select` fails
 * without it.
 */
const home = fs.mkdtempSync(path.join(os.tmpdir(), "labs-open-"));
const root = path.join(home, "checkout");
const calls = path.join(home, "calls");
const stateDir = path.join(root, ".labs", "state", ".pulumi", "stacks", "bigdata-labs");
const saved = { ...process.env };

beforeAll(() => {
  fs.mkdirSync(path.join(root, "stacks"), { recursive: true });
  fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: bigdata-labs\nruntime: nodejs\nstackConfigDir: stacks\n");
  fs.mkdirSync(path.join(home, "bin"));
  fs.writeFileSync(
    path.join(home, "bin", "pulumi"),
    `#!/bin/bash
[[ $1 == version ]] && { echo v3.259.0; exit 0; }
echo "$*" >> ${calls}
state=\${PULUMI_BACKEND_URL#file://}/.pulumi/stacks/bigdata-labs
name=""; prev=""; for a in "$@"; do [[ $prev == --stack ]] && name=$a; prev=$a; done
case "$1 $2" in
  "stack select") [[ -f $state/$name.json || -f ${home}/elsewhere-$name ]] || { echo "error: no stack named '$name' found" >&2; exit 255; } ;;
  "stack init") [[ -f ${home}/elsewhere-$3 ]] && { echo "error: stack '$3' already exists" >&2; exit 255; }
    [[ -f ${home}/race-$3 ]] && { mkdir -p $state; echo '{"version":3,"checkpoint":{"stack":"s","latest":{"manifest":{}}}}' > $state/$3.json; echo "error: stack '$3' already exists" >&2; exit 255; }; mkdir -p $state; echo '{"version":3,"checkpoint":{"stack":"s","latest":{"manifest":{}}}}' > $state/$3.json
    settings=${root}/stacks/Pulumi.$3.yaml; [[ -f $settings ]] || echo "encryptionsalt: v1:salt" > $settings ;;
  "config set") cat > ${home}/seed; echo "$*" > ${home}/seed-args; touch ${home}/seeded-$name
    settings=${root}/stacks/Pulumi.$name.yaml
    if grep -q '^config:' $settings 2>/dev/null; then sed -i '/^config:/a\\  lab:secretSeed:\\n    secure: v1:abc' $settings; else printf 'config:\\n  lab:secretSeed:\\n    secure: v1:abc\\n' >> $settings; fi ;;
  "config set-all") printf 'config:\\n  lab:module: "2"\\n  lab:target: docker\\n' > ${root}/stacks/Pulumi.$name.yaml
    [[ -f ${home}/seeded-$name ]] && printf '  lab:secretSeed:\\n    secure: v1:abc\\n' >> ${root}/stacks/Pulumi.$name.yaml ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  process.env["BIGDATA_LABS_HOME"] = home;
  process.env["PULUMI_CONFIG_PASSPHRASE"] = "test";
});
afterAll(() => {
  process.env = saved;
  fs.rmSync(home, { recursive: true, force: true });
});

const runs = () => (fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : []).map((l) => l.split(" ").slice(0, 2).join(" "));

describe("opening a lab's stack", () => {
  /** The seed in a stack's settings file, opened with the test's passphrase. */
  async function seedOf(stack: string): Promise<string | undefined> {
    const settings = YAML.parse(fs.readFileSync(path.join(root, "stacks", `Pulumi.${stack}.yaml`), "utf8"));
    const key = await passphraseKey("test", settings.encryptionsalt);
    return key && decryptValue(key.key, settings.config["lab:secretSeed"].secure);
  }

  it("creates a new stack with its settings file written first (salt, settings, encrypted seed) and one CLI run", async () => {
    expect(stackStateExists("docker-m2", root)).toBe(false);
    const stack = await openLabStack({ module: 2, target: "docker", root });
    expect(stack.name).toBe("docker-m2");
    // `stack init` keeps the file's salt; the seed never went to a CLI.
    expect(runs()).toEqual(["stack init"]);
    const file = path.join(root, "stacks", "Pulumi.docker-m2.yaml");
    const settings = YAML.parse(fs.readFileSync(file, "utf8"));
    expect(settings).toEqual({ encryptionsalt: expect.stringMatching(/^v1:/), config: { "lab:secretSeed": { secure: expect.stringMatching(/^v1:/) }, "lab:module": "2", "lab:target": "docker" } });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await seedOf("docker-m2"))!, "base64")).toHaveLength(32);
    expect(stackStateExists("docker-m2", root)).toBe(true);
  }, 20_000);

  it("gives every new stack its own seed, and keeps one its settings already hold", async () => {
    await openLabStack({ module: 3, target: "docker", root });
    expect(await seedOf("docker-m3")).not.toBe(await seedOf("docker-m2"));
    // A stack without state whose settings hold a seed (removed with its settings kept) keeps that seed.
    fs.rmSync(calls, { force: true });
    fs.writeFileSync(path.join(root, "stacks", "Pulumi.docker-m4.yaml"), "config:\n  lab:secretSeed:\n    secure: v1:abc\n");
    await openLabStack({ module: 4, target: "docker", root });
    expect(runs()).toEqual(["stack init"]);
    expect(fs.readFileSync(path.join(root, "stacks", "Pulumi.docker-m4.yaml"), "utf8")).toContain("secure: v1:abc");
  }, 20_000);

  it("seeds a new stack through the CLI (value on standard input) when its settings file holds settings but no seed", async () => {
    fs.writeFileSync(path.join(root, "stacks", "Pulumi.docker-m5.yaml"), 'config:\n  lab:module: "5"\n');
    fs.rmSync(calls, { force: true });
    await openLabStack({ module: 5, target: "docker", root });
    expect(runs().slice(0, 2)).toEqual(["stack init", "config set"]);
    expect(Buffer.from(fs.readFileSync(path.join(home, "seed"), "utf8"), "base64")).toHaveLength(32);
    expect(fs.readFileSync(path.join(home, "seed-args"), "utf8").trim()).toBe("config set --secret lab:secretSeed --stack docker-m5 --non-interactive");
    fs.rmSync(path.join(stateDir, "docker-m5.json"));
    fs.rmSync(path.join(root, "stacks", "Pulumi.docker-m5.yaml"));
  });

  it("selects a stack the CLI says exists although its state file is not where labctl looks", async () => {
    fs.writeFileSync(path.join(home, "elsewhere-docker-m1"), "");
    fs.rmSync(calls, { force: true });
    const stack = await openLabStack({ module: 1, target: "docker", root });
    expect(stack.name).toBe("docker-m1");
    expect(runs().slice(0, 2)).toEqual(["stack init", "stack select"]);
    // Its resources cannot be read here, so it is not given a seed (that would change its labs' credentials).
    expect(runs()).not.toContain("config set");
    // The settings file labctl wrote for a new stack was removed again (that stack's salt is in its own
    // state), so, without a settings file to write into, the CLI writes the settings.
    expect(runs()).toContain("config set-all");
  });

  it("keeps the settings file it wrote when another run made the stack from it meanwhile (its salt is that stack's)", async () => {
    fs.writeFileSync(path.join(home, "race-docker-m3x"), "");
    fs.rmSync(calls, { force: true });
    const stack = await openLabStack({ module: 3, target: "docker", root, stackName: "docker-m3x" });
    expect(stack.name).toBe("docker-m3x");
    expect(runs()).toEqual(["stack init", "stack select"]);
    expect(Buffer.from((await seedOf("docker-m3x"))!, "base64")).toHaveLength(32);
  }, 20_000);

  it("seeds a stack left without a seed and without resources, never one with resources", async () => {
    const state = (r: unknown[]) => JSON.stringify({ version: 3, checkpoint: { stack: "s", latest: { resources: r } } });
    // An earlier labctl's lab: resources, no seed.
    fs.writeFileSync(path.join(stateDir, "docker-m1.json"), state([{ urn: "u", type: "pulumi:pulumi:Stack" }]));
    fs.rmSync(calls, { force: true });
    await openLabStack({ module: 1, target: "docker", root });
    expect(runs()).not.toContain("config set");
    // Interrupted between stack init and the seed: no resources yet, so the next open seeds it.
    fs.writeFileSync(path.join(stateDir, "docker-m1.json"), state([]));
    fs.rmSync(calls, { force: true });
    await openLabStack({ module: 1, target: "docker", root });
    expect(runs()).toContain("config set");
  });

  it("seeds a new stack of another local state folder (the benchmark's) by what that folder holds", async () => {
    const other = path.join(home, "bench-state");
    const ws = await LocalWorkspace.create({ workDir: root, envVars: { ...pulumiEnv(root), PULUMI_BACKEND_URL: `file://${other}` }, pulumiCommand: await pulumiCommand() });
    const stack = await Stack.create("bench-c100", ws);
    expect(fs.existsSync(path.join(other, ".pulumi", "stacks", "bigdata-labs", "bench-c100.json"))).toBe(true);
    fs.rmSync(calls, { force: true });
    await setSecretSeed(stack, root);
    expect(runs()).toEqual(["config set"]);
    // A stack of that folder with resources is left as it is, whatever this checkout's own state says.
    fs.writeFileSync(path.join(other, ".pulumi", "stacks", "bigdata-labs", "bench-c30.json"), JSON.stringify({ version: 3, checkpoint: { latest: { resources: [{ type: "pulumi:pulumi:Stack" }] } } }));
    fs.rmSync(calls, { force: true });
    await setSecretSeed(await Stack.select("bench-c30", ws), root);
    expect(runs()).toEqual(["stack select"]);
  });

  it("takes a stack whose state and settings are in place without any CLI run", async () => {
    fs.rmSync(calls, { force: true });
    const stack = await openLabStack({ module: 2, target: "docker", root });
    expect(stack.name).toBe("docker-m2");
    expect(runs()).toEqual([]);
    await selectLabStack("docker-m2", root);
    expect(runs()).toEqual([]);
  });

  it("still asks the CLI for a stack without a state file, which refuses it", async () => {
    fs.rmSync(calls, { force: true });
    await expect(selectLabStack("docker-m5", root)).rejects.toThrow(/no stack named .docker-m5./);
    expect(runs()).toEqual(["stack select"]);
  });
});
