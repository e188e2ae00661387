import { Rng } from "../common/random";

/** Words the generated text is made of. */
const VOCABULARY = [
  "data", "spark", "python", "cluster", "lazy", "partition", "shuffle", "driver", "executor", "rdd",
  "frame", "query", "plan", "stage", "task", "memory", "disk", "network", "stream", "batch",
  "parquet", "column", "row", "schema", "join", "group", "sum", "count", "filter", "map",
];
const PUNCTUATION = [" ", " ", " ", ", ", ". ", "; ", " - ", "! "];

/** `lines` lines of text; each word is written in random upper/lower case. */
export function generateText(rng: Rng, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = rng.int(3, 12);
    let line = "";
    for (let j = 0; j < n; j++) {
      const w = rng.pick(VOCABULARY);
      line += (rng.next() < 0.2 ? w.toUpperCase() : w) + (j < n - 1 ? rng.pick(PUNCTUATION) : rng.pick([".", "!", "?", ""]));
    }
    out.push(line);
  }
  return `${out.join("\n")}\n`;
}

/** The driver's own answer: counts of letter runs in lower-cased lines. */
export function expectedWordCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    for (const w of line.toLowerCase().split(/[^a-z]+/)) if (w !== "") counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

export const REGIONS = ["north", "south", "east", "west", "central"];
export const PRODUCTS = ["laptop", "phone", "tablet", "monitor", "keyboard", "mouse", "camera", "printer"];

/** One sale. */
export interface Sale {
  readonly orderId: number;
  readonly region: string;
  readonly product: string;
  readonly quantity: number;
  /** In cents, so the generator and the checker agree exactly. */
  readonly unitPriceCents: number;
  readonly date: string;
}

/** `rows` sales orders. */
export function generateSales(rng: Rng, rows: number): Sale[] {
  const sales: Sale[] = [];
  for (let i = 0; i < rows; i++) {
    const day = rng.int(1, 28);
    sales.push({
      orderId: i + 1,
      region: rng.pick(REGIONS),
      product: rng.pick(PRODUCTS),
      quantity: rng.int(1, 20),
      unitPriceCents: rng.int(100, 50000),
      date: `2026-${String(rng.int(1, 12)).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
    });
  }
  return sales;
}

/** CSV with a header, as the job reads it. */
export function salesCsv(sales: readonly Sale[]): string {
  const rows = sales.map((s) => `${s.orderId},${s.region},${s.product},${s.quantity},${(s.unitPriceCents / 100).toFixed(2)},${s.date}`);
  return `order_id,region,product,quantity,unit_price,order_date\n${rows.join("\n")}\n`;
}

/** The driver's own answer per (region, product). */
export interface SalesGroup {
  revenueCents: number;
  orders: number;
  quantity: number;
}

export function expectedSales(sales: readonly Sale[]): Map<string, SalesGroup> {
  const groups = new Map<string, SalesGroup>();
  for (const s of sales) {
    const key = `${s.region}/${s.product}`;
    const g = groups.get(key) ?? { revenueCents: 0, orders: 0, quantity: 0 };
    g.revenueCents += s.quantity * s.unitPriceCents;
    g.orders += 1;
    g.quantity += s.quantity;
    groups.set(key, g);
  }
  return groups;
}
