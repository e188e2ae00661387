/**
 * End-to-end test of labctl itself, as a student runs it (separate processes,
 * real Docker): bad arguments first (one-line errors, exit codes, nothing
 * created), then `up 2`, `up 3` while module 2's lab holds the ports (one line,
 * nothing created), `check 2`, `status --json`, `reset 2`, `down 2`.
 *
 *   npm run test:e2e:labctl
 *
 * Ends with `N passed, N failed`.
 */
import { dockerLeftovers } from "../../lab-workloads/access/docker-host";
import { stackName, stackStateExists } from "../../lab-workloads/access/automation";
import { openLab } from "../../lab-workloads/common/lab";
import { LabS3 } from "../../lab-workloads/common/s3";
import { labctl, log, Tally } from "./harness";

const LAB = "bigdata-m2";
const tally = new Tally();
const check = (name: string, ok: boolean, detail: string) => tally.check(name, ok, detail);

async function nothingOfTheLab(): Promise<number> {
  const left = await dockerLeftovers(LAB);
  return left.containers.length + left.volumes.length + left.networks.length;
}

async function badArguments(): Promise<void> {
  log("bad arguments: one line on stderr, exit code, nothing created");
  const before = await nothingOfTheLab();
  const cases: [string[], number, RegExp][] = [
    [["up", "9"], 2, /^labctl: unknown module "9"; use 1 \(foundations\)/],
    [["up"], 2, /^labctl: which module\? Give 1-5/],
    [["frobnicate"], 2, /^labctl: unknown command "frobnicate"/],
    [["up", "2", "--target", "nowhere"], 2, /^labctl: unknown target "nowhere"; use docker or kubernetes/],
    [["check", "2", "--seed", "x"], 2, /^labctl: --seed x: use a whole number/],
    [["up", "2", "--colour"], 2, /^labctl: .*--colour/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = labctl(args, { timeoutSeconds: 120 });
    const lines = r.err.trim().split("\n").filter(Boolean);
    check(`labctl ${args.join(" ")}`, r.code === code && lines.length === 1 && pattern.test(lines[0] ?? "") && !/\n\s+at /.test(r.err), `exit ${r.code}, stderr: ${lines[0] ?? "(none)"}${lines.length > 1 ? ` (+${lines.length - 1} lines)` : ""}`);
  }
  const after = await nothingOfTheLab();
  check("bad arguments created nothing", after === before, `${after - before} new containers, volumes or networks of ${LAB}`);
}

async function lifecycle(): Promise<void> {
  log("labctl up 2, check 2, status, reset 2, down 2 (real Docker)");
  const up = labctl(["up", "2"]);
  if (!check("labctl up 2", up.code === 0 && /Ready in \d+s/.test(up.out) && /spark\.ui\s+http:\/\/127\.0\.0\.1:\d+/.test(up.out), `exit ${up.code} in ${up.seconds.toFixed(1)} s; ${(up.out.match(/Ready in .*/) ?? [up.err.trim().split("\n").pop()])[0]}`)) return;

  // Module 3's lab publishes some of the same ports: one line naming module 2's lab, nothing of module 3 created.
  const m3Stack = stackStateExists(stackName(3, "docker"));
  const clash = labctl(["up", "3"], { timeoutSeconds: 120 });
  // A stack this run created is removed again.
  const m3StackLeft = !m3Stack && stackStateExists(stackName(3, "docker"));
  const clashLines = clash.err.trim().split("\n").filter(Boolean);
  const m3 = await dockerLeftovers("bigdata-m3");
  const m3Objects = m3.containers.length + m3.volumes.length + m3.networks.length;
  // The check's line is said once: not again on standard output as the engine's report of the program's end.
  const echoed = /error/i.test(clash.out);
  check("labctl up 3 while module 2's lab holds the ports", clash.code === 3 && clashLines.length === 1 && /^labctl: up failed: port 127\.0\.0\.1:\d+ \(bigdata-m3-[\w-]+, [\w-]+\) is taken by container bigdata-m2-[\w-]+ of lab bigdata-m2: run labctl down 2 first/.test(clashLines[0] ?? "") && m3Objects === 0 && !m3StackLeft && !echoed,
    `exit ${clash.code} in ${clash.seconds.toFixed(1)} s; ${m3Objects} objects of bigdata-m3; ${m3StackLeft ? "its new stack left behind" : "no new stack left"}; ${echoed ? "an error on stdout too" : "stdout without an error"}; stderr: ${clashLines[0] ?? "(none)"}${clashLines.length > 1 ? ` (+${clashLines.length - 1} lines)` : ""}`);

  const chk = labctl(["check", "2"]);
  const summary = chk.out.match(/^(\d+) passed, (\d+) failed$/m);
  check("labctl check 2", chk.code === 0 && summary !== null && summary[2] === "0", `exit ${chk.code} in ${chk.seconds.toFixed(1)} s; ${summary?.[0] ?? chk.err.trim().split("\n").pop()}`);

  const st = labctl(["status", "--json"], { timeoutSeconds: 300 });
  let healthy = false;
  let detail = `exit ${st.code}`;
  try {
    const rows = (JSON.parse(st.out) as { labs: { lab: string; service: string; health: string }[] }).labs.filter((r) => r.lab === LAB);
    healthy = rows.length > 0 && rows.every((r) => r.health === "ok");
    detail += `; ${rows.length > 0 ? rows.map((r) => `${r.service} ${r.health}`).join(", ") : `no ${LAB} in the JSON`}`;
  } catch (err) {
    detail += `; not JSON (${(err as Error).message})`;
  }
  check("labctl status --json", st.code === 0 && healthy, `${detail} [${st.seconds.toFixed(1)} s]`);
  const deep = labctl(["status", "--deep"], { timeoutSeconds: 300 });
  check("labctl status --deep (every service's probe)", deep.code === 0 && new RegExp(`${LAB}\\s+\\S+\\s+ok`).test(deep.out) && !/failing/.test(deep.out), `exit ${deep.code} in ${deep.seconds.toFixed(1)} s`);

  const lab = await openLab(2, "docker");
  const s3 = new LabS3(lab);
  const outputsBefore = (await s3.list("outputs", "m2/")).length;
  const rs = labctl(["reset", "2"], { timeoutSeconds: 300 });
  const outputsAfter = (await s3.list("outputs", "m2/")).length;
  const datasets = (await s3.list("datasets", "m2/")).map((o) => o.key).sort();
  check("labctl reset 2", rs.code === 0 && outputsBefore > 0 && outputsAfter === 0 && datasets.join(",") === "m2/start/sales/sales.csv,m2/start/text/words.txt",
    `exit ${rs.code} in ${rs.seconds.toFixed(1)} s; outputs under m2/: ${outputsBefore} → ${outputsAfter}; datasets under m2/: ${datasets.join(", ") || "none"}`);
  const running = (await dockerLeftovers(LAB)).containers.length;
  check("reset kept the services running", running >= 4, `${running} containers of ${LAB}`);

  const down = labctl(["down", "2"]);
  const left = await nothingOfTheLab();
  check("labctl down 2", down.code === 0 && /verified: no container, volume or network of bigdata-m2 is left/.test(down.out) && left === 0, `exit ${down.code} in ${down.seconds.toFixed(1)} s; ${left} objects left; ${(down.out.match(/Removed in .*/) ?? [down.err.trim()])[0]}`);
}

async function main(): Promise<void> {
  await badArguments();
  await lifecycle();
  tally.finish();
}

main().catch((err: unknown) => {
  process.stderr.write(`labctl e2e: ${(err as Error).message}\n`);
  tally.failed++;
  tally.finish();
  process.exitCode = 1;
});
