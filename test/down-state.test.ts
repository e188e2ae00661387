import { describe, expect, it } from "vitest";
import { labsOutput } from "../cli/commands/down";

describe("labctl down reads the labs from the exported state", () => {
  it("takes the root stack resource's `labs` output", () => {
    const resources = [
      { type: "docker:index/container:Container", outputs: { name: "bigdata-m2-minio", labs: { wrong: {} } } },
      { type: "pulumi:pulumi:Stack", outputs: { credentials: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:x" }, labs: { "bigdata-m2": { module: 2 } } } },
    ];
    expect(Object.keys(labsOutput(resources))).toEqual(["bigdata-m2"]);
  });
  it("gives nothing for a stack that has no outputs yet, or a malformed one", () => {
    expect(labsOutput([])).toEqual({});
    expect(labsOutput([{ type: "pulumi:pulumi:Stack" }])).toEqual({});
    expect(labsOutput([{ type: "pulumi:pulumi:Stack", outputs: { labs: ["x"] } }])).toEqual({});
  });
});
