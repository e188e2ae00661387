import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { describe, expect, it } from "vitest";
import { runPatchScript } from "./helpers/patch-script";

const MAIN_GO = "nodejs/cmd/pulumi-language-nodejs/main.go";
/** Whether Go is here to build and run the patched walk (the toolchain's build is the real check where it is not). */
const HAS_GO = spawnSync("go", ["version"], { encoding: "utf8" }).status === 0;
const patch = (main: string) => runPatchScript("langhost/plugin-walk.sh", "patch_langhost_plugin_walk", MAIN_GO, main);

/** getPluginsFromDir's shape in the SDK's main.go (v3.68): the listing, the loop, the recursion. */
const MAIN = `package main

func getPluginsFromDir(dir string, inNodeModules bool) ([]string, error) {
\tfiles, err := os.ReadDir(dir)
\tif err != nil {
\t\treturn nil, err
\t}
\tvar plugins []string
\tfor _, file := range files {
\t\tname := file.Name()
\t\tcurr := filepath.Join(dir, name)
\t\tisDir := file.IsDir()
\t\tif isDir {
\t\t\tmore, _ := getPluginsFromDir(curr, inNodeModules || filepath.Base(dir) == "node_modules")
\t\t\tplugins = append(plugins, more...)
\t\t} else if inNodeModules && name == "package.json" {
\t\t\tplugins = append(plugins, curr)
\t\t}
\t}
\treturn plugins, nil
}
`;

describe("tools/langhost/plugin-walk.sh", () => {
  it("puts the check before the recursion, inside the loop where name and files are known", () => {
    const r = patch(MAIN);
    expect(r.code).toBe(0);
    const check = r.text.indexOf("if isDir && labsSkipPluginDir(dir, name, inNodeModules, files) {");
    expect(check).toBeGreaterThan(r.text.indexOf("name := file.Name()"));
    expect(check).toBeLessThan(r.text.indexOf("\t\tif isDir {"));
    expect(r.text.slice(check).split("\n")[1]).toBe("\t\t\tcontinue");
    expect(Object.keys(r.added)).toEqual(["nodejs/cmd/pulumi-language-nodejs/labs_plugin_walk.go"]);
  });

  it("fails, changing nothing, when the listing or the recursion is not found once", () => {
    for (const main of [MAIN.replace("files, err := os.ReadDir(dir)", "files, err := readDir(dir)"), MAIN.replace("\t\tif isDir {", "\t\tif isDir || false {"), MAIN + "func x() {\n\t\tif isDir {\n\t\t}\n}\n"]) {
      const r = patch(main);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^language host: .*update tools\/langhost\/plugin-walk\.sh/);
      expect(r.text).toBe(main);
      expect(r.added).toEqual({});
    }
  });

  it.skipIf(!HAS_GO)("leaves out .git, .labs and a package's own folders, keeps packages, scopes, nested node_modules and other hidden folders (run with Go)", () => {
    const r = patch(MAIN);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "plugin-walk-"));
    try {
      const dir = path.join(work, "nodejs/cmd/pulumi-language-nodejs");
      fs.mkdirSync(dir, { recursive: true });
      // The patched main.go (its imports added) and the helper the script wrote, with a main that walks a tree.
      fs.writeFileSync(path.join(dir, "main.go"), r.text.replace("package main\n", 'package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"path/filepath"\n)\n\nfunc main() {\n\tp, err := getPluginsFromDir(os.Args[1], false)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tfor _, f := range p {\n\t\tfmt.Println(f)\n\t}\n}\n'));
      fs.writeFileSync(path.join(dir, "labs_plugin_walk.go"), r.added[MAIN_GO.replace("main.go", "labs_plugin_walk.go")]!);
      fs.writeFileSync(path.join(work, "go.mod"), "module walk\n\ngo 1.21\n");
      const tree = path.join(work, "project");
      const files = [
        "package.json",
        ".git/node_modules/x/package.json",
        ".labs/state/node_modules/y/package.json",
        ".yarn/unplugged/u/node_modules/u/package.json",
        "sub/node_modules/z/package.json",
        "node_modules/a/package.json",
        "node_modules/a/dist/esm/package.json",
        "node_modules/a/node_modules/b/package.json",
        "node_modules/a/node_modules/b/test/package.json",
        "node_modules/@scope/c/package.json",
        "node_modules/@scope/c/lib/package.json",
        "node_modules/.pnpm/d@1.0.0/node_modules/d/package.json",
      ];
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
        fs.writeFileSync(path.join(tree, f), "{}");
      }
      const out = spawnSync("go", ["run", "./nodejs/cmd/pulumi-language-nodejs", tree], { cwd: work, encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod" } });
      expect(out.stderr).toBe("");
      const found = out.stdout.trim().split("\n").map((f) => path.relative(tree, f)).sort();
      expect(found).toEqual([
        "node_modules/.pnpm/d@1.0.0/node_modules/d/package.json",
        "node_modules/@scope/c/package.json",
        "node_modules/a/node_modules/b/package.json",
        "node_modules/a/package.json",
        "sub/node_modules/z/package.json",
      ].concat([".yarn/unplugged/u/node_modules/u/package.json"]).sort());
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
