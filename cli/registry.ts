/**
 * Container registries for `labctl images push`: the `--registry` reference
 * rules, ECR host detection, and a probe of `GET /v2/` (reachability and
 * credentials) before anything is pushed.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { EXIT, UserError } from "../lab-workloads/access/errors";

/** A registry and repository prefix, as given to `--registry HOST[:PORT][/PREFIX]`. */
export interface RegistryRef {
  /** Host name or IPv4 address, lower case. */
  readonly host: string;
  readonly port?: number;
  /** `host[:port]`: what `docker login` and the Docker config key on. */
  readonly authority: string;
  /** Repository path under the host, `""` when none. */
  readonly prefix: string;
  /** `authority[/prefix]`: the value of `lab:images.registry` for a stack. */
  readonly base: string;
  /** Set when the host is an Amazon ECR registry. */
  readonly ecr?: { readonly account: string; readonly region: string };
}

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** One path component of a repository name (distribution's reference grammar). */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const ECR_HOST = /^(\d{12})\.dkr(?:\.ecr|-ecr)(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws)$/;
/** Longest repository name a registry accepts (distribution's limit). */
export const MAX_REPOSITORY_LENGTH = 255;

/** The account and region of an ECR host (`<account>.dkr.ecr.<region>.amazonaws.com`), or undefined. */
export function ecrHost(host: string): { account: string; region: string } | undefined {
  const m = ECR_HOST.exec(host.toLowerCase());
  return m ? { account: m[1]!, region: m[2]! } : undefined;
}

/** Whether `host` is this machine (Docker pushes to it over plain HTTP). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Parses `--registry HOST[:PORT][/PREFIX]`; one-line UserError (exit 2) when
 * it is not a registry reference Docker would push to as written.
 */
export function parseRegistryRef(arg: string | undefined): RegistryRef {
  const example = "e.g. --registry 127.0.0.1:5000/labs or --registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com/labs";
  if (arg === undefined || arg.trim() === "") throw new UserError(`images push needs --registry HOST[:PORT][/PREFIX] (${example})`);
  const raw = arg.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new UserError(`--registry ${raw}: give HOST[:PORT][/PREFIX] without a scheme (${example})`);
  const [authority = "", ...parts] = raw.replace(/\/+$/, "").split("/");
  const m = /^([^:]+)(?::(\d+))?$/.exec(authority);
  const host = m?.[1]?.toLowerCase() ?? "";
  const validHost = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? host.split(".").every((o) => Number(o) <= 255) : host.split(".").every((l) => HOST_LABEL.test(l));
  if (!m || !validHost) throw new UserError(`--registry ${raw}: "${authority}" is not a host[:port] (${example})`);
  if (!host.includes(".") && !m[2] && host !== "localhost") {
    throw new UserError(`--registry ${raw}: "${host}" would be read by Docker as a Docker Hub namespace, not a registry host; write the host first (docker.io/${raw} for Docker Hub, or HOST:PORT/${raw})`);
  }
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new UserError(`--registry ${raw}: port ${m[2]} is out of range (1-65535)`);
  const bad = parts.find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined) throw new UserError(`--registry ${raw}: the prefix part "${bad}" is not a repository path component (lower-case letters and digits, separated by ".", "_", "__" or "-")`);
  const prefix = parts.join("/");
  if (["docker.io", "index.docker.io", "registry-1.docker.io"].includes(host) && prefix === "") {
    throw new UserError(`--registry ${raw}: Docker Hub needs your namespace: --registry docker.io/USER`);
  }
  const longest = `${prefix ? `${prefix}/` : ""}workspace`;
  if (longest.length > MAX_REPOSITORY_LENGTH) throw new UserError(`--registry ${raw}: the prefix is too long (repository names are at most ${MAX_REPOSITORY_LENGTH} characters)`);
  const auth = port === undefined ? host : `${host}:${port}`;
  const ecr = ecrHost(host);
  return { host, ...(port !== undefined ? { port } : {}), authority: auth, prefix, base: prefix ? `${auth}/${prefix}` : auth, ...(ecr ? { ecr } : {}) };
}

