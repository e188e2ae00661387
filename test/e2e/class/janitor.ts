/**
 * The class janitor on a real class: `class up` again with `--idle-after 1m
 * --expires-after 2h` adds it; a lab with a long Spark job and no browser
 * stays awake while two idle labs go to sleep; an idle lab wakes with its
 * data; an expired lab sleeps as `expired`, `wake` refuses it until `extend`.
 */
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { formatBytes } from "../../../components/core/units";
import { LAB_ANNOTATIONS } from "../../../components/platform/kubernetes/schedule";
import { annotateLab } from "../../../cli/class/scale";
import { podExec, workloadPod } from "../../../lab-workloads/access/kube-client";
import { kubePodMemory } from "../../../lab-workloads/access/kube-host";
import { StoodUp } from "../../../lab-workloads/access/stack-lab";
import { openStackLab } from "../../../lab-workloads/common/lab";
import { LabS3 } from "../../../lab-workloads/common/s3";
import { labctl, log, Tally } from "../harness";

/** What the janitor proof needs from the class run. */
export interface JanitorProof {
  readonly className: string;
  readonly module: number;
  readonly roster: string;
  readonly students: readonly string[];
  readonly admin: KubeConfig;
  readonly stood: () => Promise<StoodUp>;
  readonly tally: Tally;
}

interface StatusRow {
  student: string;
  lab: string;
  state: string;
  schedule?: { next?: { at: string; reason: string }; asleep?: { since: string; reason: string } };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BUSY_SECONDS = 300;

/** A Spark application on the lab's cluster that runs for `seconds`, started detached in the workspace (no browser, no kernel). */
function busySparkJob(seconds: number): string {
  const py = [
    "import time",
    "from pyspark.sql import SparkSession",
    "s = SparkSession.builder.appName('janitor-busy').getOrCreate()",
    `s.sparkContext.parallelize(range(2), 2).map(lambda x: time.sleep(${seconds}) or x).count()`,
    "s.stop()",
  ].join("\n");
  return `echo ${Buffer.from(py).toString("base64")} | base64 -d > /tmp/busy.py && setsid nohup python3 /tmp/busy.py > /tmp/busy.log 2>&1 < /dev/null &`;
}

function status(p: JanitorProof): { rows: StatusRow[]; text: string } {
  const json = labctl(["class", "status", "--class", p.className, "--json"], { timeoutSeconds: 120 });
  let rows: StatusRow[] = [];
  try {
    rows = (JSON.parse(json.out) as { students: StatusRow[] }).students;
  } catch {
    /* empty rows fail the checks below */
  }
  return { rows, text: json.out };
}

async function janitorPod(p: JanitorProof): Promise<string | undefined> {
  const pods = await p.admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: `staff-${p.className}`, labelSelector: "app.kubernetes.io/name=janitor" });
  return pods.items.find((x) => x.status?.containerStatuses?.every((c) => c.ready))?.metadata?.name;
}

