import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseLabConfig } from "../components/config/schema";
import { MODULES, ModuleId } from "../components/lab/modules";
import { createLabs } from "../stacks/program";
import { BENCH_MODULE } from "./bench/class-config";
import { manifest } from "./helpers/fixtures";
import { installMocks, recorded, resetRecorded, settle, valueOf } from "./helpers/mocks";

beforeAll(installMocks);
beforeEach(resetRecorded);

/** Resources the program registers for a class of `students` of `module` on Kubernetes (mock engine). */
async function classResources(module: ModuleId, students: number): Promise<number> {
  resetRecorded();
  const names = Array.from({ length: students }, (_, i) => `s${i + 1}`);
  const cfg = parseLabConfig({ module, target: "kubernetes", name: "b", students: names, kubernetes: { exposure: "none" } }, manifest);
  const out = await createLabs(cfg, { clusterEndpoint: { server: "https://127.0.0.1:6443", caData: "Q0E=" } });
  await valueOf(out.credentials);
  await settle();
  return recorded.length;
}

describe("class-scale bench module", () => {
  it("is the module with the most resources per student lab", async () => {
    const perLab: Record<number, number> = {};
    for (const id of Object.keys(MODULES).map(Number) as ModuleId[]) perLab[id] = (await classResources(id, 2)) - (await classResources(id, 1));
    const most = Math.max(...Object.values(perLab));
    expect(perLab[BENCH_MODULE]).toBe(most);
    expect(Object.entries(perLab).filter(([, n]) => n === most).map(([id]) => Number(id))).toEqual([BENCH_MODULE]);
  });
});
