import { describe, expect, it } from "vitest";
import { mergeResults, storeMarkdown } from "./bench/store";
import { Figure, markdownTable, median, meetsGoal, ratio, spread, textTable } from "./bench/table";

describe("the benchmark's table", () => {
  it("takes medians of odd and even counts, the spread and the ratio to the baseline's median", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no samples/);
    expect(spread([3, 9, 1])).toEqual({ min: 1, max: 9 });
    const f: Figure = { section: "docker m2", name: "up to ready", unit: "s", samples: [30, 28, 40], baseline: { name: "compose", samples: [20, 25, 22] } };
    expect(ratio(f)).toBeCloseTo(30 / 22, 10);
    expect(ratio({ ...f, baseline: undefined } as Figure)).toBeUndefined();
  });

  it("holds a figure to each of its goals, on its median or its ratio", () => {
    const f: Figure = { section: "s", name: "up", unit: "s", samples: [29, 31, 30], baseline: { name: "compose", samples: [20] }, goals: [{ max: 30, on: "median" }, { max: 1.3, on: "ratio" }] };
    expect(f.goals!.map((g) => meetsGoal(f, g))).toEqual([true, false]);
    const noBase: Figure = { ...f, baseline: undefined } as Figure;
    expect(meetsGoal(noBase, { max: 1.3, on: "ratio" })).toBeUndefined();
    const text = textTable([f]);
    expect(text.split("\n")[0]).toMatch(/^section\s+figure\s+runs\s+median\s+min-max\s+baseline\s+ratio\s+goal$/);
    expect(text).toContain("30.0 s");
    expect(text).toContain("20.0 (compose)");
    expect(text).toContain("1.50");
    expect(text).toContain("≤ 30.0 s met; ratio ≤ 1.3 NOT met");
  });

  it("writes markdown with one row per figure and no stray pipes", () => {
    const md = markdownTable([{ section: "a|b", name: "n", unit: "MiB", samples: [512] }]);
    const lines = md.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("| a/b | n | 1 | 512 MiB |  |  |  |  |");
  });
});

describe("the benchmark's stored results", () => {
  const fig = (section: string, v: number): Figure => ({ section, name: "up to ready", unit: "s", samples: [v] });
  it("replaces a section measured again and keeps the others with their own header", () => {
    const first = mergeResults(undefined, [fig("docker m1", 20), fig("docker m2", 30)], [], "run A");
    const second = mergeResults(first, [fig("docker m2", 25)], ["docker m2 run 2: labctl up failed"], "run B");
    expect(second.figures.map((f) => [f.section, f.samples[0], f.invocation])).toEqual([
      ["docker m1", 20, 1],
      ["docker m2", 25, 2],
    ]);
    const md = storeMarkdown(second);
    expect(md.indexOf("run A")).toBeLessThan(md.indexOf("run B"));
    expect(md).toContain("- docker m2 run 2: labctl up failed");
    // A failed run of a section measured again drops out with it.
    const rerun = mergeResults(second, [fig("docker m2", 24)], [], "run B2");
    expect(storeMarkdown(rerun)).not.toContain("labctl up failed");
    // An invocation whose every section was measured again drops out.
    const third = mergeResults(second, [fig("docker m1", 19)], [], "run C");
    expect(third.invocations.map((i) => i.header)).toEqual(["run B", "run C"]);
  });
});
