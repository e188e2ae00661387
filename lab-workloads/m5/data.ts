import { Rng } from "../common/random";

/** One taxi trip (the table module 5 stores as CSV and as Parquet). */
export interface Trip {
  readonly tripId: number;
  readonly pickupZone: string;
  readonly dropoffZone: string;
  readonly passengers: number;
  /** Hundredths of a kilometre. */
  readonly distanceCm: number;
  /** Cents. */
  readonly fareCents: number;
  readonly tipCents: number;
  readonly payment: string;
  readonly pickupTime: string;
}

const ZONES = Array.from({ length: 24 }, (_, i) => `zone-${String(i + 1).padStart(2, "0")}`);
const PAYMENTS = ["card", "cash", "app"];

export function generateTrips(rng: Rng, n: number): Trip[] {
  const t0 = Date.UTC(2026, 2, 1);
  return Array.from({ length: n }, (_, i) => {
    const distanceCm = rng.int(30, 3500);
    const fareCents = 250 + Math.round(distanceCm * 1.8) + rng.int(0, 300);
    return {
      tripId: i + 1,
      pickupZone: rng.pick(ZONES),
      dropoffZone: rng.pick(ZONES),
      passengers: rng.int(1, 5),
      distanceCm,
      fareCents,
      tipCents: rng.next() < 0.4 ? 0 : Math.round(fareCents * rng.int(5, 25) / 100),
      payment: rng.pick(PAYMENTS),
      pickupTime: new Date(t0 + rng.int(0, 30 * 86_400) * 1000).toISOString().replace(".000Z", "Z"),
    };
  });
}

export const TRIP_HEADER = "trip_id,pickup_zone,dropoff_zone,passengers,distance_km,fare,tip,payment,pickup_time";

export function tripsCsv(trips: readonly Trip[]): string {
  const money = (c: number) => (c / 100).toFixed(2);
  return [TRIP_HEADER, ...trips.map((t) => [t.tripId, t.pickupZone, t.dropoffZone, t.passengers, money(t.distanceCm), money(t.fareCents), money(t.tipCents), t.payment, t.pickupTime].join(","))].join("\n") + "\n";
}

/** Per pickup zone: trips and total fare in cents (what the Spark job must report). */
export function faresByZone(trips: readonly Trip[]): Map<string, { trips: number; fareCents: number }> {
  const m = new Map<string, { trips: number; fareCents: number }>();
  for (const t of trips) {
    const g = m.get(t.pickupZone) ?? { trips: 0, fareCents: 0 };
    m.set(t.pickupZone, { trips: g.trips + 1, fareCents: g.fareCents + t.fareCents });
  }
  return m;
}

/** A directed graph: vertices 1..n, unique edges, no self loops. */
export interface Graph {
  readonly vertices: number[];
  readonly edges: [number, number][];
}

/**
 * A graph with a known shape: `groups` weakly connected groups of random
 * sizes (a random tree plus extra edges each, random directions) and a few
 * isolated vertices, with ids shuffled so components are not id ranges.
 */
export function generateGraph(rng: Rng, n: number, groups: number): Graph {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const isolated = Math.max(1, Math.floor(n / 100));
  const cuts = new Set<number>();
  while (cuts.size < groups - 1) cuts.add(rng.int(2, n - isolated - 2));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), n - isolated];
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  const add = (a: number, b: number) => {
    const [u, v] = rng.next() < 0.5 ? [a, b] : [b, a];
    if (u === v || seen.has(`${u}>${v}`)) return;
    seen.add(`${u}>${v}`);
    edges.push([u, v]);
  };
  for (let g = 0; g < bounds.length - 1; g++) {
    const members = ids.slice(bounds[g], bounds[g + 1]);
    for (let i = 1; i < members.length; i++) add(members[i]!, members[rng.int(0, i - 1)]!);
    for (let k = 0; k < members.length * 1.5; k++) add(rng.pick(members), rng.pick(members));
  }
  return { vertices: [...ids].sort((a, b) => a - b), edges };
}

/** The graph as the two CSV files the jobs read: `id` per vertex, `src,dst` per edge. */
export function graphCsv(g: Graph): { vertices: string; edges: string } {
  return {
    vertices: ["id", ...g.vertices].join("\n") + "\n",
    edges: ["src,dst", ...g.edges.map(([u, v]) => `${u},${v}`)].join("\n") + "\n",
  };
}

/** Weakly connected components: each vertex's component is the smallest id in it (union-find). */
export function connectedComponents(g: Graph): Map<number, number> {
  const parent = new Map(g.vertices.map((v) => [v, v]));
  const find = (v: number): number => {
    let r = v;
    while (parent.get(r)! !== r) r = parent.get(r)!;
    while (parent.get(v)! !== r) { const next = parent.get(v)!; parent.set(v, r); v = next; }
    return r;
  };
  for (const [u, v] of g.edges) {
    const a = find(u), b = find(v);
    if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
  }
  return new Map(g.vertices.map((v) => [v, find(v)]));
}

/**
 * PageRank as NetworkX defines it on a directed graph: teleport (1-d)/N,
 * rank of dangling vertices spread evenly; power iteration until the L1
 * change is below 1e-13.
 */
export function pageRank(g: Graph, damping = 0.85): Map<number, number> {
  const n = g.vertices.length;
  const index = new Map(g.vertices.map((v, i) => [v, i]));
  const outDeg = new Array<number>(n).fill(0);
  for (const [u] of g.edges) outDeg[index.get(u)!]! += 1;
  let rank = new Array<number>(n).fill(1 / n);
  for (let iter = 0; iter < 1000; iter++) {
    const dangling = rank.reduce((s, r, i) => s + (outDeg[i] === 0 ? r : 0), 0);
    const next = new Array<number>(n).fill((1 - damping) / n + (damping * dangling) / n);
    for (const [u, v] of g.edges) next[index.get(v)!]! += (damping * rank[index.get(u)!]!) / outDeg[index.get(u)!]!;
    const change = next.reduce((s, r, i) => s + Math.abs(r - rank[i]!), 0);
    rank = next;
    if (change < 1e-13) break;
  }
  return new Map(g.vertices.map((v, i) => [v, rank[i]!]));
}
