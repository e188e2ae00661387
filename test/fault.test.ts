import { describe, expect, it } from "vitest";
import { FAULTS, faultFor, parseFaultArgs } from "../cli/commands/fault";
import { UserError } from "../lab-workloads/access/errors";
import { planModuleLab } from "../cli/lab-args";
import { ModuleId, MODULES } from "../components/lab/modules";

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
