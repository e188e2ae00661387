import * as http from "http";
import { LabHandle } from "./lab";

interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

const TIMEOUT_MS = 120_000;

function request(method: string, url: string, body: Uint8Array | string | undefined, headers: Record<string, string>): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) }, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new WebHdfsError(`WebHDFS ${method} ${new URL(url).pathname}: no answer within ${TIMEOUT_MS / 1000}s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** A file or directory as WebHDFS lists it. */
export interface HdfsStatus {
  readonly pathSuffix: string;
  readonly type: "FILE" | "DIRECTORY";
  readonly length: number;
}

/** An HTTP call that failed, with the server's one-line reason. */
export class WebHdfsError extends Error {}

/**
 * HDFS from this machine over WebHDFS (the NameNode's published HTTP port).
 * Data operations are redirected by the NameNode to a DataNode by its lab
 * host name, which this machine cannot resolve: the redirect is followed to
 * that DataNode's published port instead.
 */
export class LabWebHdfs {
  private readonly base: string;
  private readonly dataNodes: [string, string][];

  constructor(lab: LabHandle, private readonly user = "labs") {
    this.base = lab.hostEndpoint("hdfs", "webhdfs");
    this.dataNodes = Object.entries(lab.plan.hdfs?.dataNodeHostHttp ?? {});
    if (this.dataNodes.length === 0) throw new Error(`lab ${lab.name} publishes no DataNode port; WebHDFS data calls need one`);
  }

  private url(path: string, op: string, extra: Record<string, string | number> = {}): string {
    const q = new URLSearchParams({ op, "user.name": this.user, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) });
    return `${this.base}${path.startsWith("/") ? "" : "/"}${path}?${q}`;
  }

  /** The DataNode URL of a redirect, pointed at that DataNode's published port. */
  private toHost(location: string): string {
    const u = new URL(location);
    const host = u.hostname.split(".")[0]!;
    const match = this.dataNodes.find(([name]) => host === name || host.endsWith(`-${name}`)) ?? (this.dataNodes.length === 1 ? this.dataNodes[0] : undefined);
    if (!match) throw new WebHdfsError(`WebHDFS redirected to DataNode ${u.hostname}, which has no published port (known: ${this.dataNodes.map(([n]) => n).join(", ")})`);
    return `http://${match[1]}${u.pathname}${u.search}`;
  }

  /**
   * One HTTP call, following WebHDFS redirects. Node's http client rather than
   * fetch: DataNodes answer a PUT with an interim `100 Continue`, which fetch
   * (undici) rejects as a bad response.
   */
  private async call(method: string, url: string, body?: Uint8Array | string, headers: Record<string, string> = {}): Promise<HttpReply> {
    const res = await request(method, url, body, headers);
    if (res.status === 307 || res.status === 302) {
      const location = res.headers["location"];
      if (typeof location !== "string") throw new WebHdfsError(`WebHDFS ${method} redirected without a Location`);
      return this.call(method, this.toHost(location), body, headers);
    }
    if (res.status < 200 || res.status >= 300) {
      const text = res.body.toString("utf8");
      let reason = text.slice(0, 200);
      try {
        reason = (JSON.parse(text) as { RemoteException?: { message?: string } }).RemoteException?.message ?? reason;
      } catch { /* not JSON */ }
      throw new WebHdfsError(`WebHDFS ${method} ${new URL(url).pathname}: HTTP ${res.status} ${reason.split("\n")[0]}`);
    }
    return res;
  }

  async mkdirs(path: string): Promise<void> {
    await this.call("PUT", this.url(path, "MKDIRS"));
  }

  /** Writes a file (two steps: the NameNode names a DataNode, the data goes there). */
  async put(path: string, data: string | Uint8Array): Promise<void> {
    await this.call("PUT", this.url(path, "CREATE", { overwrite: "true" }), data, { "content-type": "application/octet-stream" });
  }

  /** Reads `length` bytes at `offset` (the whole file by default). */
  async read(path: string, offset = 0, length?: number): Promise<Uint8Array> {
    const res = await this.call("GET", this.url(path, "OPEN", { offset, ...(length !== undefined ? { length } : {}) }));
    return new Uint8Array(res.body);
  }

  async list(path: string): Promise<HdfsStatus[]> {
    const res = await this.call("GET", this.url(path, "LISTSTATUS"));
    return (JSON.parse(res.body.toString("utf8")) as { FileStatuses: { FileStatus: HdfsStatus[] } }).FileStatuses.FileStatus;
  }

  /** Total bytes under a path. */
  async size(path: string): Promise<number> {
    const res = await this.call("GET", this.url(path, "GETCONTENTSUMMARY"));
    return (JSON.parse(res.body.toString("utf8")) as { ContentSummary: { length: number } }).ContentSummary.length;
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.call("GET", this.url(path, "GETFILESTATUS"));
      return true;
    } catch (err) {
      if (err instanceof WebHdfsError && / 404 /.test(err.message)) return false;
      throw err;
    }
  }

  async delete(path: string): Promise<void> {
    await this.call("DELETE", this.url(path, "DELETE", { recursive: "true" }));
  }
}
