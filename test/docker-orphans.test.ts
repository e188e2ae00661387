import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { providerObjects, removeOrphans } from "../cli/docker-orphans";

/**
 * A `docker` on PATH that answers the listings from files and records every
 * call; `rm` of a name listed in `gone` fails as Docker does for a missing object.
 */
let dir: string;
let savedPath: string | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-orphans-"));
  fs.writeFileSync(
    path.join(dir, "docker"),
    `#!/bin/sh
echo "$*" >> "${dir}/calls"
case "$1 $2" in
  "ps -a") cat "${dir}/containers" ;;
  "network ls") cat "${dir}/networks" ;;
  "volume ls") cat "${dir}/volumes" ;;
  *) for n in "$@"; do if grep -qxF -e "$n" "${dir}/gone"; then echo "Error: No such object: $n" >&2; exit 1; fi; done ;;
esac
`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(dir, "containers"), "lab-a-minio\nlab-a-spark\n");
  fs.writeFileSync(path.join(dir, "networks"), "lab-a-network\n");
  fs.writeFileSync(path.join(dir, "volumes"), "lab-a-data\nlab-a-work\n");
  fs.writeFileSync(path.join(dir, "gone"), "");
  savedPath = process.env["PATH"];
  process.env["PATH"] = `${dir}${path.delimiter}${savedPath ?? ""}`;
});
afterEach(() => {
  process.env["PATH"] = savedPath;
  fs.rmSync(dir, { recursive: true, force: true });
});

const calls = () => fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");

describe("removeOrphans", () => {
  const recorded = [
    { type: "docker:index/container:Container", outputs: { name: "lab-a-minio" } },
    { type: "docker:index/volume:Volume", outputs: { name: "lab-a-data" } },
  ];

  it("removes what the provider created and the stack does not record: containers first, then networks, then volumes", async () => {
    expect(await removeOrphans("lab-a", recorded)).toEqual(["lab-a-spark", "lab-a-network", "lab-a-work"]);
    const rms = calls().filter((c) => / rm /.test(` ${c} `));
    expect(rms).toEqual(["rm -f lab-a-spark", "network rm lab-a-network", "volume rm -f lab-a-work"]);
    // The listings ask only for the lab's objects that the provider made.
    expect(calls().filter((c) => / (ls|ps) /.test(` ${c} `)).every((c) => c.includes("label=io.bigdata-labs.lab=lab-a") && c.includes("label=io.bigdata-labs.managed-by="))).toBe(true);
  });

  it("works from a listing taken earlier, and takes an object already gone for removed by someone else", async () => {
    const listed = await providerObjects("lab-a");
    fs.writeFileSync(path.join(dir, "containers"), "lab-a-minio\nlab-a-spark\nlab-a-new\n"); // after the listing: not seen
    fs.writeFileSync(path.join(dir, "gone"), "lab-a-spark\n");
    expect(await removeOrphans("lab-a", recorded, listed)).toEqual(["lab-a-network", "lab-a-work"]);
    expect(calls().some((c) => c.includes("lab-a-new"))).toBe(false);
  });

  it("stops at a removal that fails for another reason", async () => {
    fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh\ncase "$1 $2" in "ps -a") echo lab-a-spark ;; "network ls"|"volume ls") ;; *) echo "Error: container is in use" >&2; exit 1 ;; esac\n`, { mode: 0o755 });
    await expect(removeOrphans("lab-a", [])).rejects.toThrow(/rm -f lab-a-spark/);
  });
});