/** A user name and secret for a registry. */
export interface Credentials {
  readonly username: string;
  readonly secret: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The Docker CLI's config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json). */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env["DOCKER_CONFIG"] ?? path.join(env["HOME"] ?? os.homedir(), ".docker"), "config.json");
}

/** Runs `docker-credential-<helper> get` for a registry; undefined when it has nothing or is missing. */
export type CredentialHelper = (helper: string, authority: string) => Promise<Credentials | undefined>;

export const runCredentialHelper: CredentialHelper = (helper, authority) =>
  new Promise((resolve) => {
    const child = execFile(`docker-credential-${helper}`, ["get"], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        const j = JSON.parse(stdout) as { Username?: string; Secret?: string };
        resolve(j.Secret ? { username: j.Username ?? "", secret: j.Secret } : undefined);
      } catch {
        resolve(undefined);
      }
    });
    child.stdin?.end(authority);
  });

/**
 * The credentials Docker would use for `authority` (config.json `auths`,
 * `credHelpers`, `credsStore`), or undefined when it has none.
 */
export async function dockerCredentials(authority: string, opts: { configPath?: string; helper?: CredentialHelper } = {}): Promise<Credentials | undefined> {
  let cfg: DockerConfig;
  try {
    cfg = JSON.parse(fs.readFileSync(opts.configPath ?? dockerConfigPath(), "utf8")) as DockerConfig;
  } catch {
    return undefined;
  }
  const helper = opts.helper ?? runCredentialHelper;
  const named = cfg.credHelpers?.[authority];
  if (named) return helper(named, authority);
  const keys = [authority, `https://${authority}`, `http://${authority}`, `https://${authority}/v1/`, `https://${authority}/v2/`];
  const entry = keys.map((k) => cfg.auths?.[k]).find((e) => e !== undefined);
  if (entry?.auth) {
    const text = Buffer.from(entry.auth, "base64").toString("utf8");
    const i = text.indexOf(":");
    if (i > 0) return { username: text.slice(0, i), secret: text.slice(i + 1) };
  }
  if (entry?.username && entry.password) return { username: entry.username, secret: entry.password };
  if (cfg.credsStore) return helper(cfg.credsStore, authority);
  return undefined;
}

/** A `WWW-Authenticate` challenge: scheme and parameters. */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses the first challenge of a `WWW-Authenticate` header. */
export function parseChallenge(header: string | null): Challenge | undefined {
  const m = header ? /^\s*([A-Za-z]+)\s*(.*)$/.exec(header) : null;
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

/** Options of {@link probeRegistry}. */
export interface ProbeOptions {
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** Credentials to check when the registry asks for them. @default none */
  readonly credentials?: Credentials;
  /** Use plain HTTP. @default true for loopback hosts (Docker's default insecure range), false otherwise */
  readonly plainHttp?: boolean;
}

/** An HTTP answer: status, one header, body. */
interface HttpAnswer {
  readonly status: number;
  readonly wwwAuthenticate: string | null;
  readonly body: string;
}

/**
 * GET with node's http/https (not fetch, which refuses ports such as 6000
 * that a registry may well use); redirects are not followed (registries
 * answer /v2/ and token requests directly).
 */
function httpGet(url: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpAnswer> {
  const mod = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { headers, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => body.length < 1 << 20 && (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, wwwAuthenticate: (res.headers["www-authenticate"] as string | undefined) ?? null, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { name: "TimeoutError" })));
    req.on("error", reject);
  });
}

/** What the probe found: how the registry authenticates pushes. */
export interface ProbeResult {
  readonly url: string;
  readonly auth: "none" | "basic" | "bearer";
}

const basic = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.secret}`).toString("base64")}`;

