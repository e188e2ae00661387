import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Lab } from "../components/lab/lab";
import { MODULES, ModuleId } from "../components/lab/modules";
import { planLab } from "../components/lab/plan";
import { launchCommand } from "../components/core/spec";
import { cpusValue, dockerHealthCheck, DockerPlatform, memoryMiB } from "../components/platform/docker/render";
import { probeCommand } from "../components/platform/docker/health";
import { containerNames, readyTimeoutSeconds } from "../components/platform/docker/naming";
import { legacyDockerLab } from "../lab-workloads/access/docker-host";
import { context } from "./helpers/fixtures";
import { installMocks, isSecret, ofType, recorded, resetRecorded, settle, unsecret, valueOf } from "./helpers/mocks";

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const VOLUME = "docker:index/volume:Volume";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const ctx = context();

beforeAll(installMocks);
beforeEach(resetRecorded);

async function render(module: ModuleId, name = `bigdata-m${module}`, services = {}) {
  const lab = new Lab(name, { module, platform: new DockerPlatform(), context: ctx, services });
  await valueOf(lab.urn);
  await valueOf(lab.credentials);
  await settle();
  return lab;
}

const labelsOf = (r: { inputs: Record<string, any> }): Record<string, string> =>
  Object.fromEntries((r.inputs["labels"] as { label: string; value: string }[]).map((l) => [l.label, l.value]));
const container = (name: string) => ofType(CONTAINER).find((c) => c.inputs["name"] === name)!;

