import { describe, expect, it } from "vitest";
import { failureLine } from "./bench/measure";

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
});
