import { spawn } from "child_process";
import * as net from "net";
import { describe, expect, it } from "vitest";
import { launchCommand, portOf, urlEndpoint, WorkloadSpec } from "../components/core/spec";
import { checkRenderable } from "../components/platform/platform";
import { resolveSparkSpec } from "../components/services/spark-spec";
import { context } from "./helpers/fixtures";

/** A port nothing listens on (the kernel's pick, closed again). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("launchCommand: a workload waits inside its container for the ports it needs", () => {
  it("leaves a command without awaits as it is", () => {
    expect(launchCommand({ command: ["dask", "scheduler"], awaits: [] })).toEqual(["dask", "scheduler"]);
  });

  it("runs the command only once the awaited port accepts connections, with its arguments intact", async () => {
    const port = await freePort();
    const argv = launchCommand({ command: ["node", "-e", "console.log(process.argv.slice(1).join('|'))", "a b", "$HOME", "*"], awaits: [{ host: "127.0.0.1", port }] });
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.on("close", r));
    let done = false;
    void exited.then(() => (done = true));

    await new Promise((r) => setTimeout(r, 1200));
    expect(done).toBe(false);
    expect(stdout).toBe("");
    expect(stderr).toContain(`waiting for 127.0.0.1:${port}`);

    const server = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    try {
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still waiting"), 5000))]);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe("a b|$HOME|*");
    } finally {
      child.kill();
      server.close();
    }
  });

  it("names the Spark master's RPC port for the worker, from the master's own port list", () => {
    const spec = resolveSparkSpec({}, context());
    const worker = spec.workloads.find((w) => w.name === "spark-worker")!;
    const argv = launchCommand(worker);
    expect(argv.slice(3, 6)).toEqual(["labs-await", "spark-master:7077", "--"]);
    expect(argv.slice(6)).toEqual([...worker.command]);
  });

  it("refuses a port a workload does not have, and a workload that awaits itself", () => {
    const w = { name: "spark-master", ports: [{ name: "rpc", port: 7077 }] };
    expect(portOf(w, "rpc")).toEqual({ host: "spark-master", port: 7077 });
    expect(() => portOf(w, "ui")).toThrow("workload spark-master has no port named ui");
    const spec = resolveSparkSpec({}, context());
    const selfish: WorkloadSpec = { ...spec.workloads[0]!, awaits: [portOf(spec.workloads[0]!, "rpc")] };
    expect(() => checkRenderable({ ...spec, workloads: [selfish] })).toThrow("spark: workload spark-master awaits a port of its own");
  });

  it("takes a URL's port, or its scheme's default", () => {
    expect(urlEndpoint("http://minio:9000")).toEqual({ host: "minio", port: 9000 });
    expect(urlEndpoint("http://minio")).toEqual({ host: "minio", port: 80 });
    expect(urlEndpoint("https://s3.example.com/")).toEqual({ host: "s3.example.com", port: 443 });
  });
});
