/**
 * A small Docker Engine API client (HTTP over the unix socket, or tcp:// from
 * DOCKER_HOST). It is used from inside Pulumi dynamic providers, whose
 * functions are serialized with what they capture, so it is kept to plain
 * functions over Node's own `http` module.
 */

/** Engine API version every request asks for (Docker 20.10 and newer). */
export const API_VERSION = "v1.41";

/** A reply from the engine. */
export interface EngineReply {
  readonly status: number;
  readonly body: string;
}

/** Where the engine listens: DOCKER_HOST or the default socket. */
export function engineAddress(): { socketPath?: string; host?: string; port?: number } {
  const dockerHost = process.env["DOCKER_HOST"] ?? "";
  if (dockerHost.startsWith("tcp://")) {
    const url = new URL(dockerHost.replace(/^tcp:/, "http:"));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  if (dockerHost.startsWith("unix://")) return { socketPath: dockerHost.slice("unix://".length) };
  return { socketPath: "/var/run/docker.sock" };
}

/** Sends one request to the engine; rejects only when the engine cannot be reached. */
export function engineRequest(method: string, path: string, body?: unknown, timeoutMs = 120_000): Promise<EngineReply> {
  const http = require("http") as typeof import("http");
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...engineAddress(),
        method,
        path: `/${API_VERSION}${path}`,
        headers: payload === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`Docker engine did not answer ${method} ${path} within ${timeoutMs / 1000}s`)));
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ECONNREFUSED" || err.code === "EACCES") {
        reject(new Error(`Docker engine is not reachable (${err.code}); start Docker (or run \`npm run toolchain\`) and retry`));
      } else reject(err);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Like {@link engineRequest} but fails on any status outside `ok`. */
export async function engineCall(method: string, path: string, body?: unknown, ok: readonly number[] = [200, 201, 204]): Promise<unknown> {
  const reply = await engineRequest(method, path, body);
  if (!ok.includes(reply.status)) {
    let message = reply.body.trim();
    try {
      message = (JSON.parse(reply.body) as { message?: string }).message ?? message;
    } catch {
      // the body is not JSON; keep it as text
    }
    throw new Error(`Docker ${method} ${path.split("?")[0]} failed (${reply.status}): ${message}`);
  }
  return reply.body ? JSON.parse(reply.body) : undefined;
}

/**
 * Makes sure `image` exists locally, pulling it when it does not (a lab built
 * from a registry prefix). Lab images built by `npm run images` are local.
 */
export async function ensureImage(image: string): Promise<void> {
  const found = await engineRequest("GET", `/images/${encodeURIComponent(image)}/json`);
  if (found.status === 200) return;
  const at = image.lastIndexOf(":");
  const [repo, tag] = at > image.lastIndexOf("/") ? [image.slice(0, at), image.slice(at + 1)] : [image, "latest"];
  const pulled = await engineRequest("POST", `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`, undefined, 900_000);
  const failed = pulled.status !== 200 || /"error"/.test(pulled.body);
  if (failed) {
    throw new Error(`image ${image} is not on this machine and could not be pulled; build the lab images with \`npm run images\` or set lab:images.registry`);
  }
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text. */
export function demuxLogs(raw: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= raw.length) {
    const size = raw.readUInt32BE(i + 4);
    out += raw.subarray(i + 8, i + 8 + size).toString("utf8");
    i += 8 + size;
  }
  return i === 0 && raw.length > 0 ? raw.toString("utf8") : out;
}

/** The last `lines` lines of a container's output. */
export async function containerLogTail(id: string, lines = 20): Promise<string> {
  const http = require("http") as typeof import("http");
  return new Promise((resolve) => {
    const req = http.request(
      { ...engineAddress(), method: "GET", path: `/${API_VERSION}/containers/${id}/logs?stdout=1&stderr=1&tail=${lines}`, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(demuxLogs(Buffer.concat(chunks)).trim()));
      },
    );
    req.on("error", () => resolve("(logs unavailable)"));
    req.end();
  });
}

/** Container state as `inspect` reports it. */
interface InspectState {
  Status: string;
  ExitCode: number;
  OOMKilled: boolean;
  Health?: { Status: string; Log?: { Output: string }[] };
}

/**
 * Waits until a container is healthy (or running, when it has no health
 * check). Fails with the reason and a log excerpt if it exits, or when
 * `timeoutSeconds` pass.
 */
export async function waitHealthy(id: string, name: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "created";
  while (Date.now() < deadline) {
    const info = (await engineCall("GET", `/containers/${id}/json`)) as { State: InspectState };
    const st = info.State;
    if (st.Status === "exited" || st.Status === "dead") {
      const why = st.OOMKilled ? "was killed for using more than its memory limit" : `exited with code ${st.ExitCode}`;
      throw new Error(`container ${name} ${why}; last log lines:\n${await containerLogTail(id)}`);
    }
    if (!st.Health && st.Status === "running") return;
    if (st.Health?.Status === "healthy") return;
    last = st.Health ? `${st.Status}/${st.Health.Status}` : st.Status;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`container ${name} was not healthy after ${timeoutSeconds}s (state ${last}); last log lines:\n${await containerLogTail(id)}`);
}
