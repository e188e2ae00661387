import * as YAML from "yaml";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseLabConfig } from "../components/config/schema";
import { BLOCKED_EGRESS_CIDRS, labNetworkPolicies } from "../components/platform/kubernetes/isolation";
import { STUDENT_RULES } from "../components/platform/kubernetes/access";
import { INSTRUCTOR_RULES } from "../components/platform/kubernetes/staff";
import { createLabs } from "../stacks/program";
import { checkClassFits } from "../stacks/config";
import { manifest } from "./helpers/fixtures";
import { installMocks, ofType, resetRecorded, settle, unsecret, valueOf } from "./helpers/mocks";

beforeAll(installMocks);
beforeEach(resetRecorded);

const CLUSTER = { server: "https://10.0.0.5:6443", caData: Buffer.from("CA").toString("base64") };
const byNamespace = (type: string, ns: string) => ofType(type).filter((r) => r.inputs["metadata"]["namespace"] === ns);

async function renderClass(students: unknown[], kubernetes: Record<string, unknown> = {}) {
  const cfg = parseLabConfig({ module: 2, target: "kubernetes", name: "cls", students, kubernetes: { exposure: "none", ...kubernetes } }, manifest);
  const out = await createLabs(cfg, { clusterEndpoint: CLUSTER });
  const credentials = await valueOf(out.credentials);
  const access = out.access ? await valueOf(out.access) : {};
  await settle();
  return { cfg, out, credentials, access };
}

