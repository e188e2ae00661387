import { describe, expect, it } from "vitest";
import { jobOutput, lineSplitter } from "../lab-workloads/common/job-error";

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

describe("job progress lines", () => {
  it("leaves out the JVM's log lines but shows an executor lost with its worker", () => {
    const shown: string[] = [];
    const out = jobOutput({ onLine: (l) => shown.push(l) });
    const lines = [
      "25/11/27 18:06:20 WARN TaskSetManager: Lost task 0.0 in stage 1.0 (TID 1) (172.18.0.4 executor 0): ExecutorLostFailure (executor 0 exited)",
      "25/11/27 18:06:20 ERROR TaskSchedulerImpl: Lost executor 0 on 172.18.0.4: Remote RPC client disassociated.",
      "25/11/27 18:06:21 INFO StandaloneSchedulerBackend: Executor app-20261127180552-0001/0 removed: worker lost",
      "25/11/27 18:06:22 INFO DAGScheduler: Resubmitting failed stages",
      "plan built; partitions=2",
    ];
    for (const l of lines) out.line(l, l.startsWith("25/"));
    expect(shown).toEqual([lines[1], lines[2], "plan built; partitions=2"]);
    expect(out.stdout()).toBe("plan built; partitions=2");
  });
});
