import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

/** Where the cluster's API server is, as a student's kubeconfig names it. */
export interface ClusterEndpoint {
  /** `https://host:port` of the API server. */
  readonly server: pulumi.Input<string>;
  /** The cluster CA certificate, base64 (as in a kubeconfig's `certificate-authority-data`). */
  readonly caData: pulumi.Input<string>;
}

/** Name of the ServiceAccount, Role and RoleBinding a student gets in their lab. */
export const STUDENT_ACCOUNT = "student";

/**
 * What a student may do in their own lab namespace, and nothing else: read
 * the lab's pods, logs, services, events and workloads; exec into and
 * port-forward to its pods (JupyterLab, UIs, a terminal). No secrets, no
 * creating pods, nothing cluster-wide.
 */
export const STUDENT_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["pods", "pods/log", "services", "endpoints", "events", "persistentvolumeclaims"], verbs: ["get", "list", "watch"] },
  // `get` too: exec and port-forward over WebSockets (kubectl ≥ 1.30, client libraries) open with a GET.
  { apiGroups: [""], resources: ["pods/exec", "pods/portforward"], verbs: ["get", "create"] },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ["get", "list", "watch"] },
];

/** The values of a student's kubeconfig. */
export interface StudentKubeconfigArgs {
  /** Lab name: the namespace, and the context's name. */
  readonly lab: string;
  readonly server: string;
  readonly caData: string;
  /** The ServiceAccount's token. */
  readonly token: string;
}

/** A kubeconfig with one context: the student's lab namespace, as its ServiceAccount. */
export function studentKubeconfig(a: StudentKubeconfigArgs): string {
  const user = `${a.lab}-${STUDENT_ACCOUNT}`;
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: a.lab, cluster: { server: a.server, "certificate-authority-data": a.caData } }],
    users: [{ name: user, user: { token: a.token } }],
    contexts: [{ name: a.lab, context: { cluster: a.lab, user, namespace: a.lab } }],
    "current-context": a.lab,
  });
}

/**
 * A student's way into their lab: a ServiceAccount bound to
 * {@link STUDENT_RULES} in the lab namespace, its long-lived token (a
 * `service-account-token` Secret, which the provider waits to see filled),
 * and a kubeconfig for it as a secret output.
 */
export function renderStudentAccess(lab: string, namespace: pulumi.Input<string>, cluster: ClusterEndpoint, parent: pulumi.Resource): pulumi.Output<string> {
  const opts = { parent };
  const labels = { "app.kubernetes.io/part-of": "bigdata-labs", "app.kubernetes.io/managed-by": "pulumi" };
  const meta = { name: STUDENT_ACCOUNT, namespace, labels };
  const account = new k8s.core.v1.ServiceAccount(`${lab}-student`, { metadata: meta, automountServiceAccountToken: false }, opts);
  const role = new k8s.rbac.v1.Role(`${lab}-student`, { metadata: meta, rules: STUDENT_RULES }, opts);
  new k8s.rbac.v1.RoleBinding(
    `${lab}-student`,
    { metadata: meta, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }] },
    opts,
  );
  const token = new k8s.core.v1.Secret(
    `${lab}-student-token`,
    {
      metadata: {
        name: `${STUDENT_ACCOUNT}-token`,
        namespace,
        labels,
        // The token controller fills `data.token` after creation: wait for it.
        annotations: { "kubernetes.io/service-account.name": STUDENT_ACCOUNT, "pulumi.com/waitFor": "jsonpath={.data.token}" },
      },
      type: "kubernetes.io/service-account-token",
    },
    { ...opts, dependsOn: [account] },
  );
  return pulumi.secret(
    pulumi.all([cluster.server, cluster.caData, token.data]).apply(([server, caData, data]) =>
      studentKubeconfig({ lab, server, caData, token: Buffer.from(data?.["token"] ?? "", "base64").toString("utf8") }),
    ),
  );
}

/** The API server and CA of a kubeconfig's current context (e.g. the class cluster's own kubeconfig). */
export function endpointFromKubeconfig(text: string): { server: string; caData: string } {
  const doc = YAML.parse(text) as { "current-context"?: string; contexts?: { name: string; context: { cluster: string } }[]; clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[] };
  const ctx = doc.contexts?.find((c) => c.name === doc["current-context"]) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster) ?? doc.clusters?.[0];
  return { server: cluster?.cluster.server ?? "", caData: cluster?.cluster["certificate-authority-data"] ?? "" };
}
