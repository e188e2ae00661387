import { describe, expect, it } from "vitest";
import { parseLabConfig } from "../components/config/schema";
import { manifest } from "./helpers/fixtures";

const parse = (raw: Record<string, unknown>) => parseLabConfig(raw, manifest);

describe("lab:name and lab:images.registry", () => {
  it("says a non-string lab:name is not a name (not that it is missing)", () => {
    expect(() => parse({ module: 2, name: 42 })).toThrow(/^lab:name: expected a name, got 42\. Set it to a short lower-case name/);
    expect(() => parse({ module: 2, name: "" })).toThrow(/^lab:name: is missing/);
  });

  it("refuses a registry that cannot prefix an image reference, before any resource", () => {
    for (const bad of ["Bad Registry!!", "UPPER/case", "host:port/x", "-lead.example/x"]) {
      expect(() => parse({ module: 2, images: { registry: bad } })).toThrow(/^lab:images\.registry: .* is not a registry host and path\. Use HOST\[:PORT\]\[\/PATH\]/);
    }
    for (const good of ["ghcr.io/course/", "localhost:5000/bigdata-labs", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/labs", "bigdata-labs"]) {
      expect(parse({ module: 2, images: { registry: good } }).images.spark.startsWith(good.replace(/\/+$/, ""))).toBe(true);
    }
  });
});