describe("Docker renderer (@pulumi/docker)", () => {
  it.each(Object.keys(MODULES).map(Number) as ModuleId[])("module %i: one network, a container per workload replica, labelled, waited for", async (module) => {
    await render(module);
    const plan = planLab({ name: `bigdata-m${module}`, module, context: ctx });
    const workloads = plan.specs.flatMap((s) => s.workloads);
    const expected = workloads.flatMap((w) => containerNames(`bigdata-m${module}`, w)).sort();
    const containers = ofType(CONTAINER);
    expect(containers.map((c) => c.inputs["name"]).sort()).toEqual(expected);
    const networks = ofType(NETWORK);
    expect(networks.map((n) => n.inputs["name"])).toEqual([`bigdata-m${module}`]);
    expect(labelsOf(networks[0]!)).toEqual({ "io.bigdata-labs.lab": `bigdata-m${module}`, "io.bigdata-labs.module": String(module), "io.bigdata-labs.managed-by": "pulumi-docker" });
    // One image handle per distinct image, kept on the machine by destroy.
    const images = ofType(IMAGE);
    expect(images.map((i) => i.inputs["name"]).sort()).toEqual([...new Set(workloads.map((w) => w.image))].sort());
    for (const i of images) expect(i.inputs["keepLocally"]).toBe(true);
    for (const c of containers) {
      const w = workloads.find((x) => c.inputs["name"].startsWith(`bigdata-m${module}-${x.name}`))!;
      expect(labelsOf(c)).toMatchObject({ "io.bigdata-labs.lab": `bigdata-m${module}`, "io.bigdata-labs.module": String(module), "io.bigdata-labs.workload": w.name });
      expect(c.inputs["restart"]).toBe("unless-stopped");
      expect(c.inputs["mustRun"]).toBe(true);
      expect(c.inputs["wait"]).toBe(true);
      expect(c.inputs["waitTimeout"]).toBe(readyTimeoutSeconds(w, 60));
      expect(c.inputs["memory"]).toBe(memoryMiB(w.resources.memoryLimitBytes));
      expect(c.inputs["memorySwap"]).toBe(c.inputs["memory"]);
      expect(c.inputs["cpus"]).toBe(cpusValue(w.resources.cpuLimitMillis));
      expect(c.inputs["user"]).toBe(String(w.runAsUser));
      expect(c.inputs["command"]).toEqual(launchCommand(w));
      expect(c.inputs["healthcheck"]).toEqual(dockerHealthCheck(w));
      expect(c.inputs["networksAdvanced"]).toHaveLength(1);
      expect(c.inputs["networksAdvanced"][0].name).toBe(`bigdata-m${module}`);
    }
  });

  it("publishes host ports on 127.0.0.1 only, and only for single-replica workloads", async () => {
    await render(2);
    const master = container("bigdata-m2-spark-master");
    expect(master.inputs["ports"]).toEqual([
      { internal: 7077, external: 30002, ip: "127.0.0.1", protocol: "tcp" },
      { internal: 8080, external: 30001, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    for (const c of ofType(CONTAINER)) for (const p of c.inputs["ports"]) expect(p.ip).toBe("127.0.0.1");
    const worker = container("bigdata-m2-spark-worker");
    expect(worker.inputs["ports"]).toEqual([]);
    expect(worker.inputs["networksAdvanced"][0].aliases).toEqual(["spark-worker"]);
    expect(worker.inputs["hostname"]).toBe("spark-worker");
  });

  it("names replicas and keeps their aliases resolvable", async () => {
    await render(1);
    const workers = ofType(CONTAINER).filter((c) => labelsOf(c)["io.bigdata-labs.workload"] === "dask-worker");
    expect(workers.map((w) => w.inputs["name"]).sort()).toEqual(["bigdata-m1-dask-worker-0", "bigdata-m1-dask-worker-1"]);
    expect(workers.map((w) => w.inputs["networksAdvanced"][0].aliases).sort()).toEqual([["dask-worker", "dask-worker-0"], ["dask-worker", "dask-worker-1"]]);
  });

  it("gives stateful workloads labelled, auto-named volumes and keeps env with secrets secret", async () => {
    await render(4);
    const volumes = ofType(VOLUME);
    expect(volumes.map((v) => v.name).sort()).toEqual(["bigdata-m4-kafka-0-data", "bigdata-m4-minio-data", "bigdata-m4-workspace-work"]);
    // No fixed name: the provider gives each stack its own volume, never one adopted by name.
    for (const v of volumes) expect(v.inputs["name"]).toBeUndefined();
    expect(labelsOf(volumes.find((v) => v.name === "bigdata-m4-minio-data")!)).toMatchObject({ "io.bigdata-labs.lab": "bigdata-m4", "io.bigdata-labs.workload": "minio" });
    const minio = container("bigdata-m4-minio");
    expect(minio.inputs["mounts"]).toHaveLength(1);
    expect(minio.inputs["mounts"][0]).toMatchObject({ type: "volume", target: "/data" });
    // The env list carries a credential, so the whole list is kept secret.
    expect(isSecret(minio.inputs["envs"])).toBe(true);
    expect(unsecret<string[]>(minio.inputs["envs"])).toContain("MINIO_ROOT_PASSWORD=mock-secret-bigdata-m4-s3-secret-key");
    const kafka = container("bigdata-m4-kafka-0");
    expect(isSecret(kafka.inputs["envs"])).toBe(false);
    expect(kafka.inputs["envs"]).toContain("KAFKA_CFG_ADVERTISED_LISTENERS=INTERNAL://kafka-0:19092,EXTERNAL://127.0.0.1:30010");
  });

  it("a changed setting changes only the inputs of the containers it concerns", async () => {
    await render(2);
    const before = Object.fromEntries(ofType(CONTAINER).map((c) => [c.inputs["name"], JSON.stringify(c.inputs)]));
    resetRecorded();
    await render(2, "bigdata-m2", { spark: { workerMemory: "1280Mi" } });
    const changed = ofType(CONTAINER).filter((c) => before[c.inputs["name"]] !== JSON.stringify(c.inputs)).map((c) => c.inputs["name"]);
    expect(changed).toEqual(["bigdata-m2-spark-worker"]);
  });

  it("exports endpoints and secret credentials", async () => {
    const lab = await render(5);
    expect(lab.endpoints["hdfs"]!["ui"]).toEqual({ inLab: "http://hdfs-namenode:9870", host: "http://127.0.0.1:30030", ui: true });
    expect(lab.endpoints["workspace"]!["jupyter"]!.host).toBe("http://127.0.0.1:30000/lab");
    const creds = await valueOf(lab.credentials);
    expect(creds).toMatchObject({ s3SecretKey: "mock-secret-bigdata-m5-s3-secret-key", jupyterToken: "mock-secret-bigdata-m5-jupyter-token" });
    expect(creds.s3AccessKey).toMatch(/^[A-Za-z0-9]{8,}$/);
  });

  it("creates nothing when a setting is bad", async () => {
    expect(() => new Lab("bad", { module: 2, platform: new DockerPlatform(), context: ctx, services: { spark: { workers: 0 } } })).toThrow(/^lab:services\.spark\.workers/);
    await settle();
    expect(recorded.filter((r) => r.type !== "labs:lab:Lab")).toEqual([]);
  });
});

describe("Docker health checks and units", () => {
  it("maps neutral probes to commands in the container", () => {
    expect(probeCommand({ kind: "http", port: 8080, path: "/json/" })).toEqual(["curl", "-fsS", "-o", "/dev/null", "--max-time", "3", "http://127.0.0.1:8080/json/"]);
    expect(probeCommand({ kind: "tcp", port: 19092 })).toEqual(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/19092"]);
    expect(probeCommand({ kind: "exec", command: ["labs-probe", "x"] })).toEqual(["labs-probe", "x"]);
  });

  it("converts memory to MiB (rounded up) and CPU millicores to --cpus", () => {
    expect(memoryMiB(640 * 1024 * 1024)).toBe(640);
    expect(memoryMiB(640 * 1024 * 1024 + 1)).toBe(641);
    expect(cpusValue(500)).toBe("0.5");
    expect(cpusValue(2000)).toBe("2.0");
    expect(cpusValue(1000)).toBe("1.0");
    expect(cpusValue(1500)).toBe("1.5");
  });
});

describe("labs made by the earlier Docker renderer", () => {
  it("are recognised from their state and answered with one line saying what to run", () => {
    const old = [{ type: "pulumi:pulumi:Stack" }, { type: "pulumi-nodejs:dynamic/docker:Network" }, { type: "pulumi-nodejs:dynamic/docker:Container" }, { type: "pulumi-nodejs:dynamic/random:Secret" }];
    const msg = legacyDockerLab(old, 2)!;
    expect(msg.split("\n")).toHaveLength(1);
    expect(msg).toContain("2 Docker objects");
    expect(msg).toContain("`labctl down 2` and then `labctl up 2`");
    expect(legacyDockerLab([{ type: "docker:index/container:Container" }, { type: "pulumi-nodejs:dynamic/random:Secret" }], 2)).toBeUndefined();
  });
});
