import { describe, expect, it } from "vitest";
import type { CheckResult } from "../lab-workloads/common/check";
import {
  assignmentNames,
  canvasCsv,
  csvField,
  exerciseNames,
  exerciseSlug,
  feedbackMarkdown,
  GradebookRun,
  marksOf,
  nbgraderCsv,
  nbgraderTimestamp,
  StudentGrade,
} from "../cli/class/gradebook";
import { spawnSync } from "child_process";
import { intOption, sortSubmission, unsubmittedJob } from "../cli/commands/class-check";

const AT = new Date("2026-11-27T11:45:00.250Z");
const WORDS = "RDD word count (map/filter/reduceByKey)";
const SALES = "DataFrame groupBy/agg/orderBy to Parquet";

const pass = (name: string): CheckResult => ({ name, ok: true, seconds: 12, assertions: [{ what: "rows", expected: "3", actual: "3", ok: true }] });
/** What a wrong solution gives: the job ran, one comparison is off. */
const wrong = (name: string): CheckResult => ({
  name,
  ok: false,
  seconds: 20,
  assertions: [
    { what: "rows written", expected: "12", actual: "12", ok: true },
    { what: "revenue of (north, apples)", expected: "1042.5 ±0.01", actual: "998", ok: false },
  ],
  log: "Traceback (most recent call last):\nValueError: bad | pipe",
});

const student = (name: string, results: CheckResult[], extra: Partial<StudentGrade> = {}): StudentGrade => ({
  student: name,
  lab: `e2e-${name}`,
  results,
  used: ["sales_agg.py", "wordcount.py"],
  ignored: [],
  submitted: true,
  ...extra,
});

const run = (students: StudentGrade[]): GradebookRun => ({ className: "e2e", module: 2, at: AT, seed: 4242, exerciseFiles: ["sales_agg.py", "wordcount.py"], withSolutions: true, students });

const CLASS = run([
  student("alice", [pass(WORDS), pass(SALES)], { email: "alice@example.org" }),
  student("bob", [pass(WORDS), wrong(SALES)], { email: "bob@example.org", used: ["sales_agg.py"], ignored: ["notes.txt", "wordcount_v2.py"] }),
  student("carol", [], { error: "timed out after 1200 s" }),
  student("dave", [], { submitted: false, used: [] }),
]);