/**
 * `GET /v2/` on the registry with a short timeout; then, when it answers
 * 401, checks the credentials (Basic directly, Bearer through the token
 * realm). One-line UserError (exit 3) when it does not answer, is not a
 * registry, or needs credentials that are missing or refused.
 */
export async function probeRegistry(ref: RegistryRef, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const url = `${(opts.plainHttp ?? isLoopback(ref.host)) ? "http" : "https"}://${ref.authority}/v2/`;
  const get = async (u: string, headers: Record<string, string> = {}): Promise<HttpAnswer & { ok: boolean }> => {
    try {
      const a = await httpGet(u, headers, timeoutMs);
      return { ...a, ok: a.status >= 200 && a.status < 300 };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (e.code ?? e.message);
      const hint = isLoopback(ref.host) ? "start it (the project's: bash scripts/registry/run.sh start) or fix the address" : "check the address and your network";
      throw new UserError(`registry ${ref.authority} is unreachable (GET ${u}: ${why}); ${hint}`, EXIT.environment);
    }
  };
  const res = await get(url);
  if (res.ok) return { url, auth: "none" };
  if (res.status !== 401) {
    throw new UserError(`registry ${ref.authority} answered HTTP ${res.status} to GET ${url}: it is not a container registry (Docker Registry API v2) at that address; check the host and port`, EXIT.environment);
  }
  const challenge = parseChallenge(res.wwwAuthenticate);
  const login = ref.ecr ? `check your AWS credentials (labctl logs in to ECR itself)` : `run docker login ${ref.authority}`;
  if (!opts.credentials) throw new UserError(`registry ${ref.authority} needs a login (401) and Docker has no credentials for it: ${login}`, EXIT.environment);
  const refused = () => new UserError(`registry ${ref.authority} refused the credentials Docker has for it (401): ${ref.ecr ? login : `run docker login ${ref.authority} again`}`, EXIT.environment);
  if (challenge?.scheme === "bearer" && challenge.params["realm"]) {
    const realm = new URL(challenge.params["realm"]);
    if (challenge.params["service"]) realm.searchParams.set("service", challenge.params["service"]);
    const tok = await get(realm.toString(), { authorization: basic(opts.credentials) });
    if (tok.status === 401 || tok.status === 403) throw refused();
    if (!tok.ok) throw new UserError(`registry ${ref.authority}: its token service ${realm.origin} answered HTTP ${tok.status}; try again later or check the registry`, EXIT.environment);
    let body: { token?: string; access_token?: string } = {};
    try {
      body = JSON.parse(tok.body) as typeof body;
    } catch {
      /* no JSON: no token */
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new UserError(`registry ${ref.authority}: its token service ${realm.origin} returned no token`, EXIT.environment);
    const again = await get(url, { authorization: `Bearer ${token}` });
    if (again.status === 401 || again.status === 403) throw refused();
    return { url, auth: "bearer" };
  }
  const again = await get(url, { authorization: basic(opts.credentials) });
  if (again.status === 401 || again.status === 403) throw refused();
  if (!again.ok) throw new UserError(`registry ${ref.authority} answered HTTP ${again.status} to GET ${url} with credentials`, EXIT.environment);
  return { url, auth: "basic" };
}

/** What labctl needs from ECR: a registry password for `docker login`. */
export type EcrTokenSource = (region: string) => Promise<Credentials>;

/** GetAuthorizationToken through the AWS SDK (credentials from the usual AWS chain). */
export const ecrToken: EcrTokenSource = async (region) => {
  const { ECRClient, GetAuthorizationTokenCommand } = await import("@aws-sdk/client-ecr");
  const client = new ECRClient({ region });
  let token: string | undefined;
  try {
    const out = await client.send(new GetAuthorizationTokenCommand({}));
    token = out.authorizationData?.[0]?.authorizationToken;
  } catch (err) {
    const e = err as Error;
    if (e.name === "CredentialsProviderError" || /credential/i.test(e.message)) {
      throw new UserError(`ECR (${region}): no AWS credentials found; set AWS_PROFILE (aws sso login) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and retry`, EXIT.environment);
    }
    if (/AccessDenied|not authorized/i.test(`${e.name} ${e.message}`)) {
      throw new UserError(`ECR (${region}) refused GetAuthorizationToken: your AWS identity needs ecr:GetAuthorizationToken (and push rights on the repositories)`, EXIT.environment);
    }
    throw new UserError(`ECR (${region}): GetAuthorizationToken failed: ${e.message.split("\n")[0]}`, EXIT.environment);
  } finally {
    client.destroy();
  }
  return decodeEcrToken(token, region);
};

/** `AWS:<password>` from an ECR authorization token (base64). */
export function decodeEcrToken(token: string | undefined, region: string): Credentials {
  const text = token ? Buffer.from(token, "base64").toString("utf8") : "";
  const i = text.indexOf(":");
  if (i <= 0) throw new UserError(`ECR (${region}) returned no usable authorization token; retry, or run aws ecr get-login-password`, EXIT.environment);
  return { username: text.slice(0, i), secret: text.slice(i + 1) };
}

/** The Docker engine's registry settings (`docker info` .RegistryConfig). */
export interface EngineRegistryConfig {
  readonly InsecureRegistryCIDRs?: readonly string[] | null;
  readonly IndexConfigs?: Readonly<Record<string, { readonly Secure?: boolean }>> | null;
}

function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + Number(p), 0);
}

