import { encryptValue, newPassphraseKey } from "../lab-workloads/access/passphrase-crypter";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { parseLabConfig } from "../components/config/schema";
import type { Stack } from "@pulumi/pulumi/automation";
import { configOfStack, kubeTargetOfConfig, planOfLab, recordedKube, stackOutputValues } from "../lab-workloads/access/stack-lab";
import { manifest } from "./helpers/fixtures";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-kube-"));
const kubeconfig = (current: string) => {
  const file = path.join(dir, `config-${current}`);
  const cluster = (n: string) => ({ name: n, cluster: { server: `https://${n}.example:6443`, "certificate-authority-data": "Q0E=" } });
  fs.writeFileSync(
    file,
    JSON.stringify({ apiVersion: "v1", kind: "Config", "current-context": current, clusters: [cluster("one"), cluster("two")], users: [{ name: "u", user: { token: "t" } }], contexts: [{ name: "one", context: { cluster: "one", user: "u" } }, { name: "two", context: { cluster: "two", user: "u" } }] }),
  );
  return file;
};
const saved = process.env["KUBECONFIG"];
afterEach(() => (saved === undefined ? delete process.env["KUBECONFIG"] : (process.env["KUBECONFIG"] = saved)));

describe("commands act on the cluster recorded at up", () => {
  it("records the kubeconfig file and the context in force at up", () => {
    process.env["KUBECONFIG"] = kubeconfig("one");
    const cfg = parseLabConfig({ module: 2, target: "kubernetes" }, manifest);
    expect(recordedKube(cfg)).toEqual({ kubeconfig: path.resolve(process.env["KUBECONFIG"]), context: "one" });
    const chosen = parseLabConfig({ module: 2, target: "kubernetes", kubernetes: { context: "two" } }, manifest);
    expect(recordedKube(chosen).context).toBe("two");
  });

  it("reads it back from the stack's config, whatever context is current later", () => {
    const atUp = kubeconfig("one");
    const stackConfig = { "lab:module": { value: "2" }, "lab:target": { value: "kubernetes" }, "lab:kubernetes": { value: JSON.stringify({ kubeconfig: atUp, context: "one" }) } };
    // Later the user switches to another kubeconfig whose current context is "two".
    process.env["KUBECONFIG"] = kubeconfig("two");
    expect(kubeTargetOfConfig(configOfStack(stackConfig))).toEqual({ kubeconfig: atUp, context: "one" });
  });

  it("plans a lab from the stack's own settings, not the defaults", () => {
    const cfg = configOfStack({
      "lab:module": { value: "2" },
      "lab:target": { value: "kubernetes" },
      "lab:name": { value: "cls" },
      "lab:students": { value: JSON.stringify(["ann", "ben"]) },
      "lab:services": { value: JSON.stringify({ spark: { workerMemory: "1500Mi" } }) },
      "lab:kubernetes": { value: JSON.stringify({ exposure: "none" }) },
    });
    const plan = planOfLab(cfg, "cls-ben");
    expect(plan.name).toBe("cls-ben");
    expect(plan.settings.spark?.workerMemory).toBe("1500Mi");
    expect(plan.specs.flatMap((s) => s.workloads).flatMap((w) => w.ports).every((p) => p.hostPort === undefined)).toBe(true);
    expect(() => planOfLab(cfg, "cls-zed")).toThrow(/lab cls-zed is not part of this stack \(it has cls-ann, cls-ben\)/);
  });
});

describe("a stack's outputs", () => {
  it("are read in one CLI run with secrets shown, in the workspace's folder and environment", async () => {
    const bin = path.join(dir, "fake-pulumi");
    const log = path.join(dir, "fake-pulumi.log");
    fs.writeFileSync(bin, `#!/bin/bash\necho "$PWD|$LAB_MARK|$*" >> ${log}\necho '{"labs":{"bigdata-m2":{"module":2}},"credentials":{"bigdata-m2":{"jupyterToken":"t0k"}}}'\n`, { mode: 0o755 });
    const stack = { name: "docker-m2", workspace: { pulumiCommand: { command: bin }, workDir: dir, envVars: { LAB_MARK: "from-workspace" } } } as unknown as Stack;
    const values = await stackOutputValues(stack);
    expect(values).toEqual({ labs: { "bigdata-m2": { module: 2 } }, credentials: { "bigdata-m2": { jupyterToken: "t0k" } } });
    const calls = fs.readFileSync(log, "utf8").trim().split("\n");
    expect(calls).toEqual([`${fs.realpathSync(dir)}|from-workspace|stack output --json --show-secrets --stack docker-m2 --non-interactive`]);
  });

  it("are read from the state file, secrets opened with the stack's passphrase, without a CLI run", async () => {
    const root = fs.mkdtempSync(path.join(dir, "outputs-"));
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: bigdata-labs\nruntime: nodejs\n");
    const state = path.join(root, "state");
    const stacks = path.join(state, ".pulumi", "stacks", "bigdata-labs");
    fs.mkdirSync(stacks, { recursive: true });
    const { salt, key } = await newPassphraseKey("pass");
    const secret = (v: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: encryptValue(key, JSON.stringify(v)) });
    const outputs = { labs: { "bigdata-m2": { module: 2 } }, credentials: secret({ "bigdata-m2": { jupyterToken: "t0k" } }) };
    fs.writeFileSync(path.join(stacks, "docker-m2.json"), JSON.stringify({ version: 3, checkpoint: { latest: { secrets_providers: { type: "passphrase", state: { salt } }, resources: [{ urn: "u", type: "pulumi:pulumi:Stack", outputs }] } } }));
    const bin = path.join(root, "fake-pulumi");
    const log = path.join(root, "fake-pulumi.log");
    fs.writeFileSync(bin, `#!/bin/bash\necho "$*" >> ${log}\necho '{}'\n`, { mode: 0o755 });
    const stackOf = (passphrase: string) => ({ name: "docker-m2", workspace: { pulumiCommand: { command: bin }, workDir: root, envVars: { PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: passphrase } } }) as unknown as Stack;
    expect(await stackOutputValues(stackOf("pass"))).toEqual({ labs: { "bigdata-m2": { module: 2 } }, credentials: { "bigdata-m2": { jupyterToken: "t0k" } } });
    expect(fs.existsSync(log)).toBe(false);
    // A passphrase that does not open the state: the CLI is asked (and would say why).
    expect(await stackOutputValues(stackOf("other"))).toEqual({});
    expect(fs.readFileSync(log, "utf8")).toContain("stack output --json --show-secrets --stack docker-m2");
    // Two state files (a compression change the CLI did not clean up): the CLI reads the newest, so it is asked.
    fs.rmSync(log);
    fs.writeFileSync(path.join(stacks, "docker-m2.json.gz"), "");
    expect(await stackOutputValues(stackOf("pass"))).toEqual({});
    expect(fs.readFileSync(log, "utf8")).toContain("stack output");
  }, 20_000);
});