/** A CSV parser (RFC 4180) to read the files back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\n") row.push(field), rows.push(row), (row = []), (field = "");
    else field += ch;
  }
  return rows;
}

describe("nbgrader.csv", () => {
  const rows = parseCsv(nbgraderCsv(CLASS));

  it("has nbgrader's export header exactly", () => {
    expect(nbgraderCsv(CLASS).split("\n")[0]).toBe("assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,late_submission_penalty,score,max_score");
  });

  it("has one row per student per exercise, exercises outer as nbgrader loops, 11 fields each", () => {
    expect(rows).toHaveLength(1 + 2 * 4);
    expect(rows.slice(1).map((r) => `${r[0]}/${r[3]}`)).toEqual([
      "m2-rdd-word-count-map-filter-reducebykey/alice",
      "m2-rdd-word-count-map-filter-reducebykey/bob",
      "m2-rdd-word-count-map-filter-reducebykey/carol",
      "m2-rdd-word-count-map-filter-reducebykey/dave",
      "m2-dataframe-groupby-agg-orderby-to-parquet/alice",
      "m2-dataframe-groupby-agg-orderby-to-parquet/bob",
      "m2-dataframe-groupby-agg-orderby-to-parquet/carol",
      "m2-dataframe-groupby-agg-orderby-to-parquet/dave",
    ]);
    expect(rows.every((r) => r.length === 11)).toBe(true);
  });

  it("scores 1/0 per exercise: a wrong solution is a failed exercise, a timed-out lab fails all, no submission has no timestamp", () => {
    const at = (assignment: number, who: string) => rows.find((r) => r[0] === assignmentNames(2, exerciseNames(CLASS))[assignment] && r[3] === who)!;
    expect(at(1, "alice")).toEqual(["m2-dataframe-groupby-agg-orderby-to-parquet", "", "2026-11-27 11:45:00.250000", "alice", "", "", "alice@example.org", "1.0", "0.0", "1.0", "1.0"]);
    expect(at(0, "bob").slice(7)).toEqual(["1.0", "0.0", "1.0", "1.0"]);
    expect(at(1, "bob").slice(7)).toEqual(["0.0", "0.0", "0.0", "1.0"]);
    expect(at(0, "carol")[2]).toBe("2026-11-27 11:45:00.250000");
    expect(at(0, "carol").slice(6)).toEqual(["", "0.0", "0.0", "0.0", "1.0"]);
    expect(at(1, "dave")[2]).toBe("");
    expect(at(1, "dave").slice(7)).toEqual(["0.0", "0.0", "0.0", "1.0"]);
  });

  it("still has a row per student when no lab returned any exercise", () => {
    const none = parseCsv(nbgraderCsv(run([student("carol", [], { error: "timed out after 10 s" }), student("dave", [], { submitted: false })])));
    expect(none.slice(1).map((r) => `${r[0]} ${r[3]} ${r[2] ? "t" : "-"} ${r[9]}`)).toEqual(["m2-check carol t 0.0", "m2-check dave - 0.0"]);
  });
});

describe("canvas.csv", () => {
  const text = canvasCsv(CLASS);
  const rows = parseCsv(text);

  it("has Canvas's student columns in its order, one module column and a Points Possible row", () => {
    expect(text.split("\n").slice(0, 2)).toEqual(["Student,ID,SIS User ID,SIS Login ID,Section,e2e m2 lab check", "Points Possible,,,,,2"]);
  });

  it("has one row per student keyed by the roster login, with the exercises passed", () => {
    expect(rows.slice(2)).toEqual([
      ["alice", "", "", "alice", "", "2"],
      ["bob", "", "", "bob", "", "1"],
      ["carol", "", "", "carol", "", "0"],
      ["dave", "", "", "dave", "", "0"],
    ]);
  });

  it("keeps a digits-in-parentheses id out of the column name and quotes a comma", () => {
    const odd = canvasCsv({ ...CLASS, className: "fall,2026" }).split("\n")[0];
    expect(odd).toBe('Student,ID,SIS User ID,SIS Login ID,Section,"fall,2026 m2 lab check"');
    expect(odd).not.toMatch(/\(\d+\)/);
  });
});

describe("CSV quoting", () => {
  it("quotes commas, quotes, line breaks and edge spaces, and nothing else", () => {
    expect(csvField("alice")).toBe("alice");
    expect(csvField("1.0")).toBe("1.0");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField(" padded")).toBe('" padded"');
    expect(parseCsv(`${["a,b", 'say "hi"', "two\nlines"].map(csvField).join(",")}\n`)).toEqual([["a,b", 'say "hi"', "two\nlines"]]);
  });
});

describe("feedback", () => {
  it("names the failed exercise with its failing assertion, what passed, the files used and ignored", () => {
    const text = feedbackMarkdown(CLASS, CLASS.students[1]!);
    expect(text).toContain("Result: 1 of 2 exercises passed.");
    const failed = text.slice(text.indexOf("## Failed"), text.indexOf("## Passed"));
    expect(failed).toContain("### DataFrame groupBy/agg/orderBy to Parquet");
    expect(failed).toContain("- revenue of (north, apples): expected 1042.5 ±0.01, got 998");
    expect(failed).not.toContain("rows written");
    expect(failed).toContain("ValueError: bad | pipe");
    expect(failed).not.toContain("RDD word count");
    expect(text.slice(text.indexOf("## Passed"))).toContain("- RDD word count (map/filter/reduceByKey)");
    expect(text).toContain("Run in place of the reference solution: `sales_agg.py`");
    expect(text).toContain("Not handed in (its exercise counts as failed): `wordcount.py`");
    expect(feedbackMarkdown({ ...CLASS, unsubmitted: "reference" }, CLASS.students[1]!)).toContain("Not handed in (the reference solution ran instead): `wordcount.py`");
    expect(text).toContain("Ignored, no exercise has this name: `notes.txt`, `wordcount_v2.py`");
  });

  it("says a timed-out lab failed every exercise and why", () => {
    const text = feedbackMarkdown(CLASS, CLASS.students[2]!);
    expect(text).toContain("Result: 0 of 2 exercises passed.");
    expect(text).toContain("did not finish: timed out after 1200 s");
    expect(text).toContain("### RDD word count (map/filter/reduceByKey)\n\n- not run: timed out after 1200 s");
    expect(text).not.toContain("## Passed");
  });

  it("tells a student with no matching file what to hand in, and lists no failures", () => {
    const text = feedbackMarkdown(CLASS, CLASS.students[3]!);
    expect(text).toContain("No file of yours matched an exercise, so nothing was run. Hand in files named like the exercises: `sales_agg.py`, `wordcount.py`.");
    expect(text).not.toContain("## Failed");
  });
});

describe("exercises and submissions", () => {
  it("marks pass, fail (also when a result is missing) and none", () => {
    const names = exerciseNames(CLASS);
    expect(names).toEqual([WORDS, SALES]);
    expect(CLASS.students.map((s) => marksOf(s, names).join(","))).toEqual(["pass,pass", "pass,fail", "fail,fail", "none,none"]);
  });

  it("makes short unique assignment names", () => {
    expect(exerciseSlug("Spark Structured Streaming: tumbling windows with a watermark")).toBe("spark-structured-streaming-tumbling-wind");
    expect(assignmentNames(4, ["Same name!", "same name?"])).toEqual(["m4-same-name", "m4-same-name-2"]);
  });

  it("sorts a student's folder into exercise files and ignored files", () => {
    expect(sortSubmission(["wordcount.py", "notes.md", "common.py", "sales_agg.py"], ["sales_agg.py", "wordcount.py"])).toEqual({ used: ["sales_agg.py", "wordcount.py"], ignored: ["common.py", "notes.md"] });
  });

  it("runs a file not handed in as a job that fails and says why", () => {
    const r = spawnSync("python3", ["-c", unsubmittedJob("wordcount.py")], { encoding: "utf8" });
    expect(r.status).toBe(3);
    expect(r.stderr.trim()).toBe("not handed in: wordcount.py (no such file in your folder), so this exercise counts as failed");
  });

  it("reads whole-number options or refuses them in one line", () => {
    expect(intOption("parallel", "4", 1, 64)).toBe(4);
    expect(intOption("parallel", undefined, 1, 64)).toBeUndefined();
    expect(() => intOption("timeout", "0", 1, 86400)).toThrow("--timeout 0: use a whole number from 1 to 86400");
    expect(() => intOption("parallel", "2.5", 1, 64)).toThrow(/^--parallel 2\.5:/);
  });

  it("writes timestamps as nbgrader does (Python's str of a datetime)", () => {
    expect(nbgraderTimestamp(new Date("2026-01-02T03:04:05.006Z"))).toBe("2026-01-02 03:04:05.006000");
  });
});
