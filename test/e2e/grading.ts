/**
 * End-to-end test of grading (real Docker, labctl in its own processes, as a
 * student runs it): on module 1's lab,
 *   - a correct student solution (written differently from the reference) passes;
 *   - a wrong one fails, and on the right assertion only (its sums, not its counts);
 *   - a file named after no exercise is refused in one line, exit 2, before anything runs.
 *
 *   npm run test:e2e:grading
 *
 * Prints `solution: correct passes, wrong fails, misnamed refused` when all
 * three hold, and ends with `N passed, N failed`.
 */
import * as path from "path";
import { exerciseFiles } from "../../lab-workloads/common/jobs";
import { jobsDirOf } from "../../lab-workloads/run";
import { CommandResult, labctl, log, REPO, Tally } from "./harness";

const MODULE = "1";
const FIXTURES = path.join(REPO, "test", "fixtures", "solutions", "m1");
const tally = new Tally();

/** The checks of a `labctl check` report: name, PASS/FAIL, and the assertions marked BAD. */
export function parseReport(out: string): { name: string; ok: boolean; bad: string[] }[] {
  const checks: { name: string; ok: boolean; bad: string[] }[] = [];
  for (const line of out.split("\n")) {
    const head = line.match(/^(?:\[\s*\d+s\] )?(PASS|FAIL) (.+?) \(\d+\.\ds\)/);
    if (head) {
      checks.push({ name: head[2]!, ok: head[1] === "PASS", bad: [] });
      continue;
    }
    const bad = line.match(/^\s+BAD (.+?): expected /);
    if (bad && checks.length > 0) checks.at(-1)!.bad.push(bad[1]!);
  }
  return checks;
}

function summary(r: CommandResult): string {
  return r.out.match(/^\d+ passed, \d+ failed$/m)?.[0] ?? (r.err.trim().split("\n").pop() ?? "");
}

function correct(): boolean {
  const r = labctl(["check", MODULE, "--solution", path.join(FIXTURES, "correct")]);
  const checks = parseReport(r.out);
  const announced = r.out.match(/your files in place of the reference jobs: (.*)/)?.[1]?.split(", ").sort().join(",");
  const used = announced === "pandas_chunked.py,polars_lazy.py";
  return tally.check("a correct solution passes", r.code === 0 && used && checks.length > 0 && checks.every((c) => c.ok) && /^\d+ passed, 0 failed$/m.test(r.out),
    `exit ${r.code} in ${r.seconds.toFixed(0)} s; ${used ? "both student files ran" : "student files NOT announced"}; ${summary(r)}`);
}

function wrong(): boolean {
  const r = labctl(["check", MODULE, "--solution", path.join(FIXTURES, "wrong", "pandas_chunked.py")]);
  const checks = parseReport(r.out);
  const failed = checks.filter((c) => !c.ok);
  const pandas = failed.find((c) => c.name.startsWith("pandas chunked aggregation"));
  const right = failed.length === 1 && pandas !== undefined && pandas.bad.join("|") === "pandas: sums per category";
  return tally.check("a wrong solution fails on the right assertion", r.code === 1 && right && /^\d+ passed, 1 failed$/m.test(r.out),
    `exit ${r.code} in ${r.seconds.toFixed(0)} s; failed: ${failed.map((c) => `${c.name} [${c.bad.join(", ")}]`).join("; ") || "nothing"}; ${summary(r)}`);
}

function misnamed(): boolean {
  const r = labctl(["check", MODULE, "--solution", path.join(FIXTURES, "misnamed", "my_job.py")], { timeoutSeconds: 120 });
  const lines = r.err.trim().split("\n").filter(Boolean);
  const names = exerciseFiles(jobsDirOf(1));
  const listed = names.every((n) => lines[0]?.includes(n));
  const ranNothing = !/passed, \d+ failed/.test(r.out) && !/your files/.test(r.out);
  return tally.check("a misnamed solution is refused", r.code === 2 && lines.length === 1 && /"my_job\.py" is not an exercise of module 1/.test(lines[0] ?? "") && listed && ranNothing,
    `exit ${r.code} in ${r.seconds.toFixed(1)} s; stderr: ${lines[0] ?? "(none)"}${lines.length > 1 ? ` (+${lines.length - 1} lines)` : ""}; ${listed ? `lists all ${names.length} exercises` : "does not list every exercise"}`);
}

function main(): void {
  log(`grading on module ${MODULE} (real Docker lab, labctl as a student runs it)`);
  const refused = misnamed();   // first: it needs no lab, and must not start one
  const up = labctl(["up", MODULE]);
  if (!tally.check(`labctl up ${MODULE}`, up.code === 0, `exit ${up.code} in ${up.seconds.toFixed(0)} s; ${(up.out.match(/Ready in .*/) ?? [up.err.trim().split("\n").pop()])[0]}`)) {
    tally.finish();
    return;
  }
  try {
    const passes = correct();
    const fails = wrong();
    if (passes && fails && refused) process.stdout.write("solution: correct passes, wrong fails, misnamed refused\n");
  } finally {
    const down = labctl(["down", MODULE]);
    tally.check(`labctl down ${MODULE}`, down.code === 0, `exit ${down.code} in ${down.seconds.toFixed(0)} s`);
  }
  tally.finish();
}

main();
