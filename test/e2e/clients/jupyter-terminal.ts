/**
 * JupyterLab's terminal as a student uses it: a terminal from the Jupyter
 * server's REST API, keystrokes and screen output over its WebSocket (a real
 * pty with bash in the workspace container), and files put into the
 * student's folder through the contents API.
 */
import WebSocket from "ws";

/** What one command line printed (ANSI sequences removed) and its exit code. */
export interface TerminalResult {
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

/** One step of an interactive program: wait for `expect` on screen, then type `send`. */
export interface Keystrokes {
  readonly expect: RegExp;
  readonly send: string;
}

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `token ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${(await res.text().catch(() => "")).slice(0, 200)}`);
  return res.status === 204 ? undefined : res.json();
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Za-z0-9]|\r/g;

/** A JupyterLab terminal (bash in the workspace). */
export class JupyterTerminal {
  private screen = "";
  private seq = 0;

  private constructor(private readonly base: string, private readonly token: string, private readonly name: string, private readonly ws: WebSocket) {
    ws.on("message", (raw) => {
      const msg = JSON.parse(String(raw)) as [string, unknown];
      if (msg[0] === "stdout") this.screen += String(msg[1]);
    });
  }

  /** Opens a new terminal on `base` (http://127.0.0.1:PORT). */
  static async open(base: string, token: string): Promise<JupyterTerminal> {
    const { name } = (await api(base, token, "POST", "/api/terminals")) as { name: string };
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/terminals/websocket/${name}`, { headers: { authorization: `token ${token}` } });
    await new Promise<void>((ok, fail) => {
      ws.once("open", () => ok());
      ws.once("error", fail);
    });
    const t = new JupyterTerminal(base, token, name, ws);
    ws.send(JSON.stringify(["set_size", 50, 400, 800, 1600]));
    await t.run("stty -echo; PS1='$ '", 20_000);
    return t;
  }

  private async waitFor(pattern: RegExp, from: number, timeoutMs: number): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = this.screen.slice(from).replace(ANSI, "").match(pattern);
      if (m) return m;
      if (Date.now() > until) throw new Error(`no ${pattern} on the terminal within ${timeoutMs / 1000}s; last output: ${this.screen.slice(from).replace(ANSI, "").trim().split("\n").slice(-3).join(" | ").slice(-400)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Types `line` and Enter, answers the prompts of an interactive program
   * (`steps`), and waits until the command line has ended; returns its exit
   * code and what it printed.
   */
  async run(line: string, timeoutMs = 300_000, steps: readonly Keystrokes[] = []): Promise<TerminalResult> {
    const t0 = Date.now();
    const id = ++this.seq;
    const from = this.screen.length;
    // `$?` is not expanded in what the terminal echoes, so only the real end matches.
    this.ws.send(JSON.stringify(["stdin", `${line}; echo "@@end-${id}-$?@@"\r`]));
    let at = from;
    for (const s of steps) {
      await this.waitFor(s.expect, at, timeoutMs);
      at = this.screen.length;
      this.ws.send(JSON.stringify(["stdin", `${s.send}\r`]));
    }
    const m = await this.waitFor(new RegExp(`@@end-${id}-(\\d+)@@`), from, timeoutMs - (Date.now() - t0));
    const output = this.screen.slice(from).replace(ANSI, "");
    return { code: Number(m[1]), output: output.slice(0, output.lastIndexOf(`@@end-${id}-`)), seconds: (Date.now() - t0) / 1000 };
  }

  async close(): Promise<void> {
    this.ws.close();
    await api(this.base, this.token, "DELETE", `/api/terminals/${this.name}`).catch(() => undefined);
  }
}

/** Puts a text file into the student's folder through the contents API (as JupyterLab's editor saves). */
export async function putFile(base: string, token: string, path: string, content: string): Promise<void> {
  const dir = path.split("/").slice(0, -1).join("/");
  if (dir) await api(base, token, "PUT", `/api/contents/${dir}`, { type: "directory" });
  await api(base, token, "PUT", `/api/contents/${path}`, { type: "file", format: "text", content });
}

/** GET of a Jupyter server API path, as JSON. */
export function jupyterGet(base: string, token: string, path: string): Promise<unknown> {
  return api(base, token, "GET", path);
}
