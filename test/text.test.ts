import { describe, expect, it } from "vitest";
import { lastLine } from "../lab-workloads/common/text";

describe("lastLine", () => {
  it("gives the last line with text, not a trailing blank one", () => {
    expect(lastLine("first\nsecond\n  \n\n")).toBe("second");
    expect(lastLine("")).toBe("");
  });
  it("cuts long lines to the limit", () => {
    expect(lastLine(`x\n${"y".repeat(400)}`)).toHaveLength(300);
    expect(lastLine("abcdef", 3)).toBe("abc");
  });
});
