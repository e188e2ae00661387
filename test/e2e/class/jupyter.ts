/**
 * Runs one cell on a Jupyter server the way JupyterLab does: a kernel from
 * the REST API, an `execute_request` over the kernel's WebSocket channels,
 * and the cell's stream output and status collected until it is idle.
 */
import * as crypto from "crypto";
import WebSocket from "ws";

/** What a cell printed and whether it ran without an error. */
export interface CellResult {
  readonly ok: boolean;
  readonly output: string;
}

async function api(base: string, token: string, method: string, path: string): Promise<unknown> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `token ${token}` }, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  return res.status === 204 ? undefined : res.json();
}

/** Starts a python3 kernel on `base` (http://127.0.0.1:PORT), runs `code`, and shuts the kernel down. */
export async function runCell(base: string, token: string, code: string, timeoutMs = 120_000): Promise<CellResult> {
  const kernel = (await api(base, token, "POST", "/api/kernels")) as { id: string };
  try {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/api/kernels/${kernel.id}/channels?session_id=${crypto.randomUUID()}`, { headers: { authorization: `token ${token}` } });
    const msgId = crypto.randomUUID();
    return await new Promise<CellResult>((resolve, reject) => {
      let output = "";
      let failed = false;
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`the cell did not finish within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      ws.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      ws.on("open", () => {
        ws.send(
          JSON.stringify({
            header: { msg_id: msgId, msg_type: "execute_request", username: "labs", session: crypto.randomUUID(), date: new Date().toISOString(), version: "5.3" },
            parent_header: {},
            metadata: {},
            content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
            channel: "shell",
          }),
        );
      });
      ws.on("message", (raw) => {
        const msg = JSON.parse(String(raw)) as { msg_type: string; parent_header: { msg_id?: string }; content: Record<string, any> };
        if (msg.parent_header.msg_id !== msgId) return;
        if (msg.msg_type === "stream") output += String(msg.content["text"] ?? "");
        if (msg.msg_type === "execute_result") output += String(msg.content["data"]?.["text/plain"] ?? "");
        if (msg.msg_type === "error") {
          failed = true;
          output += `${msg.content["ename"]}: ${msg.content["evalue"]}`;
        }
        if (msg.msg_type === "status" && msg.content["execution_state"] === "idle") {
          clearTimeout(timer);
          ws.close();
          resolve({ ok: !failed, output });
        }
      });
    });
  } finally {
    await api(base, token, "DELETE", `/api/kernels/${kernel.id}`).catch(() => undefined);
  }
}