/** Runs the proof; checks go to `p.tally`. */
export async function janitorProof(p: JanitorProof): Promise<void> {
  const [alice, bob, carol] = p.students.map((s) => `${p.className}-${s}`) as [string, string, string];
  log("janitor: class up again with --idle-after 1m --expires-after 2h");
  const up = labctl(["class", "up", String(p.module), "--roster", p.roster, "--name", p.className, "--cpu-request-scale", "0.25", "--idle-after", "1m", "--expires-after", "2h"]);
  if (!p.tally.check("class up with a janitor", up.code === 0, `${up.seconds.toFixed(1)} s${up.code ? `: ${up.err.trim().split("\n").pop()}` : `; ${up.out.trim().split("\n").pop()}`}`)) return;

  // A long Spark job in bob's lab, started from a shell: no browser, no kernel.
  const bobWs = (await workloadPod(p.admin, bob, "workspace")).metadata!.name!;
  const started = Date.now();
  await podExec(p.admin, bob, bobWs, ["sh", "-c", busySparkJob(BUSY_SECONDS)], { timeoutMs: 30_000 });
  // Data in alice's lab that must survive sleep: an S3 object and a notebook file.
  const stood = await p.stood();
  const handle = await openStackLab(stood, alice);
  const marker = `janitor-${Date.now()}`;
  try {
    await new LabS3(handle).put("outputs", "janitor/marker.txt", marker);
  } finally {
    await handle.close();
  }
  const aliceWs = (await workloadPod(p.admin, alice, "workspace")).metadata!.name!;
  await podExec(p.admin, alice, aliceWs, ["sh", "-c", `echo '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "marker": "${marker}"}' > /home/jovyan/work/janitor.ipynb`]);
  const aliceMemory = [...(await kubePodMemory({}, alice)).values()].reduce((a, b) => a + b, 0);

  let pod: string | undefined;
  for (let i = 0; i < 60 && !pod; i++) {
    pod = await janitorPod(p);
    if (!pod) await pause(2000);
  }
  p.tally.check("janitor running in the staff namespace", pod !== undefined, pod ?? "no ready janitor pod in 120 s");

  // Wait for the idle labs to sleep (first round starts the clock; 1 min idle; 30 s rounds).
  let rows: StatusRow[] = [];
  const deadline = Date.now() + 240_000;
  const asleep = (lab: string) => rows.find((r) => r.lab === lab)?.schedule?.asleep?.reason;
  while (Date.now() < deadline) {
    rows = status(p).rows;
    if (asleep(alice) && asleep(carol)) break;
    await pause(10_000);
  }
  const busyFor = (Date.now() - started) / 1000;
  const bobRow = rows.find((r) => r.lab === bob);
  // The proof is the comparison: the idle labs' clocks started in the same janitor round as bob's,
  // so their sleep shows the idle limit (60 s) has passed for bob too.
  p.tally.check("janitor: idle labs put to sleep", asleep(alice) === "idle" && asleep(carol) === "idle", `${alice} ${asleep(alice) ?? "awake"}, ${carol} ${asleep(carol) ?? "awake"} after ${busyFor.toFixed(0)} s`);
  const jobLog = await podExec(p.admin, bob, bobWs, ["sh", "-c", "pgrep -f /tmp/busy.py > /dev/null && echo running || (echo finished; tail -n 3 /tmp/busy.log)"], { timeoutMs: 30_000 });
  p.tally.check(
    "janitor: a lab busy with a Spark job and no browser stays awake",
    bobRow !== undefined && !bobRow.schedule?.asleep && busyFor > 60 && jobLog.stdout.startsWith("running"),
    `${bob}: ${bobRow?.state ?? "?"}, next sleep ${bobRow?.schedule?.next ? `${bobRow.schedule.next.reason} at ${bobRow.schedule.next.at.slice(11, 19)}` : "none"}, job ${jobLog.stdout.trim().split("\n")[0]} after ${busyFor.toFixed(0)} s`,
  );
  const grid = labctl(["class", "status", "--class", p.className], { timeoutSeconds: 120 });
  log(grid.out.trim().split("\n").map((l) => `    ${l}`).join("\n"));
  p.tally.check("status grid shows sleep state and time", /asleep \(idle\)/.test(grid.out) && /in \d+ (min|h)/.test(grid.out) && /sleeps/.test(grid.out), grid.out.trim().split("\n")[0]!);
  if (pod) {
    const logs = await p.admin.makeApiClient(CoreV1Api).readNamespacedPodLog({ name: pod, namespace: `staff-${p.className}` });
    const line = logs.split("\n").find((l) => l.includes(`janitor: ${alice} scaled to zero after idle`));
    log(`  janitor log: ${line ?? "(no line for alice)"}`);
  }

  const wake = labctl(["class", "wake", "--class", p.className, "--student", p.students[0]!]);
  const again = await openStackLab(await p.stood(), alice);
  let intact = false;
  try {
    const got = Buffer.from(await new LabS3(again).get("outputs", "janitor/marker.txt")).toString("utf8");
    const ws2 = (await workloadPod(p.admin, alice, "workspace")).metadata!.name!;
    const nb = await podExec(p.admin, alice, ws2, ["cat", "/home/jovyan/work/janitor.ipynb"]);
    intact = got === marker && nb.stdout.includes(marker);
  } finally {
    await again.close();
  }
  if (p.tally.check("janitor: woken with data intact", wake.code === 0 && intact, `wake ${wake.seconds.toFixed(1)} s; S3 object and notebook ${intact ? "intact" : "LOST"}; ${formatBytes(aliceMemory)} of working sets freed while asleep`)) {
    log(`janitor: ${alice} scaled to zero after idle, woken with data intact`);
  }

  // Expiry: alice's time runs out (set 15 s ahead, as if the class had run its course).
  await annotateLab(p.admin, alice, { [LAB_ANNOTATIONS.expiresAt]: new Date(Date.now() + 15_000).toISOString() });
  const expDeadline = Date.now() + 120_000;
  while (Date.now() < expDeadline) {
    rows = status(p).rows;
    if (asleep(alice)) break;
    await pause(10_000);
  }
  const row = rows.find((r) => r.lab === alice);
  p.tally.check("janitor: an expired lab sleeps as expired", row?.state === "expired" && asleep(alice) === "expired", `${alice}: ${row?.state ?? "?"} (${asleep(alice) ?? "awake"})`);
  const refused = labctl(["class", "wake", "--class", p.className, "--student", p.students[0]!]);
  const refusal = refused.err.trim().split("\n");
  p.tally.check("wake refuses an expired lab in one line", refused.code === 2 && refusal.length === 1 && /lab time is over.*labctl class extend/.test(refusal[0]!), refusal[0] ?? "");
  const extend = labctl(["class", "extend", p.students[0]!, "30m", "--class", p.className]);
  const wake2 = labctl(["class", "wake", "--class", p.className, "--student", p.students[0]!]);
  p.tally.check("class extend, then wake", extend.code === 0 && /now expires at .* \(in 30m\)/.test(extend.out) && wake2.code === 0, `${extend.out.trim().split("\n")[0]}; wake ${wake2.code === 0 ? `ok in ${wake2.seconds.toFixed(0)} s` : wake2.err.trim()}`);
}
