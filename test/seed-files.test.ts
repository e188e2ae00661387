import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Lab } from "../components/lab/lab";
import { MODULES, ModuleId } from "../components/lab/modules";
import { planLab } from "../components/lab/plan";
import { DockerPlatform } from "../components/platform/docker/render";
import { KubernetesPlatform, SEED_VOLUME } from "../components/platform/kubernetes/render";
import { JUPYTER_COMMAND, MAX_SEED_BYTES, resolveWorkspaceSpec, SEED_DIR, SEED_THEN_EXEC, WORK_DIR } from "../components/services/workspace-spec";
import { starterNotebooks, withStarterNotebooks } from "../lab-workloads/notebooks";
import { context } from "./helpers/fixtures";
import { installMocks, ofType, resetRecorded, settle, valueOf } from "./helpers/mocks";

const ctx = context();
const MODULE_IDS = Object.keys(MODULES).map(Number) as ModuleId[];

beforeAll(installMocks);
beforeEach(resetRecorded);

async function render(module: ModuleId, platform: DockerPlatform | KubernetesPlatform, withNotebooks = true) {
  const lab = new Lab(`bigdata-m${module}`, { module, platform, context: ctx, services: withNotebooks ? withStarterNotebooks(module, {}) : {} });
  await valueOf(lab.urn);
  await valueOf(lab.credentials);
  await settle();
  return lab;
}

describe("the workspace spec carries seed files", () => {
  it.each(MODULE_IDS)("module %i: the starter notebooks, by name, at the seed path", (module) => {
    const plan = planLab({ name: "x", module, context: ctx, services: withStarterNotebooks(module, {}) });
    const w = plan.workspace!.workloads[0]!;
    const names = starterNotebooks(module).map((n) => n.name);
    expect(w.seedFiles?.mountPath).toBe(SEED_DIR);
    expect(w.seedFiles?.files.map((f) => f.name)).toEqual(names);
    expect(w.seedFiles?.files.map((f) => f.content)).toEqual(starterNotebooks(module).map((n) => n.content));
    // No other workload gets seed files.
    expect(plan.specs.flatMap((s) => s.workloads).filter((x) => x.seedFiles).map((x) => x.name)).toEqual(["workspace"]);
  });

  it("copies them in the container's command, then runs JupyterLab as before", () => {
    const w = resolveWorkspaceSpec({}, ctx, {}).workloads[0]!;
    expect(w.command).toEqual(["bash", "-c", SEED_THEN_EXEC, "seed-then-exec", ...JUPYTER_COMMAND]);
    expect(JUPYTER_COMMAND).toContain(`--ServerApp.root_dir=${WORK_DIR}`);
    expect(w.volumes.map((v) => v.mountPath)).toEqual([WORK_DIR]);
    expect(w.seedFiles).toBeUndefined();
    expect(w.runAsUser).toBe(1000);
  });

  it("refuses a seed file name with a folder, a duplicate, or too many bytes, in one line naming the field", () => {
    const f = (name: string, content = "{}") => ({ name, content });
    const bad: [object[], RegExp][] = [
      [[f("../etc/passwd")], /^lab:services\.workspace\.seedFiles: file name "\.\.\/etc\/passwd" is not a plain file name\. Use letters/],
      [[f("a.ipynb"), f("a.ipynb")], /^lab:services\.workspace\.seedFiles: file a\.ipynb is listed twice/],
      [[f("big.ipynb", "x".repeat(MAX_SEED_BYTES))], /^lab:services\.workspace\.seedFiles: the seed files take \d+ bytes, more than 921600 .*nbconvert --clear-output/],
    ];
    for (const [files, msg] of bad) {
      let err: Error | undefined;
      try {
        resolveWorkspaceSpec({ seedFiles: files as never }, ctx, {});
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).toMatch(msg);
      expect(err?.message.split("\n")).toHaveLength(1);
    }
  });
});

describe("renderers turn seed files into resources", () => {
  it.each(MODULE_IDS)("Docker, module %i: uploads into the workspace container only", async (module) => {
    await render(module, new DockerPlatform());
    const containers = ofType("docker:index/container:Container");
    const ws = containers.find((c) => c.inputs["name"] === `bigdata-m${module}-workspace`)!;
    const expected = starterNotebooks(module).map((n) => ({ file: `${SEED_DIR}/${n.name}`, content: n.content }));
    expect(ws.inputs["uploads"]).toEqual(expected);
    expect(ws.inputs["command"].slice(0, 3)).toEqual(["bash", "-c", SEED_THEN_EXEC]);
    for (const c of containers.filter((x) => x !== ws)) expect(c.inputs["uploads"] ?? []).toEqual([]);
  });

  it("Docker: no uploads without seed files", async () => {
    await render(2, new DockerPlatform(), false);
    const ws = ofType("docker:index/container:Container").find((c) => c.inputs["name"] === "bigdata-m2-workspace")!;
    expect(ws.inputs["uploads"] ?? []).toEqual([]);
  });

  it.each(MODULE_IDS)("Kubernetes, module %i: a ConfigMap mounted read-only at the seed path of the workspace pod", async (module) => {
    await render(module, new KubernetesPlatform());
    const maps = ofType("kubernetes:core/v1:ConfigMap");
    expect(maps).toHaveLength(1);
    const cm = maps[0]!;
    expect(cm.inputs["metadata"]["namespace"]).toBe(`bigdata-m${module}`);
    expect(cm.inputs["data"]).toEqual(Object.fromEntries(starterNotebooks(module).map((n) => [n.name, n.content])));
    const sts = ofType("kubernetes:apps/v1:StatefulSet").find((s) => s.inputs["metadata"]["name"] === "workspace")!;
    const pod = sts.inputs["spec"]["template"]["spec"];
    expect(pod.volumes).toContainEqual({ name: SEED_VOLUME, configMap: { name: cm.name, defaultMode: 0o444 } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: SEED_VOLUME, mountPath: SEED_DIR, readOnly: true });
    expect(pod.containers[0].args.slice(0, 3)).toEqual(["bash", "-c", SEED_THEN_EXEC]);
    // Restricted Pod Security: still uid 1000, non-root, no privilege escalation.
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true });
    expect(pod.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
    // The work volume stays a claim template; no other pod mounts seed files.
    expect(sts.inputs["spec"]["volumeClaimTemplates"].map((v: { metadata: { name: string } }) => v.metadata.name)).toEqual(["work"]);
    for (const w of [...ofType("kubernetes:apps/v1:StatefulSet"), ...ofType("kubernetes:apps/v1:Deployment")].filter((x) => x !== sts)) {
      expect(w.inputs["spec"]["template"]["spec"].volumes.map((v: { name: string }) => v.name)).not.toContain(SEED_VOLUME);
    }
  });

  it("Kubernetes: no ConfigMap and no seed volume without seed files", async () => {
    await render(2, new KubernetesPlatform(), false);
    expect(ofType("kubernetes:core/v1:ConfigMap")).toEqual([]);
    const sts = ofType("kubernetes:apps/v1:StatefulSet").find((s) => s.inputs["metadata"]["name"] === "workspace")!;
    expect(sts.inputs["spec"]["template"]["spec"].volumes).toEqual([]);
  });
});
