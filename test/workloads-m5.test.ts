import { describe, expect, it } from "vitest";
import { Rng } from "../lab-workloads/common/random";
import { connectedComponents, faresByZone, generateGraph, generateTrips, graphCsv, pageRank, TRIP_HEADER, tripsCsv } from "../lab-workloads/m5/data";

describe("module 5 data and answers", () => {
  it("writes trips as CSV with a header and one line per trip", () => {
    const trips = generateTrips(new Rng(3), 50);
    const lines = tripsCsv(trips).trimEnd().split("\n");
    expect(lines[0]).toBe(TRIP_HEADER);
    expect(lines).toHaveLength(51);
    expect(lines[1]!.split(",")).toHaveLength(TRIP_HEADER.split(",").length);
    const zones = faresByZone(trips);
    expect([...zones.values()].reduce((a, z) => a + z.trips, 0)).toBe(50);
    expect([...zones.values()].reduce((a, z) => a + z.fareCents, 0)).toBe(trips.reduce((a, t) => a + t.fareCents, 0));
  });

  it("generates a graph with unique edges, no self loops, and the planned components", () => {
    const g = generateGraph(new Rng(11), 400, 5);
    const keys = g.edges.map(([u, v]) => `${u}>${v}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(g.edges.every(([u, v]) => u !== v)).toBe(true);
    const cc = connectedComponents(g);
    // 5 groups plus the isolated vertices (1 per 100 vertices).
    expect(new Set(cc.values()).size).toBe(5 + 4);
  });

  it("labels a component by its smallest vertex, ignoring edge direction", () => {
    const cc = connectedComponents({ vertices: [1, 2, 3, 4, 5, 6], edges: [[5, 2], [3, 5], [6, 4]] });
    expect([...cc]).toEqual([[1, 1], [2, 2], [3, 2], [4, 4], [5, 2], [6, 4]]);
  });

  it("computes PageRank as NetworkX does, dangling rank spread evenly", () => {
    // 1 → 2, 2 → 1, 3 → 1; vertex 4 is dangling and has no in-edges, like vertex 3.
    const pr = pageRank({ vertices: [1, 2, 3, 4], edges: [[1, 2], [2, 1], [3, 1]] });
    expect([...pr.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(pr.get(3)).toBeCloseTo(pr.get(4)!, 12);
    // By hand: r3 = r4 = (0.15 + 0.85 r4) / 4, so r4 = 0.15 / (4 - 0.85).
    expect(pr.get(4)).toBeCloseTo(0.15 / 3.15, 12);
    expect(pr.get(1)! > pr.get(2)!).toBe(true);
  });

  it("writes the graph as the two CSV files the job reads", () => {
    expect(graphCsv({ vertices: [1, 2, 3], edges: [[1, 2], [3, 1]] })).toEqual({ vertices: "id\n1\n2\n3\n", edges: "src,dst\n1,2\n3,1\n" });
  });
});
