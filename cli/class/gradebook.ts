/**
 * Gradebook files from a `class check` run: nbgrader's CSV export, a
 * Canvas-importable CSV, and one Markdown feedback per student. Pure: the
 * texts only; the command writes them.
 *
 * Scoring: each check of the module's driver is one exercise worth 1 point,
 * 1 when every assertion of it held, else 0. (Assertion counts vary with the
 * data and drop to 0 when a job fails before comparing, so they would make
 * `max_score` differ between students.) An exercise is worth 0 when the
 * student's lab run failed as a whole (timed out) or, with `--solutions`,
 * when the student handed in no file at all (then nothing was run). An
 * exercise file a student did not hand in runs as a job that fails saying
 * so (`unsubmitted: "fail"`), unless the instructor asks for the reference
 * solution in its place (`"reference"`, which passes those exercises).
 */
import type { CheckResult } from "../../lab-workloads/common/check";
import { ExerciseMark } from "./grid";

/** One student's run. */
export interface StudentGrade {
  /** Roster login (the Canvas SIS Login ID, nbgrader's student_id). */
  readonly student: string;
  readonly email?: string;
  readonly lab: string;
  /** The driver's checks; empty when the run failed before returning them. */
  readonly results: readonly CheckResult[];
  /** Why the run failed as a whole (`timed out after N s`). @default none */
  readonly error?: string;
  /** The student's files run in place of the reference jobs of the same name. */
  readonly used: readonly string[];
  /** Files of the student's folder that match no exercise (not run). */
  readonly ignored: readonly string[];
  /** False when solutions were collected and the student had no file for any exercise (not run). */
  readonly submitted: boolean;
}

/** A whole `class check` run. */
export interface GradebookRun {
  readonly className: string;
  readonly module: number;
  readonly at: Date;
  readonly seed: number;
  /** The module's exercise files (what a student may hand in); empty when no solutions were collected. */
  readonly exerciseFiles: readonly string[];
  /** Whether students' files were collected (`--solutions`). */
  readonly withSolutions: boolean;
  /** What ran for an exercise file a student did not hand in. @default "fail" */
  readonly unsubmitted?: "fail" | "reference";
  readonly students: readonly StudentGrade[];
}

/** nbgrader's `nbgrader export` columns, in its order. */
export const NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email", "raw_score", "late_submission_penalty", "score", "max_score"] as const;

/** The student columns Canvas's gradebook import reads, in the order it requires. */
export const CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] as const;

/** First cell of the row Canvas reads points possible from. */
export const CANVAS_POINTS_ROW = "Points Possible";

/** One CSV field, quoted when it holds a comma, quote, line break or edge spaces. */
export function csvField(v: string): string {
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const csvLine = (fields: readonly string[]) => fields.map(csvField).join(",");

/** Exercise names in the order the driver reports them (first student with results first). */
export function exerciseNames(run: GradebookRun): string[] {
  const seen: string[] = [];
  for (const s of run.students) for (const r of s.results) if (!seen.includes(r.name)) seen.push(r.name);
  return seen;
}

/** `RDD word count (map/filter)` → `rdd-word-count-map-filter` (at most 40 characters). */
export function exerciseSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 40).replace(/^-+|-+$/g, "") || "exercise";
}

