import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import {
  decodeEcrToken,
  dockerCredentials,
  ecrHost,
  engineUsesHttp,
  isLoopback,
  parseChallenge,
  parseImagePrefix,
  parseRegistryRef,
  probeRegistry,
} from "../cli/registry";
import { EXIT, UserError } from "../lab-workloads/access/errors";

const userError = (fn: () => unknown): UserError => {
  try {
    fn();
  } catch (err) {
    return err as UserError;
  }
  throw new Error("expected a UserError");
};

describe("--registry HOST[:PORT][/PREFIX]", () => {
  it.each([
    ["127.0.0.1:5000/labs", { host: "127.0.0.1", port: 5000, authority: "127.0.0.1:5000", prefix: "labs", base: "127.0.0.1:5000/labs" }],
    ["localhost:5000", { host: "localhost", port: 5000, authority: "localhost:5000", prefix: "", base: "localhost:5000" }],
    ["localhost", { host: "localhost", authority: "localhost", prefix: "", base: "localhost" }],
    ["Registry.Example.org/course/labs-2026/", { host: "registry.example.org", authority: "registry.example.org", prefix: "course/labs-2026", base: "registry.example.org/course/labs-2026" }],
    ["docker.io/teacher", { host: "docker.io", authority: "docker.io", prefix: "teacher", base: "docker.io/teacher" }],
    ["ghcr.io/some_org/a__b.c", { host: "ghcr.io", authority: "ghcr.io", prefix: "some_org/a__b.c", base: "ghcr.io/some_org/a__b.c" }],
  ])("%s", (arg, want) => {
    const ref = parseRegistryRef(arg);
    expect(ref).toEqual(want);
    expect(ref.ecr).toBeUndefined();
  });

  it("detects ECR hosts, with account and region", () => {
    const ref = parseRegistryRef("123456789012.dkr.ecr.eu-west-1.amazonaws.com/labs");
    expect(ref.ecr).toEqual({ account: "123456789012", region: "eu-west-1" });
    expect(ref.base).toBe("123456789012.dkr.ecr.eu-west-1.amazonaws.com/labs");
    expect(ecrHost("210987654321.dkr.ecr.us-gov-west-1.amazonaws.com")).toEqual({ account: "210987654321", region: "us-gov-west-1" });
    expect(ecrHost("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com")).toEqual({ account: "123456789012", region: "us-east-1" });
    expect(ecrHost("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn")).toEqual({ account: "123456789012", region: "cn-north-1" });
    expect(ecrHost("123456789012.dkr-ecr.ap-southeast-2.on.aws")).toEqual({ account: "123456789012", region: "ap-southeast-2" });
    // not ECR: short account, public gallery, look-alike domain
    expect(ecrHost("12345.dkr.ecr.eu-west-1.amazonaws.com")).toBeUndefined();
    expect(ecrHost("public.ecr.aws")).toBeUndefined();
    expect(ecrHost("123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.org")).toBeUndefined();
  });

  it.each([
    [undefined, /^images push needs --registry HOST\[:PORT\]\[\/PREFIX\]/],
    ["", /^images push needs --registry/],
    ["http://127.0.0.1:5000/labs", /^--registry http:\/\/127\.0\.0\.1:5000\/labs: give HOST\[:PORT\]\[\/PREFIX\] without a scheme/],
    ["labs", /^--registry labs: "labs" would be read by Docker as a Docker Hub namespace.*docker\.io\/labs/],
    ["127.0.0.1:99999/labs", /^--registry 127\.0\.0\.1:99999\/labs: port 99999 is out of range/],
    ["127.0.0.1:0", /port 0 is out of range/],
    ["300.1.1.1:5000", /"300\.1\.1\.1:5000" is not a host\[:port\]/],
    ["exa_mple.org/labs", /"exa_mple\.org" is not a host\[:port\]/],
    ["127.0.0.1:5000/Labs", /the prefix part "Labs" is not a repository path component/],
    ["127.0.0.1:5000/a//b", /the prefix part "" is not a repository path component/],
    ["127.0.0.1:5000/-labs", /the prefix part "-labs"/],
    ["docker.io", /Docker Hub needs your namespace: --registry docker\.io\/USER/],
    [`127.0.0.1:5000/${"a".repeat(250)}`, /the prefix is too long/],
  ])("%j is refused in one line", (arg, message) => {
    const err = userError(() => parseRegistryRef(arg));
    expect(err).toBeInstanceOf(UserError);
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("\n");
  });

  it("local prefixes for images save", () => {
    expect(parseImagePrefix("bundle-test")).toBe("bundle-test");
    expect(parseImagePrefix("course/labs/")).toBe("course/labs");
    expect(parseImagePrefix("127.0.0.1:5000/labs")).toBe("127.0.0.1:5000/labs");
    expect(userError(() => parseImagePrefix("Bundle")).message).toMatch(/^--registry Bundle: "Bundle" is not a repository path component/);
  });

  it("plain HTTP exactly where Docker uses it", () => {
    const cfg = { InsecureRegistryCIDRs: ["127.0.0.0/8", "10.20.0.0/16"], IndexConfigs: { "reg.lan:5000": { Secure: false }, "docker.io": { Secure: true } } };
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("127.1.2.3")).toBe(true);
    expect(isLoopback("128.0.0.1")).toBe(false);
    expect(engineUsesHttp(parseRegistryRef("127.0.0.1:5000/labs"), undefined)).toBe(true);
    expect(engineUsesHttp(parseRegistryRef("10.20.3.4:5000/labs"), cfg)).toBe(true);
    expect(engineUsesHttp(parseRegistryRef("10.21.3.4:5000/labs"), cfg)).toBe(false);
    expect(engineUsesHttp(parseRegistryRef("reg.lan:5000/labs"), cfg)).toBe(true);
    expect(engineUsesHttp(parseRegistryRef("ghcr.io/x"), cfg)).toBe(false);
    expect(engineUsesHttp(parseRegistryRef("8.8.8.8:5000/x"), { InsecureRegistryCIDRs: ["0.0.0.0/0"] })).toBe(true);
  });
});

