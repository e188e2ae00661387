import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * The hadoop image's hdfs-entrypoint, run on this machine against a fake
 * HADOOP_HOME: a NameNode's first start copies the image's formatted empty
 * namespace with IDs of its own, a later start leaves the namespace alone,
 * and without a template it formats as before. `hdfs` is a stand-in that
 * records its arguments (and, for -format, writes a namespace).
 */
const ENTRYPOINT = path.join(__dirname, "..", "images", "hadoop", "hdfs-entrypoint");
const TEMPLATE_VERSION = [
  "#Sun Nov 29 03:03:16 UTC 2026",
  "namespaceID=611200916",
  "blockpoolID=BP-1700295353-172.17.0.2-1795921396186",
  "storageType=NAME_NODE",
  "cTime=1795921396186",
  "clusterID=CID-19b44f8a-c54e-4b6a-b3e6-9c18ebc8651f",
  "layoutVersion=-67",
  "",
].join("\n");

let home: string;
let nameDir: string;

function writeFile(file: string, content: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
}

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "hdfs-entrypoint-"));
  nameDir = path.join(home, "name");
  fs.mkdirSync(path.join(home, "etc", "hadoop"), { recursive: true });
  fs.mkdirSync(path.join(home, "etc", "defaults"), { recursive: true });
  writeFile(
    path.join(home, "bin", "hdfs"),
    `#!/bin/bash\necho "$*" >> "${home}/hdfs.calls"\nif [ "$2" = -format ]; then mkdir -p "${nameDir}/current"; echo clusterID=formatted > "${nameDir}/current/VERSION"; fi\n`,
    0o755,
  );
});

afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

function withTemplate(): void {
  const t = path.join(home, "share", "hadoop", "name-template", "current");
  writeFile(path.join(t, "VERSION"), TEMPLATE_VERSION);
  writeFile(path.join(t, "fsimage_0000000000000000000"), "image");
  writeFile(path.join(t, "seen_txid"), "0\n");
}

function run(env: Record<string, string> = {}): { status: number | null; stderr: string; calls: string[]; version: Record<string, string> } {
  const r = spawnSync("bash", [ENTRYPOINT, "namenode"], {
    encoding: "utf8",
    env: { PATH: `${path.join(home, "bin")}:${process.env.PATH}`, HADOOP_HOME: home, [`HDFS-SITE.XML_dfs.namenode.name.dir`]: nameDir, ...env },
  });
  const callsFile = path.join(home, "hdfs.calls");
  const versionFile = path.join(nameDir, "current", "VERSION");
  const version = fs.existsSync(versionFile)
    ? Object.fromEntries(fs.readFileSync(versionFile, "utf8").split("\n").filter((l) => l.includes("=")).map((l) => l.split("=", 2) as [string, string]))
    : {};
  return { status: r.status, stderr: r.stderr, calls: fs.existsSync(callsFile) ? fs.readFileSync(callsFile, "utf8").trim().split("\n") : [], version };
}

describe("hdfs-entrypoint namenode", () => {
  it("copies the image's formatted namespace on the first start, with a new cluster and block pool ID", () => {
    withTemplate();
    const r = run();
    expect(r.status).toBe(0);
    // No format run: the daemon starts straight away.
    expect(r.calls).toEqual(["namenode"]);
    expect(r.stderr).toContain("first start: an empty namespace");
    expect(fs.readFileSync(path.join(nameDir, "current", "fsimage_0000000000000000000"), "utf8")).toBe("image");
    expect(r.version["clusterID"]).toMatch(/^CID-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.version["clusterID"]).not.toBe("CID-19b44f8a-c54e-4b6a-b3e6-9c18ebc8651f");
    expect(r.version["blockpoolID"]).toMatch(/^BP-\d+-[0-9.]*-\d{13}$/);
    expect(r.version["blockpoolID"]).not.toBe("BP-1700295353-172.17.0.2-1795921396186");
    // What the fsimage was written with stays.
    expect(r.version["namespaceID"]).toBe("611200916");
    expect(r.version["layoutVersion"]).toBe("-67");
    expect(fs.existsSync(path.join(nameDir, ".current.new"))).toBe(false);
  });

  it("gives two labs different IDs, and takes HDFS_FORMAT_CLUSTER_ID when it is set", () => {
    withTemplate();
    const first = run().version["clusterID"];
    fs.rmSync(nameDir, { recursive: true });
    const second = run().version["clusterID"];
    expect(first).not.toBe(second);
    fs.rmSync(nameDir, { recursive: true });
    expect(run({ HDFS_FORMAT_CLUSTER_ID: "CID-course-2026" }).version["clusterID"]).toBe("CID-course-2026");
    // Taken as it is, whatever it holds (a sed replacement would break on these).
    fs.rmSync(nameDir, { recursive: true });
    expect(run({ HDFS_FORMAT_CLUSTER_ID: "CID-a/b&c\\d" }).version["clusterID"]).toBe("CID-a/b&c\\d");
  });

  it("leaves an existing namespace as it is", () => {
    withTemplate();
    writeFile(path.join(nameDir, "current", "VERSION"), "clusterID=CID-students-own\n");
    const r = run();
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["namenode"]);
    expect(r.version["clusterID"]).toBe("CID-students-own");
    expect(r.stderr).toContain("not formatting");
  });

  it("formats as before when the image has no template", () => {
    const r = run();
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["namenode -format -nonInteractive -force", "namenode"]);
    expect(r.version["clusterID"]).toBe("formatted");
  });
});
