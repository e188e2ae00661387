import { describe, expect, it } from "vitest";
import { lineSplitter } from "../lab-workloads/common/job-error";

describe("job output lines", () => {
  it("keeps a long line whole when the pipe splits it across chunks", () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    const long = `SUMMARY ${JSON.stringify({ windows: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])) })}`;
    const text = `first\n${long}\n\nlast without newline`;
    for (let i = 0; i < text.length; i += 4096) s.push(Buffer.from(text.slice(i, i + 4096)));
    s.end();
    expect(lines).toEqual(["first", long, "last without newline"]);
    expect(JSON.parse(lines[1]!.slice(8)).windows.k499).toBe(499);
  });
});
