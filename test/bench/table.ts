/**
 * The benchmark's figures: samples of one measured quantity, their median
 * and spread, an optional baseline measured in the same run (the ratio is
 * median / baseline median), and the goal it is held to. Printed as one
 * table and written as JSON and a markdown table.
 */

/** Unit a figure is measured in. */
export type Unit = "s" | "ms" | "MiB" | "count" | "millicores";

/** A goal a figure is held to: its median, or its ratio to the baseline, at most `max`. */
export interface Goal {
  readonly max: number;
  readonly on: "median" | "ratio";
}

/** One measured quantity. */
export interface Figure {
  /** Where it was measured: `docker m2`, `kubernetes m1`, `class preview`. */
  readonly section: string;
  /** What: `up to ready`, `check`, `no-op up`. */
  readonly name: string;
  readonly unit: Unit;
  /** Every run's value (at least one). */
  readonly samples: readonly number[];
  /** The same quantity of the baseline, from the same runs. @default none */
  readonly baseline?: { readonly name: string; readonly samples: readonly number[] };
  /** Goals: the median (or the ratio, when `on` is "ratio") at most `max`. @default none */
  readonly goals?: readonly Goal[];
  /** A short note (what the number includes). @default none */
  readonly note?: string;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of no samples");
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Smallest and largest sample. */
export function spread(xs: readonly number[]): { min: number; max: number } {
  return { min: Math.min(...xs), max: Math.max(...xs) };
}

/** Median of the figure over median of its baseline, when it has one. */
export function ratio(f: Figure): number | undefined {
  if (!f.baseline || f.baseline.samples.length === 0) return undefined;
  const b = median(f.baseline.samples);
  return b === 0 ? undefined : median(f.samples) / b;
}

/** Whether the figure meets a goal; undefined when a ratio goal has no baseline. */
export function meetsGoal(f: Figure, g: Goal): boolean | undefined {
  const value = g.on === "ratio" ? ratio(f) : median(f.samples);
  return value === undefined ? undefined : value <= g.max;
}

/** A number as the table shows it: 3 significant digits at most, whole numbers as they are. */
export function fmt(x: number, unit: Unit): string {
  if (unit === "count" || unit === "millicores") return String(Math.round(x));
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function goalText(f: Figure): string {
  return (f.goals ?? [])
    .map((g) => {
      const met = meetsGoal(f, g);
      const target = g.on === "ratio" ? `ratio ≤ ${g.max}` : `≤ ${fmt(g.max, f.unit)} ${f.unit}`;
      return `${target} ${met === undefined ? "(no baseline)" : met ? "met" : "NOT met"}`;
    })
    .join("; ");
}

/** The columns of the table, in order. */
export const COLUMNS = ["section", "figure", "runs", "median", "min-max", "baseline", "ratio", "goal"] as const;

/** One row of cells per figure. */
export function rows(figures: readonly Figure[]): string[][] {
  return figures.map((f) => {
    const m = median(f.samples);
    const s = spread(f.samples);
    const r = ratio(f);
    const b = f.baseline ? `${fmt(median(f.baseline.samples), f.unit)} (${f.baseline.name})` : "";
    return [
      f.section,
      f.note ? `${f.name} (${f.note})` : f.name,
      String(f.samples.length),
      `${fmt(m, f.unit)} ${f.unit}`,
      f.samples.length > 1 ? `${fmt(s.min, f.unit)}-${fmt(s.max, f.unit)}` : "",
      b,
      r === undefined ? "" : r.toFixed(2),
      goalText(f),
    ];
  });
}

/** The table as aligned plain text for a terminal. */
export function textTable(figures: readonly Figure[]): string {
  const all = [[...COLUMNS] as string[], ...rows(figures)];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** The table in markdown. */
export function markdownTable(figures: readonly Figure[]): string {
  const head = `| ${COLUMNS.join(" | ")} |`;
  const rule = `|${COLUMNS.map(() => "---").join("|")}|`;
  return [head, rule, ...rows(figures).map((r) => `| ${r.map((c) => c.replace(/\|/g, "/")).join(" | ")} |`)].join("\n");
}