/** nbgrader assignment names, `m<N>-<slug>`, unique; `m<N>-check` stands for the module when no exercise is known. */
export function assignmentNames(module: number, exercises: readonly string[]): string[] {
  if (exercises.length === 0) return [`m${module}-check`];
  const used = new Set<string>();
  return exercises.map((e) => {
    const base = `m${module}-${exerciseSlug(e)}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    return name;
  });
}

/** A student's mark per exercise (`none` when nothing was handed in). */
export function marksOf(s: StudentGrade, exercises: readonly string[]): ExerciseMark[] {
  if (!s.submitted) return exercises.map(() => "none");
  return exercises.map((e) => (s.results.find((r) => r.name === e)?.ok ? "pass" : "fail"));
}

/** Exercises a student passed. */
export function passedCount(s: StudentGrade, exercises: readonly string[]): number {
  return marksOf(s, exercises).filter((m) => m === "pass").length;
}

/** Python's `str(datetime)` of a UTC instant, as nbgrader writes timestamps: `2026-11-27 11:45:00.123000`. */
export function nbgraderTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace("T", " ")}.${String(at.getUTCMilliseconds() * 1000).padStart(6, "0")}`;
}

const score = (x: number) => x.toFixed(1);

/**
 * `nbgrader.csv`: one row per exercise per student (exercises outer, as
 * nbgrader loops over assignments), nbgrader's columns. Names are empty (the
 * roster has logins only); a student who handed in nothing has an empty
 * timestamp, like a missing nbgrader submission.
 */
export function nbgraderCsv(run: GradebookRun): string {
  const exercises = exerciseNames(run);
  const names = assignmentNames(run.module, exercises);
  const lines = [NBGRADER_COLUMNS.join(",")];
  for (const [i, assignment] of names.entries()) {
    for (const s of run.students) {
      const mark = exercises.length === 0 ? (s.submitted ? "fail" : "none") : marksOf(s, exercises)[i]!;
      const points = mark === "pass" ? 1 : 0;
      lines.push(csvLine([assignment, "", mark === "none" ? "" : nbgraderTimestamp(run.at), s.student, "", "", s.email ?? "", score(points), score(0), score(points), score(1)]));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The Canvas column of a run: the class and module, with no `(digits)` that Canvas would read as an assignment id. */
export function canvasColumn(run: GradebookRun): string {
  return `${run.className} m${run.module} lab check`;
}

/**
 * `canvas.csv`: Canvas's gradebook import layout — the student columns in
 * the order Canvas requires, a `Points Possible` row, and one column for the
 * module (exercises passed, out of the number of exercises). Students are
 * matched by `SIS Login ID` (the roster login); Canvas's own ID and the SIS
 * User ID are left empty for Canvas to fill from the login.
 */
export function canvasCsv(run: GradebookRun): string {
  const exercises = exerciseNames(run);
  const lines = [csvLine([...CANVAS_COLUMNS, canvasColumn(run)]), csvLine([CANVAS_POINTS_ROW, "", "", "", "", String(Math.max(exercises.length, 1))])];
  for (const s of run.students) lines.push(csvLine([s.student, "", "", s.student, "", String(passedCount(s, exercises))]));
  return `${lines.join("\n")}\n`;
}

const md = (s: string) => s.replace(/([\\`*_[\]|<>])/g, "\\$1");
/** A file name as a code span (no escaping inside one; a backtick cannot occur in it). */
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** `feedback/<student>.md`: what failed (with the failing assertions), what passed, the files used and ignored. */
export function feedbackMarkdown(run: GradebookRun, s: StudentGrade): string {
  const exercises = exerciseNames(run);
  const marks = marksOf(s, exercises);
  const out = [`# Module ${run.module} lab check: ${md(s.student)}`, ""];
  out.push(`Class ${md(run.className)}, lab ${md(s.lab)}, checked ${run.at.toISOString().slice(0, 16).replace("T", " ")} UTC (data seed ${run.seed}).`);
  out.push(`Result: ${marks.filter((m) => m === "pass").length} of ${exercises.length} exercises passed.`, "");
  if (run.withSolutions) {
    out.push("## Your files", "");
    if (!s.submitted) out.push(`- No file of yours matched an exercise, so nothing was run. Hand in files named like the exercises: ${run.exerciseFiles.map(code).join(", ")}.`);
    else out.push(`- Run in place of the reference solution: ${s.used.map(code).join(", ")}`);
    const missing = s.submitted ? run.exerciseFiles.filter((f) => !s.used.includes(f)) : [];
    if (missing.length > 0) out.push(`- Not handed in (${run.unsubmitted === "reference" ? "the reference solution ran instead" : "its exercise counts as failed"}): ${missing.map(code).join(", ")}`);
    if (s.ignored.length > 0) out.push(`- Ignored, no exercise has this name: ${s.ignored.map(code).join(", ")}`);
    out.push("");
  }
  if (s.error) out.push(`**Your lab's check did not finish: ${md(s.error)}.** Every exercise counts as failed.`, "");
  const failed = s.submitted ? exercises.filter((_e, i) => marks[i] === "fail") : [];
  if (failed.length > 0) {
    out.push("## Failed", "");
    for (const e of failed) {
      const r = s.results.find((x) => x.name === e);
      out.push(`### ${md(e)}`, "");
      if (!r) {
        out.push(`- not run: ${md(s.error ?? "the check returned no result")}`, "");
        continue;
      }
      if (r.error) out.push(`- error: ${md(r.error)}`);
      for (const a of r.assertions.filter((x) => !x.ok)) out.push(`- ${md(a.what)}: expected ${md(a.expected)}, got ${md(a.actual)}`);
      if (!r.error && r.assertions.length === 0) out.push("- no assertion was made");
      if (r.log) out.push("", "Last lines of the job's output:", "", "```", ...r.log.split("\n").slice(-15).map((l) => l.replace(/```/g, "'''")), "```");
      out.push("");
    }
  }
  const passed = exercises.filter((_e, i) => marks[i] === "pass");
  if (passed.length > 0) out.push("## Passed", "", ...passed.map((e) => `- ${md(e)}`), "");
  return `${out.join("\n").trimEnd()}\n`;
}
