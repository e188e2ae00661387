import { describe, expect, it } from "vitest";
import { FAULTS, faultFor, parseFaultArgs } from "../cli/commands/fault";
import { UserError } from "../lab-workloads/access/errors";
import { planModuleLab } from "../cli/lab-args";
import { ModuleId, MODULES } from "../components/lab/modules";
import { FAULT_SEEN, judgeCheck } from "./reliability/faults";

describe("labctl fault arguments", () => {
  it("reads a module, what to break, --recover and --target", () => {
    expect(parseFaultArgs(["2", "spark-worker"])).toEqual({ module: 2, what: "spark-worker", target: "docker", recover: false, json: false });
    expect(parseFaultArgs(["streaming", "kafka", "--recover", "--target", "kubernetes"])).toMatchObject({ module: 4, what: "kafka", target: "kubernetes", recover: true });
  });

  it("refuses bad input with one line that says what to use", () => {
    const cases: [string[], RegExp][] = [
      [[], /which module/],
      [["2"], /say what to break: spark-worker, kafka, datanode, dask-worker, minio/],
      [["9", "kafka"], /unknown module "9"/],
      [["2", "kafka", "now"], /unexpected argument "now"/],
      [["2", "kafka", "--target", "moon"], /unknown target "moon"/],
    ];
    for (const [args, message] of cases) {
      let err: unknown;
      try {
        parseFaultArgs(args);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it("offers only the faults the module's services can have", () => {
    expect(() => faultFor("kafka", ["spark", "minio", "workspace"], 2)).toThrow(/module 2's lab has no kafka; use one of its faults: spark-worker, minio/);
    expect(() => faultFor("toaster", ["spark", "minio"], 2)).toThrow(/unknown fault "toaster"/);
    expect(faultFor("broker", ["kafka"], 4).key).toBe("kafka");
  });

  it("names a workload that every module offering the fault really plans", () => {
    for (const id of Object.keys(MODULES).map(Number) as ModuleId[]) {
      const plan = planModuleLab(id, "docker");
      for (const [key, f] of Object.entries(FAULTS)) {
        const spec = plan.specs.find((s) => s.service === f.service);
        if (!spec) continue;
        const w = spec.workloads.filter((x) => f.workload.test(x.name)).map((x) => x.name);
        expect(w.length, `module ${id} ${key}`).toBe(1);
        expect(w[0], `module ${id} ${key}`).not.toMatch(/master|scheduler|namenode/);
      }
    }
  });
});

describe("judging a check after a fault (test:reliability)", () => {
  const outage = "the Kafka broker (kafka-0:19092) stopped answering during the run: no answer from 17:55:15 UTC until 17:55:47 UTC (32 s, 16 failed probes): Connection error: connect ECONNREFUSED 127.0.0.1:30010";
  const stillDown = "the Kafka broker (kafka-0:19092) stopped answering during the run: no answer since 17:55:15 UTC (7 failed probes, still down at the end): Connection error: connect ECONNREFUSED 127.0.0.1:30010";
  const judge = (code: number, lines: string[], afterKill = "[  41s]   window-counts | batch 1") => judgeCheck(code, lines.join("\n"), FAULT_SEEN.kafka, "Killed the Kafka broker", afterKill);

  it("counts a passed check only when a job ran on after the kill and its watch saw the broker stop and come back", () => {
    expect(judge(0, [`[  73s] ${outage}`, "PASS events produced to Kafka from this machine (0.0s)", "6 passed, 0 failed"])).toMatchObject({ handled: true });
    expect(judge(0, [`[  73s] ${outage}`, "6 passed, 0 failed"], "[  70s] job sliding-state finished after 61.2 s")).toMatchObject({ handled: true });
    const late = judge(0, [`[  73s] ${outage}`, "6 passed, 0 failed"], `[  73s] ${outage}\nPASS events produced (0.0s)`);
    expect(late.handled).toBe(false);
    expect(late.detail).toMatch(/hit no running job/);
    // With a line that proves a running job was hit (Spark's executor lost), a job's other lines are not enough.
    const lost = /\bLost executor \d+ on /;
    const spark = (afterKill: string) => judgeCheck(0, `[  90s] ${outage}\n3 passed, 0 failed`, FAULT_SEEN.kafka, "Killed", afterKill, lost);
    expect(spark("[  45s]   wordcount | 26/11/27 18:38:56 ERROR TaskSchedulerImpl: Lost executor 0 on 192.168.112.5: worker lost").handled).toBe(true);
    expect(spark("[  45s]   wordcount | distinct words: 30\n[  46s] job wordcount finished after 40.1 s").handled).toBe(false);
    const missed = judge(0, ["PASS events produced to Kafka from this machine (0.0s)", "6 passed, 0 failed"]);
    expect(missed.handled).toBe(false);
    expect(missed.detail).toMatch(/the fault did not hit its run/);
  });

  it("counts a failed check only when every FAIL line starts its reason with the watch's line", () => {
    const fail = `FAIL Spark Structured Streaming: tumbling windows with a watermark (34.1s): ${stillDown}; job window-counts exited with code 1`;
    expect(judge(1, [fail, "PASS Faust agent: tumbling-window table over the module's topic (0.0s)", "5 passed, 1 failed"])).toMatchObject({ handled: true });
    // A Kafka exception in a job's output, or the broker named after another reason, is not a report of the fault.
    const guessed = judge(1, [
      "[  33s]   sliding-state | org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient",
      fail,
      "FAIL Spark: sliding windows and a running aggregate per key across micro-batches (0.0s): job sliding-state exited with code 1; the Kafka broker (kafka-0:19092) stopped answering during the run: no answer since 17:55:15 UTC",
      "4 passed, 2 failed",
    ]);
    expect(guessed.handled).toBe(false);
    expect(guessed.detail).toMatch(/1 of 2 FAIL lines do not start with the fault: FAIL Spark: sliding windows/);
    expect(judge(1, ["labctl check: something else broke", "0 passed, 1 failed"]).handled).toBe(false);
    expect(judge(1, [fail.replace("kafka-0:19092", "kafka-1:19092"), "5 passed, 1 failed"]).handled).toBe(false);
  });
});
