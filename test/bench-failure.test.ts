import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { failureLine, keepFailureLog } from "./bench/measure";

describe("failureLine", () => {
  it("names each failed check and its first failed expectation, not the passing ones", () => {
    const out = [
      "PASS consumer (0.1s)",
      "     ok  records: expected 1001, got 1001",
      "FAIL Spark: sliding windows (13.6s)",
      "     ok  windows written: expected 171, got 171",
      "     BAD micro-batches: expected 6, got 5",
      "     BAD running count: expected all equal, got 2 differ",
      "FAIL Faust agent (30.0s): no answer",
      "5 passed, 2 failed",
    ].join("\n");
    expect(failureLine({ code: 1, out, err: "", seconds: 1 })).toBe(
      "5 passed, 2 failed; FAIL Spark: sliding windows (13.6s) — micro-batches: expected 6, got 5; FAIL Faust agent (30.0s): no answer",
    );
    expect(failureLine({ code: 1, out: "", err: "labctl: no lab\n", seconds: 1 })).toBe("labctl: no lab");
  });

  it("keeps all a failed run printed, both streams, in a file only its owner reads", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-failures-"));
    const file = keepFailureLog("labctl check 4", { code: 1, out: "[ 7s]   faust | Traceback (most recent call last)\nFAIL Faust agent\n", err: "labctl: 1 failed\n", seconds: 9 }, dir);
    expect(path.dirname(file)).toBe(dir);
    expect(path.basename(file)).toMatch(/-labctl-check-4\.log$/);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain("faust | Traceback (most recent call last)");
    expect(text).toContain("labctl: 1 failed");
    expect(text.startsWith("$ labctl check 4 (exit 1)")).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
