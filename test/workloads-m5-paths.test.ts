import { describe, expect, it } from "vitest";
import { Rng } from "../lab-workloads/common/random";
import { connectedComponents, generateGraph, pageRank } from "../lab-workloads/m5/data";
import { betweenness, pageRankSteps, pathSource, shortestPathLengths } from "../lab-workloads/m5/paths";

describe("module 5: the driver's own graph answers", () => {
  it("measures hop distances with edge direction ignored, unreachable vertices left out", () => {
    // 1 → 2 ← 3 → 4, and 5 alone.
    const d = shortestPathLengths({ vertices: [1, 2, 3, 4, 5], edges: [[1, 2], [3, 2], [3, 4]] }, 1);
    expect([...d].sort((a, b) => a[0] - b[0])).toEqual([[1, 0], [2, 1], [3, 2], [4, 3]]);
  });

  it("gives betweenness as NetworkX normalizes it: path middle 1, star centre 1, leaves 0", () => {
    const path = betweenness({ vertices: [1, 2, 3], edges: [[1, 2], [3, 2]] });
    expect([...path.values()]).toEqual([0, 1, 0]);
    const star = betweenness({ vertices: [1, 2, 3, 4, 5], edges: [[1, 2], [1, 3], [4, 1], [5, 1]] });
    expect(star.get(1)).toBeCloseTo(1, 12);
    expect([2, 3, 4, 5].map((v) => star.get(v))).toEqual([0, 0, 0, 0]);
  });

  it("splits betweenness over equally short paths (a 4-cycle: each vertex 1/6)", () => {
    // Pairs at distance 2 in a 4-cycle have two shortest paths; each middle gets half: (0.5 + 0.5) / ((4-1)(4-2)/... ) = 1/6.
    const cycle = betweenness({ vertices: [1, 2, 3, 4], edges: [[1, 2], [2, 3], [3, 4], [4, 1]] });
    for (const v of [1, 2, 3, 4]) expect(cycle.get(v)).toBeCloseTo(1 / 6, 12);
  });

  it("bounds a few PageRank steps by the last change, and the bound holds against the fixed point", () => {
    const g = generateGraph(new Rng(42), 400, 5);
    const fixed = pageRank(g);
    for (const k of [5, 20, 40]) {
      const s = pageRankSteps(g, k);
      const dist = [...fixed].reduce((a, [v, r]) => a + Math.abs(s.ranks.get(v)! - r), 0);
      expect(dist).toBeLessThanOrEqual(s.bound);
      expect(dist).toBeGreaterThan(0);
    }
    expect(pageRankSteps(g, 40).bound).toBeLessThan(pageRankSteps(g, 20).bound);
    // Enough steps reach the fixed point pageRank() converges to.
    const many = pageRankSteps(g, 300);
    expect(Math.max(...[...fixed].map(([v, r]) => Math.abs(many.ranks.get(v)! - r)))).toBeLessThan(1e-12);
  });

  it("picks the smallest vertex of the largest component as the path source", () => {
    const cc = connectedComponents({ vertices: [1, 2, 3, 4, 5, 6], edges: [[5, 2], [3, 5], [6, 4]] });
    expect(pathSource(cc)).toBe(2);
  });
});
