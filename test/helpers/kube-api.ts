/**
 * A fake Kubernetes API server for unit tests: plain HTTP on 127.0.0.1 (a
 * kubeconfig with insecure-skip-tls-verify, which client-node requires for
 * http://), every request recorded, answers from the test's handler, and
 * watches held open so the test can send events into them.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";

/** A request the fake API received. */
export interface FakeRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Parsed JSON body, if any. */
  readonly body?: unknown;
  /** Time received (ms since the server started). */
  readonly at: number;
}

/** Answers a request: write to `res` and return true, or return false for 404. Watches are held by the fake. */
export type FakeHandler = (req: FakeRequest, res: http.ServerResponse) => boolean | Promise<boolean>;

/** A running fake API. */
export interface FakeApi {
  readonly url: string;
  /** A kubeconfig file whose current context reaches this server. */
  readonly kubeconfig: string;
  readonly requests: FakeRequest[];
  /**
   * Sends a watch event to every open watch on `path` (the object gets the
   * next resourceVersion); a watch opened later from an older
   * resourceVersion gets it too, as from the API server. The number of open
   * watches it reached.
   */
  emit(path: string, type: string, object: { metadata?: object }): number;
  /** The last resourceVersion given out (for lists). */
  rv(): string;
  /** Ends every open watch on `path`, as the API server does at a watch's timeout. */
  endWatches(path: string): void;
  /** Open watches on `path`. */
  watches(path: string): number;
  close(): Promise<void>;
}

/** Writes a JSON answer. */
export function json(res: http.ServerResponse, code: number, body: unknown): true {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
  return true;
}

/** Writes a Status failure, as the API server does (`reason`: NotFound, AlreadyExists, ...). */
export function failure(res: http.ServerResponse, code: number, reason: string, message: string): true {
  return json(res, code, { kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code });
}

/** Writes a kubeconfig reaching `server` (no TLS) into a fresh temporary folder. */
export function writeKubeconfig(server: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kube-api-"));
  const file = path.join(dir, "kubeconfig");
  fs.writeFileSync(file, [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: fake",
    "  cluster:",
    `    server: ${server}`,
    "    insecure-skip-tls-verify: true",
    "users:",
    "- name: fake",
    "  user:",
    "    token: fake-token",
    "contexts:",
    "- name: fake",
    "  context:",
    "    cluster: fake",
    "    user: fake",
    "current-context: fake",
    "",
  ].join("\n"));
  return file;
}

/** Starts a fake API answering with `handler`; watch requests (`?watch=true`) are held open for {@link FakeApi.emit}. */
export async function startFakeApi(handler: FakeHandler): Promise<FakeApi> {
  const t0 = Date.now();
  const requests: FakeRequest[] = [];
  const watches = new Map<string, Set<http.ServerResponse>>();
  const history = new Map<string, { rv: number; line: string }[]>();
  let rv = 1;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://fake");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const r: FakeRequest = { method: req.method ?? "GET", path: u.pathname, query: u.searchParams, body, at: Date.now() - t0 };
      requests.push(r);
      if (r.method === "GET" && u.searchParams.get("watch") === "true") {
        res.writeHead(200, { "content-type": "application/json" });
        res.flushHeaders();
        const set = watches.get(u.pathname) ?? new Set();
        watches.set(u.pathname, set);
        set.add(res);
        res.on("close", () => set.delete(res));
        const from = Number(u.searchParams.get("resourceVersion") ?? "0");
        for (const e of history.get(u.pathname) ?? []) if (e.rv > from) res.write(e.line);
        return;
      }
      void Promise.resolve(handler(r, res)).then((done) => {
        if (!done) failure(res, 404, "NotFound", `${r.method} ${r.path} not found`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    kubeconfig: writeKubeconfig(url),
    requests,
    emit(p, type, object) {
      rv += 1;
      object.metadata = { ...object.metadata, resourceVersion: String(rv) };
      const line = `${JSON.stringify({ type, object })}\n`;
      history.set(p, [...(history.get(p) ?? []), { rv, line }]);
      const set = watches.get(p) ?? new Set();
      for (const res of set) res.write(line);
      return set.size;
    },
    rv: () => String(rv),
    endWatches(p) {
      for (const res of watches.get(p) ?? []) res.end();
    },
    watches: (p) => watches.get(p)?.size ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const set of watches.values()) for (const res of set) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A kubeconfig reaching a port nothing listens on (a cluster that does not answer). */
export async function deadKubeconfig(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return writeKubeconfig(`http://127.0.0.1:${port}`);
}
