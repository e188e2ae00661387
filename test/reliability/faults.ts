/**
 * Faults on a real Docker lab, through `labctl fault`: one injected in the
 * middle of a module's check (the check must complete correctly after the
 * recovery, or fail with a line naming the fault), and data that must
 * survive a restart of every stateful service (Kafka records and committed
 * offsets, HDFS files, MinIO objects, the student's notebook files).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Kafka, logLevel } from "kafkajs";
import { ModuleId } from "../../components/lab/modules";
import { WORK_DIR } from "../../components/services/workspace-spec";
import { openLab } from "../../lab-workloads/common/lab";
import { LabS3 } from "../../lab-workloads/common/s3";
import { LabWebHdfs } from "../../lab-workloads/common/webhdfs";
import { log, REPO } from "../e2e/harness";

/**
 * What a check's watch writes when the faulted service stopped answering
 * during its run, from the start of the line: nothing else counts as naming the fault.
 */
export const FAULT_SEEN = {
  sparkWorker: /^the Spark worker \(spark-worker\) stopped answering during the run: no answer (from|since) \d\d:\d\d:\d\d UTC/,
  kafka: /^the Kafka broker \(kafka-0:19092\) stopped answering during the run: no answer (from|since) \d\d:\d\d:\d\d UTC/,
} as const;

/** One fault's outcome. */
export interface FaultResult {
  readonly name: string;
  /** Recovered (the check or the data is correct afterwards) or reported in one line naming the fault. */
  readonly handled: boolean;
  readonly detail: string;
}

/**
 * `labctl fault` in its own process (not blocking this one, which keeps
 * reading the check's output meanwhile) and its single output line; throws
 * when it does not succeed in one line.
 */
function faultCmd(module: ModuleId, what: string, recover: boolean): Promise<string> {
  const args = ["fault", String(module), what, ...(recover ? ["--recover"] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(REPO, "scripts", "labctl"), args, { cwd: REPO });
    let text = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (text += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (text += s));
    child.on("close", (code) => {
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      if (code === 0 && lines.length === 1) resolve(lines[0]!);
      else reject(new Error(`labctl ${args.join(" ")}: exit ${code}, ${lines.length} lines: ${lines.join(" | ").slice(0, 300)}`));
    });
  });
}

/**
 * Runs `labctl check <module>`; when the check's log first matches `trigger`
 * (a job is running), injects `what`, waits `downSeconds`, recovers it, and
 * waits for the check. The check's own watch of the service decides, never a
 * guess from a job's text: `names` is the line it writes on the service
 * (`the Kafka broker (kafka-0:19092) stopped answering during the run: ...`).
 * Handled when the check passes and logged that it saw the service stop and
 * come back (the fault hit the run and the checks recovered), or when it
 * fails and every FAIL line starts its reason with that line (each failure
 * explained by the fault, in one line).
 */
