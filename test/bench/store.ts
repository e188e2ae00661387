/**
 * The benchmark's stored results: docs/bench/latest.json and the tables
 * between the bench markers of docs/measurements.md. Each invocation's
 * sections replace the same sections of earlier ones; other sections stay.
 */
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../e2e/harness";
import { Figure, markdownTable, meetsGoal, median, ratio, spread } from "./table";

/** One invocation's figure as stored: the figure, its medians and ratio, and which invocation measured it. */
type StoredFigure = Figure & { readonly invocation: number };

/** docs/bench/latest.json: every invocation whose figures are still the newest of their section. */
export interface Store {
  readonly invocations: { readonly id: number; readonly header: string; readonly failures: readonly string[] }[];
  readonly figures: StoredFigure[];
}

/** The figure with its median, spread, ratio and goals met, for readers of the JSON. */
function record(f: Figure, invocation: number): StoredFigure {
  return {
    ...f,
    invocation,
    ...({ median: median(f.samples), ...spread(f.samples) } as object),
    ...(f.baseline ? ({ baselineMedian: median(f.baseline.samples), ratio: ratio(f) } as object) : {}),
    ...(f.goals ? ({ goalsMet: f.goals.map((g) => meetsGoal(f, g)) } as object) : {}),
  };
}

/**
 * Merges an invocation into the stored results: its sections replace the
 * same sections of earlier invocations, other sections stay (so a quick run
 * of one module does not erase the full run of another).
 */
export function mergeResults(old: Store | undefined, figures: readonly Figure[], failures: readonly string[], header: string): Store {
  const sections = new Set(figures.map((f) => f.section));
  const id = Math.max(0, ...(old?.invocations ?? []).map((i) => i.id)) + 1;
  const kept = (old?.figures ?? []).filter((f) => !sections.has(f.section));
  const all = [...kept, ...figures.map((f) => record(f, id))];
  const live = new Set(all.map((f) => f.invocation));
  // A failed run of a section measured again is history: the new figures stand for it.
  const measured = [...sections, ...failures.map((f) => f.split(" run ")[0]!)];
  const stale = (line: string) => measured.some((sec) => line.startsWith(`${sec} run `));
  const earlier = (old?.invocations ?? []).map((i) => ({ ...i, failures: i.failures.filter((f) => !stale(f)) })).filter((i) => live.has(i.id));
  return { invocations: [...earlier, { id, header, failures }], figures: all };
}

/** The stored results in markdown: each invocation's header, its figures' table, its failed runs. */
export function storeMarkdown(store: Store): string {
  return store.invocations
    .map((inv) => {
      const figs = store.figures.filter((f) => f.invocation === inv.id);
      const failed = inv.failures.length > 0 ? `\n\nFailed runs (left out of the figures):\n\n${inv.failures.map((f) => `- ${f}`).join("\n")}` : "";
      return `${inv.header}\n\n${figs.length > 0 ? markdownTable(figs) : "(no figures)"}${failed}`;
    })
    .join("\n\n");
}

/** Writes docs/bench/latest.json and the tables between the bench markers of docs/measurements.md. */
export function writeResults(figures: readonly Figure[], failures: readonly string[], header: string): void {
  const dir = path.join(REPO, "docs", "bench");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "latest.json");
  const old = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Store>) : undefined;
  const store = mergeResults(old?.invocations && old.figures ? (old as Store) : undefined, figures, failures, header);
  fs.writeFileSync(file, `${JSON.stringify(store, null, 2)}\n`);
  const doc = path.join(REPO, "docs", "measurements.md");
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const block = `${start}\n${storeMarkdown(store)}\n${end}`;
  const text = fs.readFileSync(doc, "utf8");
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  fs.writeFileSync(doc, i >= 0 && j > i ? `${text.slice(0, i)}${block}${text.slice(j + end.length)}` : `${text.trimEnd()}\n\n## Benchmark (\`npm run bench\`)\n\n${block}\n`);
}

