import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { resolveSolutions } from "../cli/commands/check";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-solutions-"));
const file = (rel: string, text = "print('mine')\n") => {
  const f = path.join(dir, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
};

describe("labctl check --solution", () => {
  it("refuses a file named after no exercise, listing the exercises", () => {
    expect(() => resolveSolutions(2, [file("my_job.py")])).toThrow(/^--solution .*my_job\.py: "my_job\.py" is not an exercise of module 2; name your file after one of rdd_partitions\.py, sales_agg\.py, wordcount\.py$/);
  });
  it("does not count a helper the jobs import as an exercise", () => {
    expect(() => resolveSolutions(1, [file("m1/common.py")])).toThrow(/"common\.py" is not an exercise of module 1/);
  });
  it("takes several files and folders", () => {
    const a = file("a/wordcount.py");
    const b = file("b/sales_agg.py");
    expect(resolveSolutions(2, [a, b])).toEqual([a, b]);
    expect(resolveSolutions(2, [path.dirname(a)])).toEqual([a]);
  });
  it("refuses a missing path, an empty folder and two files for one exercise", () => {
    expect(() => resolveSolutions(2, [path.join(dir, "nope.py")])).toThrow(/no such file or folder/);
    fs.mkdirSync(path.join(dir, "empty"), { recursive: true });
    expect(() => resolveSolutions(2, [path.join(dir, "empty")])).toThrow(/the folder has no \.py file; module 2's exercises are rdd_partitions\.py, sales_agg\.py, wordcount\.py/);
    expect(() => resolveSolutions(2, [file("c/wordcount.py"), file("d/wordcount.py")])).toThrow(/two files are named wordcount\.py/);
  });
});
