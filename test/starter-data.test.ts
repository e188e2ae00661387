import { describe, expect, it } from "vitest";
import { starterData } from "../lab-workloads/reset";

describe("starterData", () => {
  it("names what each module's start holds, the same on every call (seed 42)", () => {
    const where = (m: 1 | 2 | 3 | 4 | 5) => {
      const d = starterData(m);
      if (d.kind === "s3") return d.objects.map((o) => `s3://${o.bucket}/${o.key}`);
      if (d.kind === "kafka") return [`kafka:${d.topic}`];
      return d.files.map((f) => `hdfs://${f.path}`);
    };
    expect([1, 2, 3, 4, 5].map((m) => where(m as 1 | 2 | 3 | 4 | 5))).toEqual([
      ["s3://datasets/m1/start/sales.csv"],
      ["s3://datasets/m2/start/text/words.txt", "s3://datasets/m2/start/sales/sales.csv"],
      ["s3://datasets/m3/start/regression.csv"],
      ["kafka:m4-start-events"],
      ["hdfs:///labs/m5/start/trips.csv", "hdfs:///labs/m5/start/graph/vertices.csv", "hdfs:///labs/m5/start/graph/edges.csv"],
    ]);
    expect(JSON.stringify(starterData(5))).toBe(JSON.stringify(starterData(5)));
    const m4 = starterData(4);
    expect(m4.kind === "kafka" && m4.records.length).toBe(1001);
    const m2 = starterData(2);
    // Text and sales come from one generator in that order: the two bodies differ and neither is empty.
    expect(m2.kind === "s3" && m2.objects.every((o) => o.body.length > 1000)).toBe(true);
  });
});
