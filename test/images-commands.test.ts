import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { main } from "../cli/labctl";
import { EXIT, UserError } from "../lab-workloads/access/errors";
import { imagesCommand, parseImagesArgs } from "../cli/commands/images-cli";
import { pushedDigest } from "../cli/commands/images-push";
import { BUNDLE_ENTRY, containerdName, manifestEntry, readBundleManifest } from "../cli/commands/images-bundle";
import { kindImportArgs, kindNodesArgs, loadedRefs } from "../cli/commands/images-load";
import { DockerResult, DockerRunOptions } from "../cli/commands/images-shared";
import { loadImageManifest } from "../components/config/stack-values";

const tags = loadImageManifest().images;
const sha = (c: string) => `sha256:${c.repeat(64)}`;

/** A fake docker CLI: records every call, answers from `images` (ref → ID). */
function fakeDocker(images: Record<string, string>, over: (args: string[], o: DockerRunOptions) => DockerResult | undefined = () => undefined) {
  const calls: { args: string[]; input?: string }[] = [];
  const run = async (args: readonly string[], o: DockerRunOptions = {}): Promise<DockerResult> => {
    const a = [...args];
    let input: string | undefined;
    if (typeof o.input === "string") input = o.input;
    else if (o.input) {
      const chunks: Buffer[] = [];
      for await (const c of o.input as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
      input = Buffer.concat(chunks).toString("latin1");
    }
    calls.push({ args: a, ...(input !== undefined ? { input } : {}) });
    const r = over(a, o);
    if (r) return r;
    if (a[0] === "version") return { code: 0, stdout: "20.10.24\n", stderr: "" };
    if (a[0] === "info") return { code: 0, stdout: JSON.stringify({ InsecureRegistryCIDRs: ["127.0.0.0/8"] }), stderr: "" };
    if (a[0] === "image" && a[1] === "inspect") {
      const id = images[a[a.length - 1]!];
      return id ? { code: 0, stdout: `${id}\n`, stderr: "" } : { code: 1, stdout: "", stderr: `Error: No such image: ${a[a.length - 1]}` };
    }
    if (a[0] === "tag") return { code: 0, stdout: "", stderr: "" };
    if (a[0] === "push") return { code: 0, stdout: `The push refers to repository [${a[1]}]\nabc: Pushed\n${a[1]!.split(":").pop()}: digest: ${sha("d")} size: 1234\n`, stderr: "" };
    return { code: 0, stdout: "", stderr: "" };
  };
  return { run, calls };
}

const m1 = {
  ["bigdata-labs/minio:" + tags.minio.tag]: sha("1"),
  ["bigdata-labs/dask:" + tags.dask.tag]: sha("2"),
  ["bigdata-labs/workspace:" + tags.workspace.tag]: sha("3"),
};
const io = () => {
  const out: string[] = [];
  return { out, io: { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) } };
};
const fails = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: UserError) => e))!;