export async function faultDuringCheck(module: ModuleId, what: string, trigger: RegExp, downSeconds: number, names: RegExp, hit?: RegExp): Promise<FaultResult> {
  const name = `${what} killed during module ${module}'s check`;
  const child = spawn(path.join(REPO, "scripts", "labctl"), ["check", String(module)], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let injected: Promise<string[]> | undefined;
  let killedAt = -1;
  const onData = (s: string) => {
    out += s;
    if (!injected && trigger.test(out)) {
      // The output from here on may show the fault: Spark can log a lost executor before labctl fault exits.
      killedAt = out.length;
      injected = (async () => {
        const kill = await faultCmd(module, what, false);
        log(`    ${kill.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, downSeconds * 1000));
        const c = `bigdata-m${module}-${what === "kafka" ? "kafka-0" : what}`;
        log(`    after ${downSeconds}s ${c} is ${spawnSync("docker", ["inspect", "-f", "{{.State.Status}} (restarts {{.RestartCount}})", c], { encoding: "utf8" }).stdout.trim()}`);
        const back = await faultCmd(module, what, true);
        log(`    ${back.slice(0, 200)}`);
        return [kill, back];
      })();
    }
  };
  child.stdout.setEncoding("utf8").on("data", onData);
  child.stderr.setEncoding("utf8").on("data", onData);
  const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
  const saved = path.join(os.tmpdir(), `reliability-m${module}-${what}-check-${Date.now()}.log`);
  fs.writeFileSync(saved, out);
  log(`    the check's output: ${saved}`);
  if (!injected) return { name, handled: false, detail: `the check ended (exit ${code}) before ${trigger} appeared; nothing was injected` };
  let faultLines: string[];
  try {
    faultLines = await injected;
  } catch (err) {
    return { name, handled: false, detail: (err as Error).message };
  }
  return { name, ...judgeCheck(code, out, names, faultLines[0]!.split(".")[0]!, out.slice(killedAt), hit) };
}

/**
 * Judges a check's output after a fault (see {@link faultDuringCheck}):
 * `names` must match, from its start, the line the check's watch wrote on the
 * faulted service (progress lines lose their `[  12s]` stamp first). A passed
 * check counts only when the watch saw the service stop and come back and the
 * fault hit a running job: `afterKill` (the output from the kill on) has a
 * line matching `hit` (e.g. Spark's "Lost executor"), or, without `hit`, any
 * job's line (the last one is quoted). `afterKill` starts when the injection
 * starts: Spark may log the loss before labctl fault exits.
 */
export function judgeCheck(code: number, out: string, names: RegExp, injected: string, afterKill: string, hit?: RegExp): { handled: boolean; detail: string } {
  const lines = out.split("\n").map((l) => l.trim().replace(/^\[\s*\d+s\]\s*/, ""));
  const summary = lines.filter((l) => /^\d+ passed, \d+ failed$/.test(l)).pop() ?? "no summary line";
  if (code === 0) {
    const seen = lines.find((l) => names.test(l) && / until /.test(l));
    const after = afterKill.split("\n").map((l) => l.trim().replace(/^\[\s*\d+s\]\s*/, ""));
    // The proof of a hit (the first), or the last job line after the kill (the job that ran on longest).
    const jobAfter = hit ? after.find((l) => hit.test(l)) : after.filter((l) => /^[\w-]+( \(your file\))? \| |^job [\w-]+ finished/.test(l)).pop();
    if (!seen) return { handled: false, detail: `the check passed (${summary}) but logged no outage matching ${names}: the fault did not hit its run` };
    if (!jobAfter) return { handled: false, detail: `the check passed (${summary}) but no job printed ${hit ? `a line matching ${hit}` : "a line"} after the kill: it hit no running job` };
    return { handled: true, detail: `recovered: the check passed (${summary}), a job ran on after the kill ("${jobAfter.slice(0, 60)}") and the check saw: ${seen.slice(0, 220)}; ${injected}` };
  }
  const fails = lines.filter((l) => l.startsWith("FAIL "));
  if (fails.length === 0) return { handled: false, detail: `check exit ${code} (${summary}) with no FAIL line: ${lines.filter((l) => l !== "").pop()?.slice(0, 200)}` };
  const reason = (l: string) => /^FAIL .* \(\d+\.\ds\)(?:: (.*))?$/.exec(l)?.[1] ?? "";
  const unexplained = fails.filter((l) => !names.test(reason(l)));
  if (unexplained.length > 0) return { handled: false, detail: `check exit ${code} (${summary}); ${unexplained.length} of ${fails.length} FAIL lines do not start with the fault: ${unexplained[0]!.slice(0, 200)}` };
  return { handled: true, detail: `check exit ${code} (${summary}); reported: ${fails[0]!.slice(0, 240)}` };
}

/** Restarts `what` of the module's lab with labctl fault (kill, then --recover). */
async function restart(module: ModuleId, what: string): Promise<void> {
  await faultCmd(module, what, false);
  await faultCmd(module, what, true);
}

/** MinIO objects and the student's notebook files survive restarts of MinIO and the workspace. */
export async function minioAndNotebookSurvive(module: ModuleId): Promise<FaultResult[]> {
  const lab = await openLab(module, "docker");
  try {
    const s3 = new LabS3(lab);
    const body = `survives ${Date.now()} é😀\n`.repeat(1000);
    const key = `reliability/${Date.now()}.txt`;
    await s3.put("datasets", key, body);
    await restart(module, "minio");
    const back = Buffer.from(await s3.get("datasets", key)).toString("utf8");
    await s3.deletePrefix("datasets", "reliability/");
    const file = `${WORK_DIR}/reliability-notes.ipynb`;
    const note = JSON.stringify({ cells: [{ cell_type: "markdown", source: [`written ${Date.now()}`] }], nbformat: 4, nbformat_minor: 5, metadata: {} });
    const container = `${lab.name}-workspace`;
    const w = spawnSync("docker", ["exec", "-i", container, "sh", "-c", `cat > ${file}`], { input: note, encoding: "utf8" });
    const r1 = spawnSync("docker", ["restart", container], { encoding: "utf8" });
    const read = spawnSync("docker", ["exec", container, "cat", file], { encoding: "utf8" });
    spawnSync("docker", ["exec", container, "rm", "-f", file]);
    return [
      { name: "MinIO object survives a MinIO restart", handled: back === body, detail: `${body.length} chars written, ${back.length} read back${back === body ? ", identical" : ", DIFFERENT"}` },
      {
        name: "notebook file survives a workspace restart",
        handled: w.status === 0 && r1.status === 0 && read.stdout === note,
        detail: `write exit ${w.status}, restart exit ${r1.status}, read back ${read.stdout === note ? "identical" : `different: ${read.stderr.trim().slice(0, 120)}`}`,
      },
    ];
  } finally {
    await lab.close();
  }
}

/** A topic's records and a consumer group's committed offsets survive a broker restart. */
export async function kafkaSurvives(module: ModuleId): Promise<FaultResult> {
  const lab = await openLab(module, "docker");
  const kafka = new Kafka({ clientId: "reliability", brokers: [lab.hostEndpoint("kafka", "bootstrap").replace(/^[a-z]+:\/\//, "")], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const topic = `reliability-${Date.now()}`;
  const group = `${topic}-group`;
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 500 }, (_, i) => ({ key: `k${i % 7}`, value: `record ${i}` })) });
    await producer.disconnect();
    const ends = await admin.fetchTopicOffsets(topic);
    // The group has read half of each partition and committed that.
    await admin.setOffsets({ groupId: group, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: String(Math.floor(Number(p.high) / 2)) })) });
    const offsetsOf = async () => JSON.stringify((await admin.fetchOffsets({ groupId: group, topics: [topic] })).flatMap((t) => t.partitions.map((p) => [p.partition, p.offset])).sort());
    const committed = await offsetsOf();
    await admin.disconnect();
    await restart(module, "kafka");
    await admin.connect();
    const endsAfter = await admin.fetchTopicOffsets(topic);
    const committedAfter = await offsetsOf();
    // Read everything back: every record, once.
    const consumer = kafka.consumer({ groupId: `${topic}-verify` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Set<string>();
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => resolve(), 60_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            total++;
            seen.add(message.value!.toString());
            if (seen.size === 500) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    const sum = (o: { high: string }[]) => o.reduce((a, p) => a + Number(p.high), 0);
    const ok = sum(endsAfter) === 500 && sum(ends) === 500 && committedAfter === committed && seen.size === 500 && total === 500;
    return { name: "Kafka records and committed offsets survive a broker restart", handled: ok, detail: `end offsets ${sum(ends)} → ${sum(endsAfter)}, committed offsets ${committedAfter === committed ? "unchanged" : `CHANGED ${committed} → ${committedAfter}`}, read back ${seen.size} distinct of ${total}` };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await lab.close();
  }
}

/** An HDFS file survives a restart of the DataNode and of the NameNode. */
export async function hdfsSurvives(module: ModuleId): Promise<FaultResult> {
  const lab = await openLab(module, "docker");
  try {
    const hdfs = new LabWebHdfs(lab);
    const file = `/labs/reliability/${Date.now()}.csv`;
    const body = Array.from({ length: 20000 }, (_, i) => `${i},zone-${i % 13},é`).join("\n");
    await hdfs.mkdirs("/labs/reliability");
    await hdfs.put(file, body);
    await restart(module, "datanode");
    const nn = spawnSync("docker", ["restart", `${lab.name}-hdfs-namenode`], { encoding: "utf8" });
    // The NameNode leaves safe mode once the DataNode has reported its blocks again.
    let back = "";
    let err = "";
    for (let i = 0; i < 60 && back !== body; i++) {
      try {
        back = Buffer.from(await hdfs.read(file)).toString("utf8");
      } catch (e) {
        err = (e as Error).message;
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
    await hdfs.delete("/labs/reliability").catch(() => undefined);
    return { name: "HDFS file survives DataNode and NameNode restarts", handled: back === body && nn.status === 0, detail: `${body.length} chars written, ${back.length} read back${back === body ? ", identical" : `; last error: ${err.slice(0, 160)}`}` };
  } finally {
    await lab.close();
  }
}
