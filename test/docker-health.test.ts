import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PROBE_TIMING, WorkloadSpec } from "../components/core/spec";
import { dockerHealth, goDuration, HEALTH_MARKER, HEALTH_SCRIPT, startWindowSeconds } from "../components/platform/docker/health";
import { readyTimeoutSeconds } from "../components/platform/docker/naming";
import { dockerHealthCheck } from "../components/platform/docker/render";
import { planLab } from "../components/lab/plan";
import { context } from "./helpers/fixtures";

/*
 * The health check's start-window script, run by bash as Docker runs it: a
 * probe that passes on its Nth try (a counter file), a marker in a temporary
 * folder instead of the container's /tmp.
 */
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-health-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A probe that fails until its `passOn`th try; returns its argv. */
function countingProbe(passOn: number): string[] {
  const probe = path.join(dir, "probe.sh");
  fs.writeFileSync(probe, `n=$(( $(cat "${dir}/n" 2>/dev/null || echo 0) + 1 )); echo $n > "${dir}/n"; [ $n -ge ${passOn} ]\n`);
  return ["bash", probe];
}

function check(window: number, probe: string[]): { code: number | null; tries: number; marker: boolean; seconds: number } {
  const marker = path.join(dir, "marker");
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", HEALTH_SCRIPT, "labs-health", marker, String(window), "3", ...probe], { encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const tries = Number(fs.existsSync(path.join(dir, "n")) ? fs.readFileSync(path.join(dir, "n"), "utf8") : 0);
  return { code: r.status, tries, marker: fs.existsSync(marker), seconds };
}

describe("Docker health check: polling while a container starts", () => {
  it("keeps trying every 250 ms in its first run until the probe passes, then leaves the marker", () => {
    const r = check(30, countingProbe(4));
    expect(r.code).toBe(0);
    expect(r.tries).toBe(4);
    expect(r.marker).toBe(true);
    expect(r.seconds).toBeGreaterThanOrEqual(0.7);
  });

  it("tries once when the marker exists, failing or passing as the probe does", () => {
    fs.writeFileSync(path.join(dir, "marker"), "");
    const failing = check(30, countingProbe(3));
    expect(failing.code).not.toBe(0);
    expect(failing.tries).toBe(1);
    expect(check(30, countingProbe(3)).tries).toBe(2);
    expect(check(30, countingProbe(3))).toMatchObject({ code: 0, tries: 3 });
  });

  it("fails when the window ends without a pass, and leaves the marker so later runs try once", () => {
    // The window counts whole seconds of bash's clock: 2 s end after 1-2 s.
    const r = check(2, ["false"]);
    expect(r.code).toBe(1);
    expect(r.marker).toBe(true);
    expect(r.seconds).toBeGreaterThanOrEqual(0.9);
    expect(r.seconds).toBeLessThan(3.5);
  });

  it("passes a probe's arguments through as they are (spaces, quotes, dollars)", () => {
    const out = path.join(dir, "args");
    const r = check(5, ["bash", "-c", `printf '%s|' "$@" > "${out}"`, "x", "a b", "'q'", "$HOME"]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe("a b|'q'|$HOME|");
  });
});

describe("Docker health settings", () => {
  const worker = planLab({ name: "m2", module: 2, context: context() }).specs.flatMap((s) => s.workloads).find((w) => w.name === "spark-worker") as WorkloadSpec;

  it("wraps the readiness probe, keeps the spec's interval, retries and start period, and bounds a check by window plus one try", () => {
    const h = dockerHealth(worker);
    const t = worker.probeTiming;
    const window = t.initialDelaySeconds + t.periodSeconds * t.failureThreshold;
    expect(h.test.slice(0, 4)).toEqual(["CMD", "bash", "-c", HEALTH_SCRIPT]);
    expect(h.test.slice(4, 8)).toEqual(["labs-health", HEALTH_MARKER, String(window), String(t.timeoutSeconds)]);
    expect(h.test.slice(8)).toEqual(["curl", "-fsS", "-o", "/dev/null", "--max-time", "3", "http://127.0.0.1:8081/json/"]);
    expect(h).toMatchObject({ intervalSeconds: t.periodSeconds, retries: t.failureThreshold, startPeriodSeconds: t.initialDelaySeconds, timeoutSeconds: window + t.timeoutSeconds + 1 });
  });

  it("spells durations as Go prints them, as the provider reads a container's check back", () => {
    expect([0, 3, 59, 60, 129, 3600, 3725].map(goDuration)).toEqual(["0s", "3s", "59s", "1m0s", "2m9s", "1h0m0s", "1h2m5s"]);
    expect(dockerHealthCheck(worker)).toMatchObject({ interval: "5s", timeout: "2m9s", startPeriod: "5s" });
  });

  it("waits in `up` for the whole start window plus the slack", () => {
    const w = { ...worker, probeTiming: { ...DEFAULT_PROBE_TIMING, initialDelaySeconds: 2, periodSeconds: 3, failureThreshold: 10 } };
    expect(startWindowSeconds(w)).toBe(32);
    expect(readyTimeoutSeconds(w, 60)).toBe(92);
  });
});