describe("Docker credentials", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-dockercfg-"));
  const cfg = path.join(dir, "config.json");
  fs.writeFileSync(cfg, JSON.stringify({
    auths: { "reg.example.org": { auth: Buffer.from("alice:s3cret:with:colons").toString("base64") }, "https://other.example.org": { auth: Buffer.from("bob:pw").toString("base64") } },
    credHelpers: { "helped.example.org": "fake" },
  }));

  it("reads auths entries, with or without a scheme", async () => {
    expect(await dockerCredentials("reg.example.org", { configPath: cfg })).toEqual({ username: "alice", secret: "s3cret:with:colons" });
    expect(await dockerCredentials("other.example.org", { configPath: cfg })).toEqual({ username: "bob", secret: "pw" });
    expect(await dockerCredentials("unknown.example.org", { configPath: cfg })).toBeUndefined();
    expect(await dockerCredentials("reg.example.org", { configPath: path.join(dir, "absent.json") })).toBeUndefined();
  });

  it("asks the configured credential helper", async () => {
    const asked: string[] = [];
    const helper = async (name: string, authority: string) => {
      asked.push(`${name} ${authority}`);
      return { username: "u", secret: "t" };
    };
    expect(await dockerCredentials("helped.example.org", { configPath: cfg, helper })).toEqual({ username: "u", secret: "t" });
    expect(asked).toEqual(["fake helped.example.org"]);
  });
});

