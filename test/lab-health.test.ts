import { describe, expect, it } from "vitest";
import { containerStatus } from "../cli/lab-health";

describe("a container's health from docker inspect", () => {
  it("is ok only when running and healthy (or running without a health check)", () => {
    expect(containerStatus("m2-minio", "running|healthy")).toEqual({ state: "ok" });
    expect(containerStatus("m2-minio", "running|")).toEqual({ state: "ok" });
    expect(containerStatus("m2-minio", "running|starting")).toEqual({ state: "failing", detail: "m2-minio: running, starting" });
    expect(containerStatus("m2-minio", "running|unhealthy")).toEqual({ state: "failing", detail: "m2-minio: running, unhealthy" });
    expect(containerStatus("m2-minio", "exited|")).toEqual({ state: "failing", detail: "m2-minio: exited" });
    expect(containerStatus("m2-minio", undefined)).toEqual({ state: "failing", detail: "m2-minio: no such container" });
  });
});
