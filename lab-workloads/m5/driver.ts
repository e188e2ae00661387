import * as path from "path";
import * as zlib from "zlib";
import { parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { check } from "../common/check";
import { Driver, jobStarter, runId } from "../common/driver";
import { jobLauncher } from "../common/jobs";
import { Rng } from "../common/random";
import { LabWebHdfs } from "../common/webhdfs";
import { connectedComponents, faresByZone, generateGraph, generateTrips, graphCsv, pageRank, tripsCsv } from "./data";
import { betweenness, pageRankSteps, pathSource, shortestPathLengths } from "./paths";

/** Data sizes; `small` is also the starter data `labctl reset` writes. */
export const SIZES = { small: { trips: 20_000, vertices: 400, groups: 5 }, medium: { trips: 1_000_000, vertices: 20_000, groups: 40 } };

/** HDFS directory of module 5 runs (labctl reset drops it). */
export const M5_HDFS_ROOT = "/labs/m5";
/** Steps of the Spark PageRank: few, with the driver holding the result to its own a-posteriori error bound. @default 20 */
export const PAGERANK_STEPS = 20;
/** The codecs the storage exercise compares. */
const CODECS = ["snappy", "gzip", "zstd"] as const;
/** Node 20's zlib has no zstd: the driver decodes gzip itself, and reads zstd's footer only. */
const GZIP = { GZIP: (input: Uint8Array) => new Uint8Array(zlib.gunzipSync(input)) };

/** A Parquet file in HDFS read by byte ranges, counting the bytes fetched. */
function hdfsFile(hdfs: LabWebHdfs, file: string, byteLength: number) {
  const counter = { bytes: 0 };
  const buffer = {
    byteLength,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = end ?? byteLength;
      counter.bytes += stop - start;
      const b = await hdfs.read(file, start, stop - start);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  };
  return { buffer, counter };
}

/** The single Parquet part file Spark wrote into `dir`. */
async function partFile(hdfs: LabWebHdfs, dir: string): Promise<{ file: string; length: number }> {
  const part = (await hdfs.list(dir)).find((s) => s.type === "FILE" && s.pathSuffix.endsWith(".parquet"));
  if (!part) throw new Error(`no Parquet file in hdfs://${dir}`);
  return { file: `${dir}/${part.pathSuffix}`, length: part.length };
}

/**
 * Module 5 (storage and graphs): the driver puts a trips table (CSV) and a
 * graph into HDFS over WebHDFS; Spark reads them from hdfs://, writes the
 * table as Parquet and computes connected components and PageRank; the driver
 * compares sizes and column reads, reads each codec's file footer, and
 * checks every answer against its own computation (sums, union-find, power
 * iteration with its error bound, BFS, Brandes' betweenness) and NetworkX's.
 */
export const driver: Driver = async (lab, opts) => {
  const size = SIZES[opts.size];
  const id = runId(opts.seed);
  const root = `${M5_HDFS_ROOT}/${id}`;
  const defaultFs = lab.plan.hdfs!.defaultFs;
  const hdfs = new LabWebHdfs(lab);
  const job = jobLauncher(lab, path.join(__dirname, "jobs"), opts);
  const start = jobStarter(job, opts.log);
  const rng = new Rng(opts.seed);
  const trips = generateTrips(rng, size.trips);
  const graph = generateGraph(rng, size.vertices, size.groups);

  const put = await check("files put to HDFS over WebHDFS (NameNode redirect to the DataNode's port)", async (c) => {
    const csv = tripsCsv(trips);
    opts.log(`putting ${root}/trips.csv (${trips.length} rows, ${csv.length} bytes) and a graph of ${graph.vertices.length} vertices, ${graph.edges.length} edges`);
    await hdfs.mkdirs(`${root}/graph`);
    const files = graphCsv(graph);
    await Promise.all([
      hdfs.put(`${root}/trips.csv`, csv),
      hdfs.put(`${root}/graph/vertices.csv`, files.vertices),
      hdfs.put(`${root}/graph/edges.csv`, files.edges),
    ]);
    c.equal("trips.csv bytes in HDFS", Buffer.byteLength(csv), await hdfs.size(`${root}/trips.csv`));
    const head = Buffer.from(await hdfs.read(`${root}/trips.csv`, 0, 200)).toString("utf8").split("\n")[0]!;
    c.equal("first line read back", csv.split("\n")[0]!, head);
  });

  // Both Spark applications are submitted now and take the worker in turn; each check waits for its own.
  const parquetDir = `${root}/trips.parquet`;
  const graphOut = `${root}/graph/out`;
  const components = connectedComponents(graph);
  const source = pathSource(components);
  const jobs = {
    table: start("csv-vs-parquet", "csv_vs_parquet.py", [`${defaultFs}${root}/trips.csv`, `${defaultFs}${parquetDir}`, `${defaultFs}${root}/codecs`]),
    graph: start("graph", "graph.py", [`${defaultFs}${root}/graph/vertices.csv`, `${defaultFs}${root}/graph/edges.csv`, `${defaultFs}${graphOut}`, "--iterations", String(PAGERANK_STEPS), "--source", String(source)]),
  };

  let codecsOut = "";
  const table = await check("CSV vs Parquet on HDFS: sizes, column reads, Spark from hdfs://", async (c) => {
    const stdout = await jobs.table;
    codecsOut = stdout;
    const line = stdout.split("\n").find((l) => l.startsWith("SUMMARY "));
    if (!line) throw new Error("csv_vs_parquet.py printed no SUMMARY line");
    const summary = JSON.parse(line.slice(8)) as { read_schema: string; zones: Record<string, { trips: number; fare: number }> };
    const expected = faresByZone(trips);
    c.equal("pickup zones", expected.size, Object.keys(summary.zones).length);
    const wrong = [...expected].filter(([z, g]) => summary.zones[z]?.trips !== g.trips || Math.abs(summary.zones[z]!.fare - g.fareCents / 100) > 1e-6);
    c.that("trips and total fare of every zone (Spark, from Parquet)", wrong.length === 0, "all equal", wrong.length === 0 ? "all equal" : `${wrong.length} differ, e.g. ${wrong[0]![0]}`);
    c.equal("columns Spark read from Parquet (ReadSchema, self-reported)", "struct<pickup_zone:string,fare:double>", summary.read_schema);

    const csvBytes = await hdfs.size(`${root}/trips.csv`);
    const part = await partFile(hdfs, parquetDir);
    c.that("Parquet is smaller than CSV", part.length < csvBytes, `< ${csvBytes} bytes`, `${part.length} bytes (${(part.length / csvBytes * 100).toFixed(0)}% of the CSV)`);
    const { buffer, counter } = hdfsFile(hdfs, part.file, part.length);
    const metadata = await parquetMetadataAsync(buffer);
    const before = counter.bytes;
    const fares = (await parquetReadObjects({ file: buffer, metadata, columns: ["fare"] })) as { fare: number }[];
    const columnBytes = counter.bytes - before;
    c.equal("rows of the fare column (read over WebHDFS byte ranges)", trips.length, fares.length);
    const totalCents = Math.round(fares.reduce((s, r) => s + r.fare * 100, 0));
    c.equal("total fare in cents", trips.reduce((s, t) => s + t.fareCents, 0), totalCents);
    c.that("one column of nine read less than a third of the file", columnBytes < part.length / 3, `< ${Math.round(part.length / 3)} bytes`, `${columnBytes} of ${part.length} bytes`);
  });

  const codecs = await check("Parquet codecs compared: snappy, gzip, zstd (sizes and codec read by the driver)", async (c) => {
    const line = codecsOut.split("\n").find((l) => l.startsWith("CODECS "));
    if (!line) throw new Error("csv_vs_parquet.py printed no CODECS line");
    const reported = JSON.parse(line.slice(7)) as Record<string, { read_seconds: number; rows: number; fare: number }>;
    const totalCents = trips.reduce((s, t) => s + t.fareCents, 0);
    const sizes: Record<string, number> = {};
    for (const codec of CODECS) {
      const part = await partFile(hdfs, `${root}/codecs/${codec}`);
      sizes[codec] = part.length;
      const { buffer } = hdfsFile(hdfs, part.file, part.length);
      const metadata = await parquetMetadataAsync(buffer);
      const used = new Set(metadata.row_groups.flatMap((g) => g.columns.map((col) => col.meta_data?.codec)));
      c.equal(`${codec}: codec of every column chunk (file footer)`, codec.toUpperCase(), [...used].join(","));
      c.equal(`${codec}: rows in the file footer`, trips.length, Number(metadata.num_rows));
      if (codec !== "zstd") {
        const fares = (await parquetReadObjects({ file: buffer, metadata, columns: ["fare"], compressors: GZIP })) as { fare: number }[];
        c.equal(`${codec}: total fare in cents, decoded by the driver`, totalCents, Math.round(fares.reduce((s, r) => s + r.fare * 100, 0)));
      }
      c.equal(`${codec}: total fare in cents (Spark's read)`, totalCents, Math.round((reported[codec]?.fare ?? NaN) * 100));
    }
    c.that("gzip and zstd files are smaller than snappy's", sizes["gzip"]! < sizes["snappy"]! && sizes["zstd"]! < sizes["snappy"]!, `< ${sizes["snappy"]} bytes`, `gzip ${sizes["gzip"]}, zstd ${sizes["zstd"]} bytes`);
    const times = CODECS.map((k) => `${k} ${(reported[k]?.read_seconds ?? NaN).toFixed(3)} s`).join(", ");
    opts.log(`  codecs: sizes ${CODECS.map((k) => `${k} ${sizes[k]} B`).join(", ")}; full read (best of 3) ${times}`);
    c.that("read time of each codec (self-reported)", CODECS.every((k) => (reported[k]?.read_seconds ?? 0) > 0), "> 0 s each", times);
  });

  let nx: { components: Record<string, number>; pagerank: Record<string, number>; source?: number; distances?: Record<string, number>; betweenness?: Record<string, number> } = { components: {}, pagerank: {} };
  const graphCheck = await check("graph in HDFS: connected components and PageRank (Spark vs NetworkX vs driver)", async (c) => {
    const out = graphOut;
    const stdout = await jobs.graph;
    const summaryLine = stdout.split("\n").find((l) => l.startsWith("SUMMARY "));
    const nxLine = stdout.split("\n").find((l) => l.startsWith("NETWORKX "));
    if (!summaryLine || !nxLine) throw new Error("graph.py printed no SUMMARY/NETWORKX line");
    const summary = JSON.parse(summaryLine.slice(8)) as { engine: string; pagerank_iterations: number };
    nx = JSON.parse(nxLine.slice(9)) as typeof nx;
    opts.log(`  components computed with ${summary.engine}; PageRank: ${summary.pagerank_iterations} steps`);
    const read = async (dir: string) => {
      const p = await partFile(hdfs, dir);
      const { buffer } = hdfsFile(hdfs, p.file, p.length);
      return (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    };
    const sparkComponents = new Map((await read(`${out}/components`)).map((r) => [Number(r["id"]), Number(r["component"])]));
    c.equal("components (driver's union-find)", new Set(components.values()).size, new Set(sparkComponents.values()).size);
    const ccWrong = [...components].filter(([v, k]) => sparkComponents.get(v) !== k).length;
    c.that(`component of every vertex (Spark, ${summary.engine})`, ccWrong === 0, `${components.size} equal`, ccWrong === 0 ? `${components.size} equal` : `${ccWrong} differ`);
    const nxWrong = [...components].filter(([v, k]) => nx.components[String(v)] !== k).length;
    c.that("component of every vertex (NetworkX)", nxWrong === 0, `${components.size} equal`, nxWrong === 0 ? `${components.size} equal` : `${nxWrong} differ`);

    const ranks = pageRank(graph);
    const steps = pageRankSteps(graph, PAGERANK_STEPS);
    const sparkRanks = new Map((await read(`${out}/pagerank`)).map((r) => [Number(r["id"]), Number(r["rank"])]));
    const maxDiff = (ref: Map<number, number>, other: (v: number) => number | undefined) => Math.max(...[...ref].map(([v, r]) => Math.abs((other(v) ?? Infinity) - r)));
    const l1 = (ref: Map<number, number>, other: (v: number) => number | undefined) => [...ref].reduce((s, [v, r]) => s + Math.abs((other(v) ?? Infinity) - r), 0);
    c.equal("PageRank steps run by Spark (self-reported; the ranks below are the evidence)", PAGERANK_STEPS, summary.pagerank_iterations);
    const stepDiff = maxDiff(steps.ranks, (v) => sparkRanks.get(v));
    c.that(`PageRank of every vertex after ${PAGERANK_STEPS} steps (Spark = driver's steps)`, stepDiff < 1e-12, "max |difference| < 1e-12", `max |difference| ${stepDiff.toExponential(2)}`);
    const toFixed = l1(ranks, (v) => sparkRanks.get(v));
    c.that("Spark's ranks within the a-posteriori bound of the fixed point", toFixed <= steps.bound, `L1 distance ≤ 0.85/0.15 × last step's change = ${steps.bound.toExponential(2)}`, toFixed.toExponential(2));
    c.that("PageRank of every vertex (NetworkX, converged)", maxDiff(ranks, (v) => nx.pagerank[String(v)]) < 1e-9, "max |difference| < 1e-9", `max |difference| ${maxDiff(ranks, (v) => nx.pagerank[String(v)]).toExponential(2)}`);
  });

  const paths = await check("NetworkX shortest paths and betweenness centrality (vs the driver's BFS and Brandes)", async (c) => {
    if (!nx.distances || !nx.betweenness) throw new Error("graph.py printed no distances/betweenness");
    const components = connectedComponents(graph);
    const source = pathSource(components);
    const dist = shortestPathLengths(graph, source);
    c.equal("source vertex", source, nx.source);
    c.equal(`vertices reached from ${source}`, dist.size, Object.keys(nx.distances).length);
    const distWrong = [...dist].filter(([v, d]) => nx.distances![String(v)] !== d);
    c.that(`hop distance from ${source} to every vertex`, distWrong.length === 0, `${dist.size} equal`, distWrong.length === 0 ? `${dist.size} equal` : `${distWrong.length} differ, e.g. ${distWrong[0]![0]}: ${distWrong[0]![1]} vs ${nx.distances[String(distWrong[0]![0])]}`);
    const bc = betweenness(graph);
    const worst = Math.max(...[...bc].map(([v, b]) => Math.abs((nx.betweenness![String(v)] ?? Infinity) - b)));
    c.that("betweenness centrality of every vertex", worst < 1e-9, "max |difference| < 1e-9", `max |difference| ${worst.toExponential(2)}`);
    const top = [...bc].sort((a, b) => b[1] - a[1])[0]!;
    c.close(`betweenness of the most central vertex ${top[0]}`, top[1], nx.betweenness[String(top[0])], 1e-9);
  });
  return [put, table, codecs, graphCheck, paths];
};