describe("registry probe (GET /v2/ on a real HTTP server on 127.0.0.1)", () => {
  let server: http.Server;
  let port = 0;
  let mode = "open";
  const good = `Basic ${Buffer.from("alice:right").toString("base64")}`;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const auth = req.headers.authorization;
      if (req.url?.startsWith("/token")) {
        if (auth !== good) return void res.writeHead(401).end();
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "tok-1" }));
      }
      if (mode === "silent") return; // never answers
      if (mode === "open") return void res.writeHead(200).end("{}");
      if (mode === "web") return void res.writeHead(404).end("not found");
      if (mode === "basic") {
        if (auth === good) return void res.writeHead(200).end("{}");
        return void res.writeHead(401, { "www-authenticate": 'Basic realm="Registry"' }).end();
      }
      if (auth === "Bearer tok-1") return void res.writeHead(200).end("{}");
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry"` }).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const ref = () => parseRegistryRef(`127.0.0.1:${port}/labs`);
  const fails = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: UserError) => e))!;

  it("an open registry", async () => {
    mode = "open";
    expect(await probeRegistry(ref())).toEqual({ url: `http://127.0.0.1:${port}/v2/`, auth: "none" });
  });

  it("a port where nothing listens: unreachable, exit 3, names the start script", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await fails(probeRegistry(parseRegistryRef(`127.0.0.1:${free}/labs`)));
    expect(err.exitCode).toBe(EXIT.environment);
    expect(err.message).toMatch(new RegExp(`^registry 127\\.0\\.0\\.1:${free} is unreachable \\(GET http://127\\.0\\.0\\.1:${free}/v2/: ECONNREFUSED\\); start it \\(the project's: bash scripts/registry/run\\.sh start\\)`));
  });

  it("a registry that does not answer in time", async () => {
    mode = "silent";
    const t0 = Date.now();
    const err = await fails(probeRegistry(ref(), { timeoutMs: 300 }));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err.message).toMatch(/is unreachable \(GET .*: no answer within 0\.3 s\)/);
  });

  it("something that is not a registry", async () => {
    mode = "web";
    const err = await fails(probeRegistry(ref()));
    expect(err.message).toMatch(/answered HTTP 404 to GET .*\/v2\/: it is not a container registry/);
    expect(err.exitCode).toBe(EXIT.environment);
  });

  it("401 without credentials: one line telling to docker login", async () => {
    mode = "basic";
    const err = await fails(probeRegistry(ref()));
    expect(err.message).toBe(`registry 127.0.0.1:${port} needs a login (401) and Docker has no credentials for it: run docker login 127.0.0.1:${port}`);
    expect(err.exitCode).toBe(EXIT.environment);
  });

  it("Basic: refused and accepted credentials", async () => {
    mode = "basic";
    const err = await fails(probeRegistry(ref(), { credentials: { username: "alice", secret: "wrong" } }));
    expect(err.message).toBe(`registry 127.0.0.1:${port} refused the credentials Docker has for it (401): run docker login 127.0.0.1:${port} again`);
    expect((await probeRegistry(ref(), { credentials: { username: "alice", secret: "right" } })).auth).toBe("basic");
  });

  it("Bearer: a token from the realm with the credentials, then /v2/ with the token", async () => {
    mode = "bearer";
    expect((await probeRegistry(ref(), { credentials: { username: "alice", secret: "right" } })).auth).toBe("bearer");
    const err = await fails(probeRegistry(ref(), { credentials: { username: "alice", secret: "wrong" } }));
    expect(err.message).toMatch(/refused the credentials Docker has for it \(401\)/);
  });

  it("parses challenges", () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a:pull" },
    });
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe("ECR tokens", () => {
  it("decodes AWS:<password>", () => {
    expect(decodeEcrToken(Buffer.from("AWS:abc:def").toString("base64"), "eu-west-1")).toEqual({ username: "AWS", secret: "abc:def" });
    expect(userError(() => decodeEcrToken(undefined, "eu-west-1")).message).toMatch(/^ECR \(eu-west-1\) returned no usable authorization token/);
  });
});
