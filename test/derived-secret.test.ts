import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deriveSecretValue, parseSecretSeed } from "../components/core/derived-secret";
import { parseLabConfig } from "../components/config/schema";
import { createLabs } from "../stacks/program";
import { loadConfig, loadSecretSeed } from "../stacks/config";
import { manifest } from "./helpers/fixtures";
import { installMocks, ofType, recorded, resetRecorded, settle, valueOf } from "./helpers/mocks";

beforeAll(installMocks);
beforeEach(resetRecorded);

const SEED = "q7JmS0nE1vXbYk3c9dT2LwRfHgUaZp4i8oNxCe6s5yB=";

describe("a derived secret", () => {
  it("is 32 characters of letters, digits, '-' and '_', the same for the same seed and label", () => {
    const v = deriveSecretValue(SEED, "bigdata-m2/jupyter-token");
    expect(v).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(deriveSecretValue(SEED, "bigdata-m2/jupyter-token")).toBe(v);
  });

  it("differs for another label, another lab, another seed", () => {
    const v = deriveSecretValue(SEED, "bigdata-m2/jupyter-token");
    expect(deriveSecretValue(SEED, "bigdata-m2/s3-secret-key")).not.toBe(v);
    expect(deriveSecretValue(SEED, "bigdata-m3/jupyter-token")).not.toBe(v);
    expect(deriveSecretValue(`${SEED}x`, "bigdata-m2/jupyter-token")).not.toBe(v);
  });

  it("is HKDF-SHA256 of the seed, no salt, the project's label, base64url", () => {
    // RFC 5869 through Node's own implementation, computed independently of the module's code path.
    const { hkdfSync } = require("crypto") as typeof import("crypto");
    const want = Buffer.from(hkdfSync("sha256", SEED, Buffer.alloc(0), "bigdata-labs/a/b", 27)).toString("base64url").slice(0, 32);
    expect(deriveSecretValue(SEED, "a/b")).toBe(want);
    expect(deriveSecretValue(SEED, "a/b", 16)).toBe(want.slice(0, 16));
  });

  it("refuses a seed too short to be random, naming the key and the fix", () => {
    expect(() => parseSecretSeed("short")).toThrow(/^lab:secretSeed: is 5 characters \(spaces not counted\); a seed needs at least 32\. Set a random one, encrypted: openssl rand -base64 32 \| pulumi config set --secret lab:secretSeed/);
    expect(parseSecretSeed(SEED)).toBe(SEED);
    expect(() => parseSecretSeed(" ".repeat(40))).toThrow(/^lab:secretSeed: is 0 characters \(spaces not counted\)/);
    expect(() => parseSecretSeed(SEED, false)).toThrow(/^lab:secretSeed: is stored in plain text in the stack's settings.*pulumi config set --secret lab:secretSeed/);
  });
});

describe("a lab's credentials with a seed", () => {
  it("are derived from it: no dynamic provider resource, the values secret and per lab", async () => {
    const out = await createLabs(parseLabConfig({ module: 2 }, manifest), { secretSeed: pulumi.secret(SEED) });
    const creds = await valueOf(out.credentials);
    await settle();
    expect(recorded.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"))).toEqual([]);
    const lab = (creds as Record<string, { jupyterToken: string; s3SecretKey: string; s3AccessKey: string }>)["bigdata-m2"]!;
    expect(lab.jupyterToken).toBe(deriveSecretValue(SEED, "bigdata-m2/jupyter-token"));
    expect(lab.s3SecretKey).toBe(deriveSecretValue(SEED, "bigdata-m2/s3-secret-key"));
    expect(lab.s3AccessKey).toBe(`lab${deriveSecretValue(SEED, "bigdata-m2/s3-access-key").replace(/[^A-Za-z0-9]/g, "").slice(0, 17)}`);
    expect(await pulumi.isSecret(out.credentials)).toBe(true);
    // The containers get them.
    const minio = ofType("docker:index/container:Container").find((c) => c.name === "bigdata-m2-minio");
    expect(JSON.stringify(minio?.inputs["envs"])).toContain(lab.s3SecretKey);
  });

  it("are each a RandomSecret without one", async () => {
    await createLabs(parseLabConfig({ module: 2 }, manifest));
    await settle();
    expect(recorded.filter((r) => r.type === "pulumi-nodejs:dynamic/random:Secret").map((r) => r.name).sort()).toEqual(["bigdata-m2-jupyter-token", "bigdata-m2-s3-access-key", "bigdata-m2-s3-secret-key"]);
  });
});

describe("lab:secretSeed in the stack's settings", () => {
  it("is read as a secret, kept out of the lab's config, and checked before anything is created", async () => {
    pulumi.runtime.setAllConfig({ "lab:module": "2", "lab:secretSeed": SEED }, ["lab:secretSeed"]);
    expect(loadConfig()).not.toHaveProperty("secretSeed");
    const seed = loadSecretSeed()!;
    expect(await valueOf(seed)).toBe(SEED);
    expect(await pulumi.isSecret(seed)).toBe(true);
    pulumi.runtime.setAllConfig({ "lab:module": "2", "lab:secretSeed": "short" }, ["lab:secretSeed"]);
    expect(() => loadSecretSeed()).toThrow(/^lab:secretSeed: is 5 characters/);
    // Set without --secret: refused before anything is created.
    pulumi.runtime.setAllConfig({ "lab:module": "2", "lab:secretSeed": SEED }, []);
    expect(() => loadSecretSeed()).toThrow(/^lab:secretSeed: is stored in plain text/);
    pulumi.runtime.setAllConfig({ "lab:module": "2" });
    expect(loadSecretSeed()).toBeUndefined();
  });
});
