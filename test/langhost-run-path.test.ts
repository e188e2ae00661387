import { describe, expect, it } from "vitest";
import { runPatchScript } from "./helpers/patch-script";

const SIG = "func locateModule(ctx context.Context, mod string, nodeBin string) (string, error) {";

/** A stand-in of the SDK module with `main` as the host's main.go; runs the patch on it. */
const patch = (main: string) => runPatchScript("langhost/run-path.sh", "patch_langhost_run_path", "nodejs/cmd/pulumi-language-nodejs/main.go", main);

const MAIN = `package main

import (
\t"os"
\t"path/filepath"
)

${SIG}
\targs := []string{"-e", mod}
\treturn run(nodeBin, args)
}
`;

describe("tools/langhost/run-path.sh", () => {
  it("makes locateModule take an absolute path to a file as it is, before it would start node", () => {
    const r = patch(MAIN);
    expect(r.code).toBe(0);
    const body = r.text.slice(r.text.indexOf(SIG) + SIG.length);
    expect(body.indexOf("if filepath.IsAbs(mod) {")).toBeLessThan(body.indexOf("args := "));
    expect(body).toContain("fi.Mode().IsRegular()");
    expect(body).toContain("return mod, nil");
    expect(r.text.split(SIG).length).toBe(2);
  });

  it("fails, changing nothing, when the function or the imports it needs are not found once", () => {
    for (const main of [MAIN.replace(SIG, SIG.replace("nodeBin string", "node string")), MAIN + SIG + "\n}\n", MAIN.replace('\t"path/filepath"\n', "")]) {
      const r = patch(main);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^language host: .*update tools\/langhost\/run-path\.sh/);
      expect(r.text).toBe(main);
    }
  });
});
