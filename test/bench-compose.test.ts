import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Lab } from "../components/lab/lab";
import { MODULES, ModuleId } from "../components/lab/modules";
import { planLab } from "../components/lab/plan";
import { DockerPlatform } from "../components/platform/docker/render";
import { composeDocument, randomSecrets } from "./bench/compose-file";
import { context } from "./helpers/fixtures";
import { installMocks, ofType, resetRecorded, settle, unsecret, valueOf } from "./helpers/mocks";

const ctx = context();
beforeAll(installMocks);
beforeEach(resetRecorded);

/** The Docker renderer's containers for a module's lab, as the provider would get them. */
async function rendered(module: ModuleId): Promise<Record<string, Record<string, any>>> {
  const lab = new Lab(`bigdata-m${module}`, { module, platform: new DockerPlatform(), context: ctx });
  await valueOf(lab.urn);
  await settle();
  return Object.fromEntries(ofType("docker:index/container:Container").map((c) => [c.inputs["name"], c.inputs]));
}

describe("the benchmark's compose baseline", () => {
  it.each(Object.keys(MODULES).map(Number) as ModuleId[])("module %i: the same containers as the Docker renderer, setting by setting", async (module) => {
    const containers = await rendered(module);
    const plan = planLab({ name: `bigdata-m${module}`, module, context: ctx });
    const secrets = randomSecrets(plan.specs);
    const doc = composeDocument(plan, "bench-x", secrets);
    expect(Object.keys(doc.services).sort()).toEqual(Object.keys(containers).sort());
    for (const [name, c] of Object.entries(containers)) {
      const s = doc.services[name]!;
      expect(s.container_name).toBe(name);
      expect(s.hostname).toBe(c["hostname"]);
      expect(s.user).toBe(c["user"]);
      expect(s.command).toEqual(c["command"].map((a: string) => a.replace(/\$/g, "$$$$")));
      expect(s.mem_limit).toBe(`${c["memory"]}m`);
      expect(s.memswap_limit).toBe(`${c["memorySwap"]}m`);
      expect(s.cpus).toBe(c["cpus"]);
      expect(s.restart).toBe(c["restart"]);
      expect(s.stop_grace_period).toBe(`${c["stopTimeout"]}s`);
      expect(s.networks["lab"]!.aliases).toEqual(c["networksAdvanced"][0].aliases);
      expect(s.ports).toEqual(c["ports"].map((p: any) => `${p.ip}:${p.external}:${p.internal}`));
      expect(s.volumes.map((v) => v.target)).toEqual(c["mounts"].map((m: any) => m.target));
      const h = c["healthcheck"];
      expect(s.healthcheck).toEqual({ test: h.tests.map((a: string) => a.replace(/\$/g, "$$$$")), interval: h.interval, timeout: h.timeout, retries: h.retries, start_period: h.startPeriod });
      // The same variables; literals equal, secrets replaced by the run's own random values.
      const env = Object.fromEntries(unsecret<string[]>(c["envs"]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
      expect(Object.keys(s.environment).sort()).toEqual(Object.keys(env).sort());
      const w = plan.specs.flatMap((x) => x.workloads).find((x) => x.name === s.networks["lab"]!.aliases[0])!;
      for (const [k, v] of Object.entries(env)) {
        const ref = w.env[k]!;
        if (typeof ref === "string") expect(s.environment[k]).toBe(v.replace(/\$/g, "$$$$"));
        else expect(s.environment[k]).toBe(secrets[ref.secret]);
      }
      const uploads = (c["uploads"] ?? []) as { file: string; content: string }[];
      expect((s.configs ?? []).map((x) => x.target)).toEqual(uploads.map((u) => u.file));
      for (const [i, u] of uploads.entries()) expect(doc.configs![s.configs![i]!.source]!.content).toBe(u.content.replace(/\$/g, "$$$$"));
    }
  });

  it("starts every container at once; the Spark worker's command waits for the master's RPC port, as in the lab", () => {
    const plan = planLab({ name: "bigdata-m2", module: 2, context: ctx });
    const doc = composeDocument(plan, "bench-x", randomSecrets(plan.specs));
    for (const s of Object.values(doc.services)) expect(s).not.toHaveProperty("depends_on");
    const worker = doc.services["bigdata-m2-spark-worker"]!.command;
    expect(worker.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(worker.slice(3, 6)).toEqual(["labs-await", "spark-master:7077", "--"]);
    expect(worker).toContain("org.apache.spark.deploy.worker.Worker");
    expect(doc.services["bigdata-m2-minio"]!.command).not.toContain("labs-await");
  });

  it("gives every secret a fresh random value of the lab's shape", () => {
    const plan = planLab({ name: "bigdata-m2", module: 2, context: ctx });
    const a = randomSecrets(plan.specs);
    const b = randomSecrets(plan.specs);
    expect(Object.keys(a).sort()).toEqual(["jupyter-token", "s3-access-key", "s3-secret-key"]);
    expect(a["s3-access-key"]).toMatch(/^lab[A-Za-z0-9]{17}$/);
    expect(a["s3-secret-key"]).toMatch(/^[A-Za-z0-9]{32}$/);
    for (const k of Object.keys(a)) expect(a[k]).not.toBe(b[k]);
  });
});
