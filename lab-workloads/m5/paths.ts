import type { Graph } from "./data";

/** Each vertex's neighbours with edge direction ignored (what `G.to_undirected()` gives NetworkX). */
export function undirectedNeighbours(g: Graph): Map<number, number[]> {
  const adj = new Map<number, Set<number>>(g.vertices.map((v) => [v, new Set<number>()]));
  for (const [u, v] of g.edges) {
    adj.get(u)!.add(v);
    adj.get(v)!.add(u);
  }
  return new Map([...adj].map(([v, s]) => [v, [...s].sort((a, b) => a - b)]));
}

/**
 * Hop distances from `source` to every vertex it reaches, edges undirected
 * (breadth-first search; NetworkX's `single_source_shortest_path_length`).
 */
export function shortestPathLengths(g: Graph, source: number): Map<number, number> {
  const adj = undirectedNeighbours(g);
  if (!adj.has(source)) throw new Error(`vertex ${source} is not in the graph`);
  const dist = new Map<number, number>([[source, 0]]);
  const queue = [source];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of adj.get(v)!) {
      if (dist.has(w)) continue;
      dist.set(w, dist.get(v)! + 1);
      queue.push(w);
    }
  }
  return dist;
}

/**
 * Betweenness centrality of every vertex, edges undirected, normalized as
 * NetworkX's `betweenness_centrality(G)` (Brandes' algorithm: for each source,
 * count shortest paths by BFS, then accumulate dependencies backwards; the
 * sum over all sources counts each pair twice and is scaled by
 * 1 / ((n - 1)(n - 2))).
 */
export function betweenness(g: Graph): Map<number, number> {
  const adj = undirectedNeighbours(g);
  const n = g.vertices.length;
  const cb = new Map<number, number>(g.vertices.map((v) => [v, 0]));
  for (const s of g.vertices) {
    const stack: number[] = [];
    const preds = new Map<number, number[]>();
    const sigma = new Map<number, number>([[s, 1]]);
    const dist = new Map<number, number>([[s, 0]]);
    const queue = [s];
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head]!;
      stack.push(v);
      for (const w of adj.get(v)!) {
        if (!dist.has(w)) {
          dist.set(w, dist.get(v)! + 1);
          queue.push(w);
        }
        if (dist.get(w) === dist.get(v)! + 1) {
          sigma.set(w, (sigma.get(w) ?? 0) + sigma.get(v)!);
          (preds.get(w) ?? preds.set(w, []).get(w)!).push(v);
        }
      }
    }
    const delta = new Map<number, number>();
    while (stack.length > 0) {
      const w = stack.pop()!;
      for (const v of preds.get(w) ?? []) {
        delta.set(v, (delta.get(v) ?? 0) + (sigma.get(v)! / sigma.get(w)!) * (1 + (delta.get(w) ?? 0)));
      }
      if (w !== s) cb.set(w, cb.get(w)! + (delta.get(w) ?? 0));
    }
  }
  const scale = n > 2 ? 1 / ((n - 1) * (n - 2)) : 1;
  return new Map([...cb].map(([v, b]) => [v, b * scale]));
}

/**
 * `iterations` steps of PageRank's power iteration from the uniform vector
 * (the same update as {@link pageRank} in data.ts), and the L1 change of the
 * last step. The distance of the result to the fixed point is at most
 * `damping / (1 - damping)` times that change, in L1: the bound the driver
 * holds a few-iteration Spark PageRank to.
 */
export function pageRankSteps(g: Graph, iterations: number, damping = 0.85): { ranks: Map<number, number>; lastChange: number; bound: number } {
  const n = g.vertices.length;
  const index = new Map(g.vertices.map((v, i) => [v, i]));
  const outDeg = new Array<number>(n).fill(0);
  for (const [u] of g.edges) outDeg[index.get(u)!]! += 1;
  let rank = new Array<number>(n).fill(1 / n);
  let lastChange = Infinity;
  for (let iter = 0; iter < iterations; iter++) {
    const dangling = rank.reduce((s, r, i) => s + (outDeg[i] === 0 ? r : 0), 0);
    const next = new Array<number>(n).fill((1 - damping) / n + (damping * dangling) / n);
    for (const [u, v] of g.edges) next[index.get(v)!]! += (damping * rank[index.get(u)!]!) / outDeg[index.get(u)!]!;
    lastChange = next.reduce((s, r, i) => s + Math.abs(r - rank[i]!), 0);
    rank = next;
  }
  return { ranks: new Map(g.vertices.map((v, i) => [v, rank[i]!])), lastChange, bound: (damping / (1 - damping)) * lastChange };
}

/** The smallest vertex of the largest component (ties: the smaller id): the source of the shortest-path exercise. */
export function pathSource(components: Map<number, number>): number {
  const sizes = new Map<number, number>();
  for (const c of components.values()) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  return [...sizes].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
}
