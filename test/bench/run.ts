/**
 * The benchmark command: real runs, medians and spread, each baseline
 * measured in the same run, printed as one table.
 *
 *   npm run bench                    # 5 runs per figure; writes docs/bench/latest.json and docs/measurements.md
 *   npm run bench -- --quick         # 1 run per figure (CI-sized); writes only with --write
 *   npm run bench -- --sections docker,kube,class,status --modules 2,4 --runs 5 --class-sizes 10,30,100
 *
 * Sections: `docker` (every module through labctl, against `docker compose
 * up --wait` of the same containers), `kube` (every module on the project's
 * Kubernetes node), `class` (a real `pulumi preview` of classes of 10, 30 and
 * 100 students against the node; nothing is created), `status` (`class
 * status` for a real class of 3 and a simulated one of 30). `kube`, `class`
 * and the real part of `status` need the node (`npm run kube -- start`); by
 * default they run when it answers. Goals are reported, not asserted: the
 * exit code is 1 only when a run failed.
 *
 * It stands labs up and down: run it alone (`flock /tmp/labs-real.lock`),
 * on a quiet machine, for figures worth comparing.
 */
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { log, REPO } from "../e2e/harness";
import { nodeAnswers } from "../reliability/node";
import { parseBenchArgs } from "./args";
import { dockerFigures } from "./docker";
import { kubeFigures } from "./kube";
import { writeResults } from "./store";
import { Figure, meetsGoal, textTable } from "./table";

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const live = args.sections.some((s) => s !== "docker") ? await nodeAnswers() : false;
  const sections = args.sections.filter((s) => {
    if (s === "docker" || s === "status" || live) return true;
    const line = `${s}: the project's Kubernetes node does not answer (npm run kube -- start)`;
    if (args.explicitSections) throw new Error(line);
    log(`${line}; section left out`);
    return false;
  });
  const load0 = os.loadavg()[0]!;
  const t0 = Date.now();
  const figures: Figure[] = [];
  const failures: string[] = [];
  const add = (r: { figures: Figure[]; failures: string[] }) => {
    figures.push(...r.figures);
    failures.push(...r.failures);
  };
  if (sections.includes("docker")) {
    const compose = execFileSync("bash", [path.join(REPO, "scripts", "bench", "compose.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    add(await dockerFigures({ modules: args.modules, runs: args.runs, idleSeconds: args.idleSeconds, compose, log }));
  }
  if (sections.includes("kube")) add(await kubeFigures({ modules: args.modules, runs: args.runs, log }));
  if (sections.includes("class")) {
    const { classScaleFigures } = await import("./class-scale");
    figures.push(...(await classScaleFigures({ sizes: args.classSizes, runs: args.quick ? 1 : Math.min(args.runs, 3), log })));
  }
  if (sections.includes("status")) {
    const { statusFigures } = await import("./status");
    figures.push(...(await statusFigures({ runs: args.runs, log })));
  }
  const minutes = (Date.now() - t0) / 60000;
  const header = `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, \`npm run bench -- ${process.argv.slice(2).join(" ")}\`: ${args.runs} run(s) per figure, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${load0.toFixed(1)} at the start and ${os.loadavg()[0]!.toFixed(1)} at the end, ${minutes.toFixed(1)} min in all.`;
  process.stdout.write(`\n${header}\n\n${textTable(figures)}\n`);
  const goals = figures.flatMap((f) => (f.goals ?? []).map((g) => meetsGoal(f, g)));
  process.stdout.write(`goals: ${goals.filter((g) => g === true).length} met, ${goals.filter((g) => g === false).length} not met\n`);
  for (const f of failures) process.stdout.write(`failed run: ${f}\n`);
  if (args.write) writeResults(figures, failures, header);
  process.exitCode = failures.length > 0 || figures.length === 0 ? 1 : 0;
}

/** On a crash, never leave a lab up for the next run (Docker labs share host ports). */
function downOnCrash(err: unknown): void {
  process.stderr.write(`bench: ${(err as Error)?.message?.split("\n")[0] ?? String(err)}; taking the labs down\n`);
  for (const m of [1, 2, 3, 4, 5]) {
    for (const target of ["docker", "kubernetes"]) spawnSync(path.join(REPO, "scripts", "labctl"), ["down", String(m), "--target", target], { stdio: "ignore", timeout: 600_000 });
  }
  process.exit(2);
}
process.on("uncaughtException", downOnCrash);
process.on("unhandledRejection", downOnCrash);

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message.split("\n")[0]}\n`);
  process.exitCode = 2;
});
