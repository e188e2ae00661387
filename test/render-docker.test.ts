import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Lab } from "../components/lab/lab";
import { MODULES, ModuleId } from "../components/lab/modules";
import { planLab } from "../components/lab/plan";
import { containerCreateBody } from "../components/platform/docker/resources";
import { containerNames, dockerHealthTest, DockerPlatform } from "../components/platform/docker/render";
import { context } from "./helpers/fixtures";
import { installMocks, isSecret, ofType, recorded, resetRecorded, settle, unsecret, valueOf } from "./helpers/mocks";

const CONTAINER = "pulumi-nodejs:dynamic/docker:Container";
const ctx = context();

beforeAll(installMocks);
beforeEach(resetRecorded);

async function render(module: ModuleId, name = `bigdata-m${module}`) {
  const lab = new Lab(name, { module, platform: new DockerPlatform(), context: ctx });
  await valueOf(lab.urn);
  await valueOf(lab.credentials);
  await settle();
  return lab;
}

describe("Docker renderer", () => {
  it.each(Object.keys(MODULES).map(Number) as ModuleId[])("module %i: one network, a container per workload replica, labelled", async (module) => {
    await render(module);
    const plan = planLab({ name: `bigdata-m${module}`, module, context: ctx });
    const expected = plan.specs.flatMap((s) => s.workloads.flatMap((w) => containerNames(`bigdata-m${module}`, w))).sort();
    const containers = ofType(CONTAINER);
    expect(containers.map((c) => c.inputs["name"]).sort()).toEqual(expected);
    expect(ofType("pulumi-nodejs:dynamic/docker:Network").map((n) => n.inputs["name"])).toEqual([`bigdata-m${module}`]);
    for (const c of containers) {
      expect(c.inputs["labels"]).toMatchObject({ "io.bigdata-labs.lab": `bigdata-m${module}`, "io.bigdata-labs.module": String(module) });
      expect(c.inputs["network"]).toBe(`bigdata-m${module}`);
      expect(c.inputs["restart"]).toBe("unless-stopped");
      expect(c.inputs["memoryBytes"]).toBeGreaterThan(0);
      expect(c.inputs["healthcheck"].test[0]).toBe("CMD");
      // Every child is parented under the lab component.
      expect(c.urn).toContain(CONTAINER);
    }
  });

  it("publishes host ports on 127.0.0.1 only, and only for single-replica workloads", async () => {
    await render(2);
    const master = ofType(CONTAINER).find((c) => c.inputs["name"] === "bigdata-m2-spark-master")!;
    expect(master.inputs["ports"]).toEqual([{ container: 7077, host: 30002 }, { container: 8080, host: 30001 }]);
    const body = containerCreateBody(master.inputs) as { HostConfig: { PortBindings: Record<string, { HostIp: string }[]> } };
    for (const bindings of Object.values(body.HostConfig.PortBindings)) expect(bindings.every((b) => b.HostIp === "127.0.0.1")).toBe(true);
    const worker = ofType(CONTAINER).find((c) => c.inputs["name"] === "bigdata-m2-spark-worker")!;
    expect(worker.inputs["ports"]).toEqual([]);
    expect(worker.inputs["aliases"]).toEqual(["spark-worker"]);
  });

  it("names replicas and keeps their aliases resolvable", async () => {
    await render(1);
    const workers = ofType(CONTAINER).filter((c) => c.inputs["labels"]["io.bigdata-labs.workload"] === "dask-worker");
    expect(workers.map((w) => w.inputs["name"]).sort()).toEqual(["bigdata-m1-dask-worker-0", "bigdata-m1-dask-worker-1"]);
    expect(workers.map((w) => w.inputs["aliases"]).sort()).toEqual([["dask-worker", "dask-worker-0"], ["dask-worker", "dask-worker-1"]]);
  });

  it("gives stateful workloads named volumes and secrets as env values", async () => {
    await render(4);
    const volumes = ofType("pulumi-nodejs:dynamic/docker:Volume").map((v) => v.inputs["name"]).sort();
    expect(volumes).toEqual(["bigdata-m4-kafka-0-data", "bigdata-m4-minio-data", "bigdata-m4-workspace-work"]);
    const minio = ofType(CONTAINER).find((c) => c.inputs["name"] === "bigdata-m4-minio")!;
    // The env map carries a credential, so the whole map is kept secret.
    expect(isSecret(minio.inputs["env"])).toBe(true);
    expect(unsecret(minio.inputs["env"])["MINIO_ROOT_PASSWORD"]).toBe("mock-secret-bigdata-m4-s3-secret-key");
    expect(minio.inputs["mounts"]).toEqual([{ volume: "bigdata-m4-minio-data", target: "/data" }]);
    const kafka = ofType(CONTAINER).find((c) => c.inputs["name"] === "bigdata-m4-kafka-0")!;
    expect(isSecret(kafka.inputs["env"])).toBe(false);
    expect(kafka.inputs["env"]["KAFKA_CFG_ADVERTISED_LISTENERS"]).toBe("INTERNAL://kafka-0:19092,EXTERNAL://127.0.0.1:30010");
    expect(ofType("pulumi-nodejs:dynamic/random:Secret")).toHaveLength(2);
  });

  it("exports endpoints and secret credentials", async () => {
    const lab = await render(5);
    expect(lab.endpoints["hdfs"]!["ui"]).toEqual({ inLab: "http://hdfs-namenode:9870", host: "http://127.0.0.1:30030", ui: true });
    expect(lab.endpoints["workspace"]!["jupyter"]!.host).toBe("http://127.0.0.1:30000/lab");
    const creds = await valueOf(lab.credentials);
    expect(creds).toEqual({ s3AccessKey: "labadmin", s3SecretKey: "mock-secret-bigdata-m5-s3-secret-key", jupyterToken: "mock-secret-bigdata-m5-jupyter-token" });
  });

  it("creates nothing when a setting is bad", async () => {
    expect(() => new Lab("bad", { module: 2, platform: new DockerPlatform(), context: ctx, services: { spark: { workers: 0 } } })).toThrow(/^lab:services\.spark\.workers/);
    await settle();
    expect(recorded.filter((r) => r.type !== "labs:lab:Lab")).toEqual([]);
  });
});

describe("Docker health checks", () => {
  it("maps neutral probes to commands in the container", () => {
    expect(dockerHealthTest({ kind: "http", port: 8080, path: "/json/" })).toEqual(["CMD", "curl", "-fsS", "-o", "/dev/null", "--max-time", "3", "http://127.0.0.1:8080/json/"]);
    expect(dockerHealthTest({ kind: "tcp", port: 19092 })).toEqual(["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/19092"]);
    expect(dockerHealthTest({ kind: "exec", command: ["labs-probe", "x"] })).toEqual(["CMD", "labs-probe", "x"]);
  });
});