/**
 * Whether Docker talks plain HTTP to this registry: a loopback host, a host
 * listed with Secure false, or an IPv4 address inside an insecure CIDR.
 */
export function engineUsesHttp(ref: RegistryRef, cfg: EngineRegistryConfig | undefined): boolean {
  if (isLoopback(ref.host)) return true;
  if (cfg?.IndexConfigs?.[ref.authority]?.Secure === false) return true;
  const ip = ipv4(ref.host);
  if (ip === undefined) return false;
  return (cfg?.InsecureRegistryCIDRs ?? []).some((cidr) => {
    const [net, bits] = cidr.split("/");
    const base = ipv4(net ?? "");
    const n = Number(bits);
    if (base === undefined || !Number.isInteger(n) || n < 0 || n > 32) return false;
    const size = 2 ** (32 - n);
    return Math.floor(ip / size) === Math.floor(base / size);
  });
}

/** Repositories of `names` that do not exist in the ECR registry (a push to them would fail). */
export type EcrRepositoryCheck = (region: string, account: string, names: readonly string[]) => Promise<string[]>;

export const ecrMissingRepositories: EcrRepositoryCheck = async (region, account, names) => {
  const { ECRClient, DescribeRepositoriesCommand } = await import("@aws-sdk/client-ecr");
  const client = new ECRClient({ region });
  const missing: string[] = [];
  try {
    for (const name of names) {
      try {
        await client.send(new DescribeRepositoriesCommand({ registryId: account, repositoryNames: [name] }));
      } catch (err) {
        if ((err as Error).name === "RepositoryNotFoundException") missing.push(name);
        else throw new UserError(`ECR (${region}): DescribeRepositories ${name} failed: ${(err as Error).message.split("\n")[0]}`, EXIT.environment);
      }
    }
  } finally {
    client.destroy();
  }
  return missing;
};

/**
 * A local image-name prefix (`bigdata-labs`, `bundle-test`, or a registry
 * reference), as `lab:images.registry` takes it; one line (exit 2) when Docker
 * would not accept it in an image name.
 */
export function parseImagePrefix(arg: string, option = "--registry"): string {
  const raw = arg.trim().replace(/\/+$/, "");
  const [first = "", ...rest] = raw.split("/");
  if (first.includes(".") || first.includes(":") || first === "localhost") return parseRegistryRef(raw).base;
  const bad = [first, ...rest].find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined) throw new UserError(`${option} ${arg}: "${bad}" is not a repository path component (lower-case letters and digits, separated by ".", "_", "__" or "-")`);
  return raw;
}