describe("labctl images arguments", () => {
  it.each([
    [["push", "--registry", "127.0.0.1:5000/labs", "--module", "1"], { kind: "push", registry: "127.0.0.1:5000/labs", module: "1", json: false }],
    [["push", "--registry=ghcr.io/x", "--json"], { kind: "push", registry: "ghcr.io/x", json: true }],
    [["save", "--module", "foundations", "--out", "m1.tar.gz"], { kind: "save", module: "foundations", out: "m1.tar.gz", json: false }],
    [["save", "--module", "1", "--out", "m1.tar", "--registry", "bundle-test"], { kind: "save", module: "1", out: "m1.tar", registry: "bundle-test", json: false }],
    [["load", "m1.tar"], { kind: "load", file: "m1.tar", json: false }],
    [["load", "m1.tar", "--kind", "bigdata-labs"], { kind: "load", file: "m1.tar", cluster: "bigdata-labs", json: false }],
    [["2"], { kind: "list", module: "2" }],
    [["--help"], { kind: "help" }],
  ])("%j", (argv, want) => {
    expect(parseImagesArgs(argv)).toEqual(want);
  });

  it.each([
    [[], /^images: give a module \(labctl images 2\) or push, save or load/],
    [["push"], /^images push needs --registry HOST\[:PORT\]\[\/PREFIX\]/],
    [["push", "extra", "--registry", "x.org"], /^unexpected argument "extra" to images push/],
    [["push", "--registry", "x.org", "--out", "f"], /^images push takes no --out/],
    [["save", "--out", "f.tar"], /^images save needs --module N/],
    [["save", "--module", "1"], /^images save needs --out FILE/],
    [["load"], /^images load needs the FILE made by labctl images save/],
    [["load", "a.tar", "b.tar"], /^unexpected argument "b\.tar" to images load/],
    [["load", "a.tar", "--registry", "x.org"], /^images load takes no --registry/],
    [["2", "--registry", "x.org"], /^--registry belongs to images push, save or load, not to images 2/],
    [["2", "3"], /^unexpected argument "3"/],
  ])("%j fails in one line (exit 2)", (argv, message) => {
    let err: UserError | undefined;
    try {
      parseImagesArgs(argv);
    } catch (e) {
      err = e as UserError;
    }
    expect(err?.exitCode).toBe(EXIT.usage);
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain("\n");
  });

  it("goes through labctl's main, which still lists a module's images", async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (lines.push(s), true)) as typeof process.stdout.write;
    try {
      expect(await main(["images", "1"])).toBe(EXIT.ok);
    } finally {
      process.stdout.write = write;
    }
    expect(lines.join("")).toBe("minio,dask,workspace\n");
    expect((await fails(main(["images", "push", "--registry", "labs"]))).message).toMatch(/would be read by Docker as a Docker Hub namespace/);
    expect((await fails(main(["--debug", "images", "save", "--module", "9", "--out", "x.tar"]))).message).toMatch(/^unknown module "9"/);
  });
});