describe("a class on Kubernetes", () => {
  it("gives every student namespace the policies, the Pod Security labels, a student account and its own secrets", async () => {
    const { credentials, access, out } = await renderClass(["alice", { name: "bob", email: "bob@example.org" }, "carol"]);
    const labs = ["cls-alice", "cls-bob", "cls-carol"];
    const namespaces = ofType("kubernetes:core/v1:Namespace").filter((n) => n.inputs["metadata"]["name"] !== "staff-cls");
    expect(namespaces.map((n) => n.inputs["metadata"]["name"]).sort()).toEqual(labs);
    expect(YAML.parse(await valueOf(out.staffKubeconfig!)).contexts[0].context.namespace).toBe("staff-cls");
    expect(ofType("kubernetes:core/v1:ServiceAccount").filter((a) => a.inputs["metadata"]["name"] === "instructor")).toHaveLength(1);
    for (const ns of namespaces) {
      expect(ns.inputs["metadata"]["labels"]).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted", "bigdata-labs.io/class": "cls" });
    }
    for (const lab of labs) {
      const policies = byNamespace("kubernetes:networking.k8s.io/v1:NetworkPolicy", lab);
      expect(policies.map((p) => p.inputs["metadata"]["name"]).sort()).toEqual(Object.keys(labNetworkPolicies()).sort());
      expect(byNamespace("kubernetes:core/v1:ServiceAccount", lab).map((a) => a.inputs["metadata"]["name"])).toEqual(["student"]);
      const roles = byNamespace("kubernetes:rbac.authorization.k8s.io/v1:Role", lab);
      expect(roles.map((r) => r.inputs["metadata"]["name"]).sort()).toEqual(["instructor", "student"]);
      expect(roles.find((r) => r.inputs["metadata"]["name"] === "student")!.inputs["rules"]).toEqual(STUDENT_RULES);
      expect(roles.find((r) => r.inputs["metadata"]["name"] === "instructor")!.inputs["rules"]).toEqual(INSTRUCTOR_RULES);
      const bindings = byNamespace("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", lab);
      expect(bindings.find((b) => b.inputs["metadata"]["name"] === "student")!.inputs["subjects"]).toEqual([{ kind: "ServiceAccount", name: "student", namespace: lab }]);
      // Course staff: the instructor account of the class's staff namespace, bound in this lab only.
      expect(bindings.find((b) => b.inputs["metadata"]["name"] === "instructor")!.inputs["subjects"]).toEqual([{ kind: "ServiceAccount", name: "instructor", namespace: "staff-cls" }]);
      // The kubeconfig reaches this namespace only, with this namespace's token.
      const kc = YAML.parse(access[lab]!);
      expect(kc.contexts[0].context.namespace).toBe(lab);
      expect(kc.clusters[0].cluster).toEqual({ server: CLUSTER.server, "certificate-authority-data": CLUSTER.caData });
      expect(kc.users[0].user.token).toBe(`mock-token-${lab}-student-token`);
    }
    // Nothing cluster-wide for students.
    expect(ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toEqual([]);
    expect(ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).toEqual([]);
    // Every generated secret differs from lab to lab; no shared S3 user.
    for (const key of ["s3AccessKey", "s3SecretKey", "jupyterToken"] as const) {
      const values = labs.map((l) => (credentials as Record<string, Record<string, string>>)[l]![key]);
      expect(new Set(values).size).toBe(labs.length);
      expect(values.every((v) => v && v !== "labadmin")).toBe(true);
    }
    expect(out.classroom).toEqual({
      name: "cls",
      module: 2,
      students: [
        { name: "alice", lab: "cls-alice" },
        { name: "bob", lab: "cls-bob", email: "bob@example.org" },
        { name: "carol", lab: "cls-carol" },
      ],
    });
  });

  it("hardens every container: no privilege escalation, no capabilities, the runtime's seccomp profile, non-root", async () => {
    await renderClass(["alice"]);
    const workloads = [...ofType("kubernetes:apps/v1:StatefulSet"), ...ofType("kubernetes:apps/v1:Deployment")];
    expect(workloads.length).toBeGreaterThan(0);
    for (const w of workloads) {
      const pod = w.inputs["spec"]["template"]["spec"];
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    }
  });

  it("denies ingress from other namespaces and egress to every private and link-local address, allowing DNS", () => {
    const p = labNetworkPolicies();
    expect(p["lab-default-deny"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    // Only the lab's own pods may come in: no namespaceSelector, no ipBlock in any ingress rule.
    const ingress = Object.values(p).flatMap((x) => (x.ingress as any[] | undefined) ?? []);
    expect(ingress.flatMap((r) => r.from)).toEqual([{ podSelector: {} }]);
    const internet = (p["lab-internet"]!.egress as any[])[0].to[0].ipBlock;
    expect(internet.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]));
    expect(BLOCKED_EGRESS_CIDRS).toContain("169.254.0.0/16"); // the instance metadata address 169.254.169.254
    expect((p["lab-dns"]!.egress as any[])[0].ports).toEqual([{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
  });

  it("renders no NetworkPolicy when they are turned off, and pods of a single lab wait for nothing extra", async () => {
    await renderClass(["alice"], { networkPolicies: false });
    expect(ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual([]);
    expect(ofType("kubernetes:core/v1:ServiceAccount").map((a) => a.inputs["metadata"]["name"]).sort()).toEqual(["instructor", "student"]);
  });

  it("scales CPU requests, never limits, and sizes the quota from the scaled requests", async () => {
    await renderClass(["alice"], { cpuRequestScale: 0.25 });
    const worker = ofType("kubernetes:apps/v1:StatefulSet").concat(ofType("kubernetes:apps/v1:Deployment")).find((w) => w.inputs["metadata"]["name"] === "spark-worker")!;
    const res = worker.inputs["spec"]["template"]["spec"].containers[0].resources;
    expect(res.requests.cpu).toBe("63m"); // 250m × 0.25, rounded up
    expect(res.limits.cpu).toBe("2000m");
    const quota = ofType("kubernetes:core/v1:ResourceQuota")[0]!.inputs["spec"]["hard"];
    expect(quota["requests.cpu"]).toBe(`${Math.ceil(Math.ceil(650 * 0.25) * 1.25) + 250}m`);
  });

  it("renders a class of 100 students", { timeout: 180_000 }, async () => {
    const students = Array.from({ length: 100 }, (_, i) => `s${String(i).padStart(3, "0")}`);
    const { access } = await renderClass(students, { cpuRequestScale: 0.1 });
    expect(ofType("kubernetes:core/v1:Namespace")).toHaveLength(101); // and the staff namespace
    expect(ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toHaveLength(100 * Object.keys(labNetworkPolicies()).length);
    expect(Object.keys(access)).toHaveLength(100);
    expect(new Set(Object.values(access)).size).toBe(100);
    expect(unsecret(ofType("kubernetes:core/v1:Namespace")[100]!.inputs["metadata"]["name"])).toBe("cls-s099");
  });
});

describe("a class that does not fit the cluster", () => {
  const cfg = (students: number, scale?: number) =>
    parseLabConfig({ module: 2, target: "kubernetes", students: Array.from({ length: students }, (_, i) => `s${i}`), kubernetes: { exposure: "none", ...(scale ? { cpuRequestScale: scale } : {}) } }, manifest);
  const node = { cpuMillis: 2000, memoryBytes: 23 * 2 ** 30, nodes: 1 };
  it("is refused in one line naming lab:students and the fix, before any resource", () => {
    expect(() => checkClassFits(cfg(4), node)).toThrow(/^lab:students: 4 labs of module 2 request 2\.60 CPU and [0-9.]+ GiB, more than the cluster's 1 node\(s\) can allocate \(2\.00 CPU, 23(\.0)? GiB\)\. Set lab:kubernetes\.cpuRequestScale/);
    expect(() => checkClassFits(cfg(4, 0.25), node)).not.toThrow();
    expect(() => checkClassFits(cfg(40, 0.05), node)).toThrow(/40 labs of module 2 request [0-9.]+ CPU and [0-9.]+ GiB/); // memory is never scaled
  });
});
