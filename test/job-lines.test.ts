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

describe("job output lines with multi-byte UTF-8", () => {
  it("decodes a character whose bytes are split across two chunks", () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    const text = "région café → 東京 😀 ok\nzweite Zeile ü\n";
    const bytes = Buffer.from(text, "utf8");
    // Every cut point, one byte at a time: each multi-byte character gets split somewhere.
    for (let i = 0; i < bytes.length; i++) s.push(bytes.subarray(i, i + 1));
    s.end();
    expect(lines).toEqual(["région café → 東京 😀 ok", "zweite Zeile ü"]);
    expect(lines.join("")).not.toContain("\uFFFD");
  });

  it("decodes a 4-byte character cut 1+3 and 3+1 at a chunk boundary", () => {
    const emoji = Buffer.from("😀", "utf8");
    for (const cut of [1, 2, 3]) {
      const lines: string[] = [];
      const s = lineSplitter((l) => lines.push(l));
      s.push(Buffer.concat([Buffer.from("a"), emoji.subarray(0, cut)]));
      s.push(Buffer.concat([emoji.subarray(cut), Buffer.from("b")]));
      s.end();
      expect(lines).toEqual(["a😀b"]);
    }
  });
});
