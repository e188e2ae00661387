import * as net from "net";
import { describe, expect, it } from "vitest";
import { CheckResult } from "../lab-workloads/common/check";
import { describeOutage, pollingWatch, watchedRun } from "../lab-workloads/common/watch";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP server on 127.0.0.1 that can be stopped and started again on the same port. */
async function server(port = 0): Promise<net.Server> {
  const s = net.createServer((c) => c.end());
  await new Promise<void>((r) => s.listen(port, "127.0.0.1", r));
  return s;
}

/** A probe that connects to the port: refused while the server is down. */
const connects = (port: number) => () =>
  new Promise<void>((resolve, reject) => {
    const c = net.connect(port, "127.0.0.1", () => {
      c.destroy();
      resolve();
    });
    c.on("error", reject);
  });

const failed = (name: string, endedAt: number, error?: string): CheckResult => ({ name, ok: false, seconds: 1, endedAt, assertions: [], ...(error ? { error } : {}) });

describe("watching a service while checks run", () => {
  it("says nothing when every probe answered", () => {
    expect(describeOutage("the Kafka broker (kafka-0:19092)", [{ at: 1 }, { at: 2 }])).toBeUndefined();
  });

  it("names the service, when it stopped, for how long, and the first reason", () => {
    const t = Date.parse("2026-11-27T18:00:00Z");
    const probes = [{ at: t }, { at: t + 2000, error: "connect ECONNREFUSED 127.0.0.1:30010" }, { at: t + 4000, error: "timeout" }, { at: t + 6000 }];
    expect(describeOutage("the Kafka broker (kafka-0:19092)", probes)).toBe(
      "the Kafka broker (kafka-0:19092) stopped answering during the run: no answer from 18:00:02 UTC until 18:00:06 UTC (4 s, 2 failed probes): connect ECONNREFUSED 127.0.0.1:30010",
    );
    expect(describeOutage("the broker", probes, t + 4500)).toMatch(/no answer since 18:00:02 UTC \(2 failed probes, still down at the end\)/);
    expect(describeOutage("the broker", probes, t + 1000)).toBeUndefined();
  });

  it("sees a real server stop and start again, and puts that first in a failed check's error only", async () => {
    const up = await server();
    const port = (up.address() as net.AddressInfo).port;
    const watch = pollingWatch(`the test server (127.0.0.1:${port})`, connects(port), 50, 500);
    let stoppedAt = 0;
    const results = await watchedRun(
      [watch],
      async () => {
        await sleep(200);
        await new Promise((r) => up.close(r));
        stoppedAt = Date.now();
        await sleep(400);
        const again = await server(port);
        await sleep(200);
        await new Promise((r) => again.close(r));
        const end = Date.now();
        return [
          failed("failed before the outage", stoppedAt - 150, "job a exited with code 1"),
          { ...failed("failed after it", end, "job b exited with code 1"), log: "Traceback (most recent call last):\nKafkaException" },
          { name: "passed", ok: true, seconds: 1, endedAt: end, assertions: [] },
        ];
      },
      () => undefined,
    );
    expect(results[0]!.error).toBe("job a exited with code 1");
    expect(results[1]!.error).toMatch(new RegExp(`^the test server \\(127\\.0\\.0\\.1:${port}\\) stopped answering during the run: no answer from .* until .*: connect (ECONNREFUSED|ECONNRESET) .*; job b exited with code 1$`));
    expect(results[1]!.error).not.toContain("\n");
    expect(results[1]!.log).toBeUndefined();
    expect(results[2]!.error).toBeUndefined();
  });

  it("logs the outage once the run ends, and prefixes a driver's own error with it", async () => {
    const lines: string[] = [];
    const watch = pollingWatch("the missing service (127.0.0.1:1)", connects(1), 50, 500);
    await expect(watchedRun([watch], async () => {
      await sleep(150);
      throw new Error("the driver could not seed its data");
    }, (l) => lines.push(l))).rejects.toThrow(/^the missing service \(127\.0\.0\.1:1\) stopped answering during the run: no answer since .*still down at the end.*; the driver could not seed its data$/);
    const up = await server();
    const port = (up.address() as net.AddressInfo).port;
    await watchedRun([pollingWatch("fine", connects(port), 50, 500)], async () => (await sleep(150), []), (l) => lines.push(l));
    up.close();
    expect(lines).toEqual([]);
  });
});