describe("labctl images push", () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => void res.writeHead(200).end("{}"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  it("tags and pushes a module's images, one line each with digest and reference", async () => {
    const d = fakeDocker(m1);
    const { out, io: o } = io();
    expect(await imagesCommand(["push", "--registry", `127.0.0.1:${port}/labs`, "--module", "1"], o, { docker: d.run, credentials: async () => undefined })).toBe(EXIT.ok);
    const pushes = d.calls.filter((c) => c.args[0] === "tag" || c.args[0] === "push").map((c) => c.args.join(" "));
    expect(pushes).toEqual([
      `tag bigdata-labs/minio:${tags.minio.tag} 127.0.0.1:${port}/labs/minio:${tags.minio.tag}`,
      `push 127.0.0.1:${port}/labs/minio:${tags.minio.tag}`,
      `tag bigdata-labs/dask:${tags.dask.tag} 127.0.0.1:${port}/labs/dask:${tags.dask.tag}`,
      `push 127.0.0.1:${port}/labs/dask:${tags.dask.tag}`,
      `tag bigdata-labs/workspace:${tags.workspace.tag} 127.0.0.1:${port}/labs/workspace:${tags.workspace.tag}`,
      `push 127.0.0.1:${port}/labs/workspace:${tags.workspace.tag}`,
    ]);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatch(new RegExp(`^pushed minio +127\\.0\\.0\\.1:${port}/labs/minio:${tags.minio.tag.replace(/\./g, "\\.")}  digest ${sha("d")}  \\(\\d+\\.\\d s\\)$`));
    expect(out[3]).toMatch(new RegExp(`^3 images pushed to 127\\.0\\.0\\.1:${port}/labs in \\d+\\.\\d s\\. A stack runs them with lab:images\\.registry: 127\\.0\\.0\\.1:${port}/labs`));
  });

  it("an image never built: one line naming npm run images, nothing pushed", async () => {
    const d = fakeDocker({ [`bigdata-labs/minio:${tags.minio.tag}`]: sha("1") });
    const err = await fails(imagesCommand(["push", "--registry", `127.0.0.1:${port}/labs`, "--module", "1"], io().io, { docker: d.run }));
    expect(err.exitCode).toBe(EXIT.environment);
    expect(err.message).toBe(`images bigdata-labs/dask:${tags.dask.tag}, bigdata-labs/workspace:${tags.workspace.tag} are not in Docker (never built?): build them first: npm run images -- --only dask,workspace`);
    expect(d.calls.some((c) => c.args[0] === "push" || c.args[0] === "tag")).toBe(false);
  });

  it("an unreachable registry: one line, nothing tagged or pushed", async () => {
    const d = fakeDocker(m1);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await fails(imagesCommand(["push", "--registry", `127.0.0.1:${free}/labs`, "--module", "1"], io().io, { docker: d.run, credentials: async () => undefined, probeTimeoutMs: 2000 }));
    expect(err.exitCode).toBe(EXIT.environment);
    expect(err.message).toBe(`registry 127.0.0.1:${free} is unreachable (GET http://127.0.0.1:${free}/v2/: ECONNREFUSED); start it (the project's: bash scripts/registry/run.sh start) or fix the address`);
    expect(d.calls.some((c) => c.args[0] === "push" || c.args[0] === "tag")).toBe(false);
  });

  it("a failed push says how many were pushed before it", async () => {
    const d = fakeDocker(m1, (a) => (a[0] === "push" && a[1]!.includes("/dask:") ? { code: 1, stdout: "", stderr: "denied: requested access to the resource is denied\n" } : undefined));
    const err = await fails(imagesCommand(["push", "--registry", `127.0.0.1:${port}/labs`, "--module", "1"], io().io, { docker: d.run, credentials: async () => undefined }));
    expect(err.exitCode).toBe(EXIT.failed);
    expect(err.message).toBe(`pushing 127.0.0.1:${port}/labs/dask:${tags.dask.tag} failed (1 of 3 pushed before it): denied: requested access to the resource is denied`);
  });

  it("ECR: token from the SDK into docker login --password-stdin, repositories checked before pushing", async () => {
    const d = fakeDocker(m1);
    const regions: string[] = [];
    const err = await fails(imagesCommand(["push", "--registry", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/labs", "--module", "1"], io().io, {
      docker: d.run,
      ecrToken: async (region) => (regions.push(region), { username: "AWS", secret: "ecr-secret" }),
      ecrRepositories: async (_region, account, names) => (expect(account).toBe("123456789012"), names.filter((n) => n !== "labs/minio")),
    }));
    expect(regions).toEqual(["eu-west-1"]);
    const login = d.calls.find((c) => c.args[0] === "login")!;
    expect(login.args).toEqual(["login", "--username", "AWS", "--password-stdin", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"]);
    expect(login.input).toBe("ecr-secret");
    expect(err.message).toMatch(/^ECR repositories labs\/dask, labs\/workspace do not exist in 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com: create them \(aws ecr create-repository --region eu-west-1 --repository-name labs\/dask …\)/);
    expect(d.calls.some((c) => c.args[0] === "push")).toBe(false);
  });

  it("reads the digest docker push reports", () => {
    expect(pushedDigest(`x\n4.2.0-r1: digest: ${sha("a")} size: 3456\n`)).toBe(sha("a"));
    expect(pushedDigest("no digest here")).toBeUndefined();
  });
});

describe("labctl images save / load", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-bundle-"));
  // A real tar (GNU tar) standing in for docker save's output.
  const payloadDir = path.join(dir, "payload");
  fs.mkdirSync(payloadDir);
  fs.writeFileSync(path.join(payloadDir, "manifest.json"), "[]");
  const payload = execFileSync("tar", ["-C", payloadDir, "-c", "manifest.json"]);
  const saving = (a: string[], o: DockerRunOptions): DockerResult | undefined => {
    if (a[0] !== "save") return undefined;
    o.stdout!.write(payload);
    return { code: 0, stdout: "", stderr: "" };
  };

  it.each(["m1.tar", "m1.tar.gz"])("save writes the manifest then docker save's tar (%s), readable by tar and by load", async (name) => {
    const d = fakeDocker({ ["bundle-test/minio:" + tags.minio.tag]: sha("1"), ["bundle-test/dask:" + tags.dask.tag]: sha("2"), ["bundle-test/workspace:" + tags.workspace.tag]: sha("3") }, saving);
    const file = path.join(dir, name);
    const { out, io: o } = io();
    expect(await imagesCommand(["save", "--module", "1", "--out", file, "--registry", "bundle-test"], o, { docker: d.run })).toBe(EXIT.ok);
    expect(d.calls.find((c) => c.args[0] === "save")!.args).toEqual(["save", `bundle-test/minio:${tags.minio.tag}`, `bundle-test/dask:${tags.dask.tag}`, `bundle-test/workspace:${tags.workspace.tag}`]);
    expect(out[3]).toMatch(new RegExp(`^${file.replace(/\./g, "\\.")}: 3 images of module 1, \\d+ MiB${name.endsWith(".gz") ? " \\(gzip\\)" : ""}, in`));
    expect(execFileSync("tar", ["-tf", file]).toString().split("\n").filter(Boolean)).toEqual([BUNDLE_ENTRY, "manifest.json"]);
    if (name.endsWith(".gz")) expect(zlib.gunzipSync(fs.readFileSync(file)).subarray(0, 5).toString()).toBe("bigda");
    const m = await readBundleManifest(file);
    expect(m?.registry).toBe("bundle-test");
    expect(m?.images.map((i) => `${i.name} ${i.id}`)).toEqual([`minio ${sha("1")}`, `dask ${sha("2")}`, `workspace ${sha("3")}`]);
    expect(fs.readdirSync(dir).filter((f) => f.includes(".partial-"))).toEqual([]);
  });

  it("save fails in one line for a missing folder or an image that is not there", async () => {
    expect((await fails(imagesCommand(["save", "--module", "1", "--out", path.join(dir, "nope", "m1.tar")], io().io, { docker: fakeDocker(m1).run }))).message).toMatch(/the folder .*nope does not exist/);
    const err = await fails(imagesCommand(["save", "--module", "1", "--out", path.join(dir, "x.tar"), "--registry", "elsewhere"], io().io, { docker: fakeDocker(m1).run }));
    expect(err.message).toMatch(/^images elsewhere\/minio:.* are not in Docker \(never built\?\): pull or load them first/);
    expect(fs.existsSync(path.join(dir, "x.tar"))).toBe(false);
  });

  it("load runs docker load and checks every ID against the bundle", async () => {
    const file = path.join(dir, "m1.tar.gz");
    const back = { ["bundle-test/minio:" + tags.minio.tag]: sha("1"), ["bundle-test/dask:" + tags.dask.tag]: sha("2"), ["bundle-test/workspace:" + tags.workspace.tag]: sha("3") };
    const d = fakeDocker(back, (a) => (a[0] === "load" ? { code: 0, stdout: Object.keys(back).map((r) => `Loaded image: ${r}`).join("\n"), stderr: "" } : undefined));
    const { out, io: o } = io();
    expect(await imagesCommand(["load", file], o, { docker: d.run })).toBe(EXIT.ok);
    expect(d.calls.find((c) => c.args[0] === "load")!.args).toEqual(["load", "--input", file]);
    expect(out[3]).toMatch(/^3 images loaded into Docker in .* IDs as saved\. A stack runs them with lab:images\.registry: bundle-test$/);
    const wrong = fakeDocker({ ...back, ["bundle-test/dask:" + tags.dask.tag]: sha("9") });
    expect(await imagesCommand(["load", file], io().io, { docker: wrong.run })).toBe(EXIT.failed);
  });

  it("load --kind imports into every node of the cluster the way kind load image-archive does", async () => {
    const file = path.join(dir, "m1.tar.gz");
    const nodes = "labs-control-plane\nlabs-worker\n";
    const listed = ["docker.io/bundle-test/minio:" + tags.minio.tag, "docker.io/bundle-test/dask:" + tags.dask.tag, "docker.io/bundle-test/workspace:" + tags.workspace.tag].join("\n");
    const d = fakeDocker({}, (a) => (a[0] === "ps" ? { code: 0, stdout: nodes, stderr: "" } : a.includes("ls") ? { code: 0, stdout: listed, stderr: "" } : undefined));
    const { out, io: o } = io();
    expect(await imagesCommand(["load", file, "--kind", "labs"], o, { docker: d.run })).toBe(EXIT.ok);
    expect(d.calls.find((c) => c.args[0] === "ps")!.args).toEqual(kindNodesArgs("labs"));
    expect(kindNodesArgs("labs")).toEqual(["ps", "--filter", "label=io.x-k8s.kind.cluster=labs", "--format", "{{.Names}}"]);
    const imports = d.calls.filter((c) => c.args.includes("import"));
    expect(imports.map((c) => c.args)).toEqual([kindImportArgs("labs-control-plane"), kindImportArgs("labs-worker")]);
    expect(kindImportArgs("n1")).toEqual(["exec", "--privileged", "-i", "n1", "ctr", "--namespace=k8s.io", "images", "import", "--digests", "--snapshotter=overlayfs", "-"]);
    // what reaches ctr's stdin is the uncompressed tar
    expect(imports[0]!.input!.slice(0, BUNDLE_ENTRY.length)).toBe(BUNDLE_ENTRY);
    expect(out.at(-1)).toBe("3 images loaded into 2 nodes of kind cluster labs; a stack uses them with lab:images.registry: bundle-test");
    expect(d.calls.some((c) => c.args[0] === "load")).toBe(false);
  });

  it("load --kind: a cluster with no nodes, a bad name, a file that is not a tar", async () => {
    const file = path.join(dir, "m1.tar");
    const none = fakeDocker({}, (a) => (a[0] === "ps" ? { code: 0, stdout: "", stderr: "" } : undefined));
    const err = await fails(imagesCommand(["load", file, "--kind", "nope"], io().io, { docker: none.run }));
    expect(err.message).toBe('no running kind cluster "nope": no container has the label io.x-k8s.kind.cluster=nope (kind get clusters lists them)');
    expect(err.exitCode).toBe(EXIT.environment);
    expect((await fails(imagesCommand(["load", file, "--kind", "Bad_Name"], io().io, { docker: none.run }))).message).toMatch(/^--kind Bad_Name: not a kind cluster name/);
    const junk = path.join(dir, "junk.tar");
    fs.writeFileSync(junk, "hello, not a tar".repeat(100));
    expect((await fails(imagesCommand(["load", junk], io().io, { docker: none.run }))).message).toMatch(/junk\.tar is not an image bundle or docker save tar/);
    expect((await fails(imagesCommand(["load", path.join(dir, "absent.tar")], io().io, { docker: none.run }))).message).toMatch(/absent\.tar: no such file/);
  });

  it("helpers", () => {
    expect(loadedRefs("Loaded image: a/b:1\nLoaded image ID: sha256:ff\nother")).toEqual(["a/b:1", "sha256:ff"]);
    expect(containerdName("bigdata-labs/minio:1")).toBe("docker.io/bigdata-labs/minio:1");
    expect(containerdName("debian:bookworm-slim")).toBe("docker.io/library/debian:bookworm-slim");
    expect(containerdName("127.0.0.1:5000/labs/minio:1")).toBe("127.0.0.1:5000/labs/minio:1");
    expect(manifestEntry({ format: "bigdata-labs-images/1", registry: "x", created: "", images: [] }).length % 512).toBe(0);
  });
});
