/**
 * `up`/`down` cycles of one module on Docker through labctl, each checked
 * for leftovers (containers, volumes, networks labelled with the lab), and an
 * `up` interrupted at a random point (SIGINT, then SIGKILL) followed by `up`
 * and `down`, which must converge with nothing leaked.
 */
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { labctl, log, REPO } from "../e2e/harness";
import { dockerObjects } from "./preview";
import { lastLine } from "../../lab-workloads/common/text";

/** One cycle's outcome. */
export interface CycleResult {
  readonly clean: boolean;
  readonly detail: string;
}

/** `labctl up <module>` then `labctl down <module>`; clean when both succeed and nothing labelled with `lab` is left. */
export function cycle(module: number, lab: string): CycleResult {
  const u = labctl(["up", String(module)], { timeoutSeconds: 600 });
  const d = labctl(["down", String(module)], { timeoutSeconds: 600 });
  const left = dockerCount(lab);
  const clean = u.code === 0 && d.code === 0 && left === 0;
  const why = u.code !== 0 ? `up exit ${u.code}: ${lastLine(u.err || u.out)}` : d.code !== 0 ? `down exit ${d.code}: ${lastLine(d.err || d.out)}` : "";
  return { clean, detail: `up ${u.seconds.toFixed(0)}s, down ${d.seconds.toFixed(0)}s, ${left} object(s) left${why ? `; ${why}` : ""}` };
}

/** Objects labelled with `lab`, counted synchronously through a child process. */
function dockerCount(lab: string): number {
  const f = `label=io.bigdata-labs.lab=${lab}`;
  const r = spawnSync("bash", ["-c", `{ docker ps -aq --filter ${f}; docker volume ls -q --filter ${f}; docker network ls -q --filter ${f}; } | grep -c .`], { encoding: "utf8" });
  return Number(r.stdout.trim() || "0");
}

/**
 * Starts `labctl up`, interrupts it after `afterSeconds` the way a user does
 * (Ctrl-C to its process group, then SIGKILL 5 s later), then runs `up` (it
 * must converge) and `down` (nothing may be left).
 */
export async function interruptedUp(module: number, lab: string, afterSeconds: number): Promise<CycleResult> {
  const child = spawn(path.join(REPO, "scripts", "labctl"), ["up", String(module)], { cwd: REPO, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (out += s));
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  await new Promise((r) => setTimeout(r, afterSeconds * 1000));
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  kill("SIGINT");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  kill("SIGKILL");
  await exited;
  const during = dockerCount(lab);
  const created = (out.match(/created /g) ?? []).length;
  log(`    interrupted up of module ${module} after ${afterSeconds}s (${created} resources created by then, ${during} Docker objects of ${lab})`);
  const u = labctl(["up", String(module)], { timeoutSeconds: 600 });
  const d = labctl(["down", String(module)], { timeoutSeconds: 600 });
  const left = await dockerObjects(lab);
  // Never leave a broken lab to the next section or the next engineer.
  if (left > 0 || d.code !== 0) labctl(["down", String(module)], { timeoutSeconds: 600 });
  const clean = u.code === 0 && d.code === 0 && left === 0;
  const why = u.code !== 0 ? `up exit ${u.code}: ${lastLine(u.err || u.out)}` : d.code !== 0 ? `down exit ${d.code}: ${lastLine(d.err || d.out)}` : "";
  return { clean, detail: `interrupted at ${afterSeconds}s; up again ${u.seconds.toFixed(0)}s (exit ${u.code}), down ${d.seconds.toFixed(0)}s (exit ${d.code}), ${left} object(s) left${why ? `; ${why}` : ""}` };
}
