import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { describe, expect, it } from "vitest";
import { runPatchScript } from "./helpers/patch-script";
import { toolchainHome } from "../lab-workloads/access/checkout";

/**
 * The CLI's pkg module as the toolchain fetched it (scripts/toolchain.sh), and Go: the patched package
 * is then tested as it is built. Where the toolchain has not run yet, the toolchain's build is the check.
 */
const PKG = (() => {
  // The CLI's version is the locked SDK's (scripts/toolchain.sh builds that one).
  const version = (require("@pulumi/pulumi/package.json") as { version: string }).version;
  const pkg = path.join(toolchainHome(), "src", `pulumi-v${version}`, "pkg");
  return fs.existsSync(path.join(pkg, "secrets/passphrase/manager.go")) && spawnSync("go", ["version"]).status === 0 ? pkg : undefined;
})();

const MANAGER_GO = "secrets/passphrase/manager.go";
const patch = (text: string) => runPatchScript("pulumi-cli/passphrase-key.sh", "patch_cli_passphrase_key", MANAGER_GO, text);

/** symmetricCrypterFromPhraseAndState as the CLI's pkg/secrets/passphrase/manager.go writes it (v3.259), and the new stack's derivation after it. */
const MANAGER = `package passphrase

func symmetricCrypterFromPhraseAndState(phrase string, state string) (config.Crypter, error) {
\tsalt, err := base64.StdEncoding.DecodeString(splits[1])
\tif err != nil {
\t\treturn nil, err
\t}

\tdecrypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)
\tignoredCtx := context.Background()
\tdecrypted, err := decrypter.DecryptValue(ignoredCtx, state[indexN(state, ":", 2)+1:])
\tif err != nil || decrypted != "pulumi" {
\t\treturn nil, ErrIncorrectPassphrase
\t}
\treturn decrypter, nil
}

func NewPassphraseSecretsManager(phrase string) (string, secrets.Manager, error) {
\tcrypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)
}
`;

describe("tools/pulumi-cli/passphrase-key.sh", () => {
  it("tries the given key on the state's check value first, and derives the key from the passphrase only without one", () => {
    const r = patch(MANAGER);
    expect(r.code).toBe(0);
    const body = r.text.slice(r.text.indexOf("func symmetricCrypterFromPhraseAndState"), r.text.indexOf("func NewPassphraseSecretsManager"));
    expect(body).toContain(
      [
        "\tdecrypter := labsGivenKey(state[indexN(state, \":\", 2)+1:])",
        "\tif decrypter == nil {",
        "\t\tdecrypter = config.NewSymmetricCrypterFromPassphrase(phrase, salt)",
        "\t}",
        "\tignoredCtx := context.Background()",
      ].join("\n"),
    );
    // The check after it stays: a given key is used only once it has opened the check value, and the passphrase's key is checked as before.
    expect(body).toContain('if err != nil || decrypted != "pulumi" {');
    // A new stack's key is still derived from its passphrase.
    expect(r.text).toContain("\tcrypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)\n}");
    const added = r.added["secrets/passphrase/labs_passphrase_key.go"] ?? "";
    expect(Object.keys(r.added)).toEqual(["secrets/passphrase/labs_passphrase_key.go"]);
    expect(added).toMatch(/^package passphrase\n/);
    expect(added).toContain('const labsKeyVariable = "PULUMI_LABS_PASSPHRASE_KEY"');
    expect(added).toContain("len(key) != config.SymmetricCrypterKeyBytes");
    expect(added).toContain('plain != "pulumi"');
  });

  it("fails, changing nothing, when the derivation is not found once", () => {
    for (const text of [
      MANAGER.replace("\tdecrypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)", "\tdecrypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt, n)"),
      MANAGER.replace("\tdecrypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)", "\tdecrypter := deriveKey(phrase, salt)"),
      MANAGER + "func again() {\n\tdecrypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)\n}\n",
    ]) {
      const r = patch(text);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^pulumi cli: .*update tools\/pulumi-cli\/passphrase-key\.sh/);
      expect(r.text).toBe(text);
      expect(r.added).toEqual({});
    }
  });

  it.skipIf(!PKG)("opens a stack with the given key whatever the passphrase, and with the passphrase when the key is absent, short or another stack's (go test of the CLI's package)", () => {
    const upstream = path.join(PKG!, "secrets/passphrase");
    const r = patch(fs.readFileSync(path.join(upstream, "manager.go"), "utf8"));
    expect(r.code).toBe(0);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "cli-passphrase-key-"));
    try {
      // A build overlay, as the toolchain builds the CLI: the patched file, the added one and the test.
      const files: Record<string, string> = {
        "manager.go": r.text,
        "labs_passphrase_key.go": r.added["secrets/passphrase/labs_passphrase_key.go"]!,
        "labs_passphrase_key_test.go": fs.readFileSync(path.join(__dirname, "fixtures", "labs_passphrase_key_test.go"), "utf8"),
      };
      const replace: Record<string, string> = {};
      for (const [name, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(work, name), text);
        replace[path.join(upstream, name)] = path.join(work, name);
      }
      fs.writeFileSync(path.join(work, "overlay.json"), JSON.stringify({ Replace: replace }));
      const home = toolchainHome();
      const env = { ...process.env, GOFLAGS: "-mod=mod -modcacherw", GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOWORK: "off", GOSUMDB: "off", GOMODCACHE: process.env["GOMODCACHE"] ?? path.join(home, "go/mod"), GOCACHE: process.env["GOCACHE"] ?? path.join(home, "go/cache") };
      const out = spawnSync("go", ["test", "-tags", "osusergo,grpcnotrace", "-overlay", path.join(work, "overlay.json"), "-run", "^TestLabsGivenKey$", "-v", "./secrets/passphrase/"], { cwd: PKG!, encoding: "utf8", env });
      expect(out.stdout + out.stderr).toMatch(/--- PASS: TestLabsGivenKey/);
      expect(out.status).toBe(0);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
