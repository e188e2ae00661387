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

/** The values of a ServiceAccount's kubeconfig. */
export interface AccountKubeconfigArgs {
  /** The namespace the kubeconfig opens in, also the name of its context and cluster. */
  readonly namespace: string;
  /** The ServiceAccount's name (the kubeconfig's user is `<namespace>-<account>`). */
  readonly account: string;
  readonly server: string;
  readonly caData: string;
  /** The ServiceAccount's token. */
  readonly token: string;
}

/** A kubeconfig with one context: a namespace, as one of its ServiceAccounts. */
export function accountKubeconfig(a: AccountKubeconfigArgs): string {
  const user = `${a.namespace}-${a.account}`;
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: a.namespace, cluster: { server: a.server, "certificate-authority-data": a.caData } }],
    users: [{ name: user, user: { token: a.token } }],
    contexts: [{ name: a.namespace, context: { cluster: a.namespace, user, namespace: a.namespace } }],
    "current-context": a.namespace,
  });
}

/** Labels of the access objects (accounts, roles, tokens) a class adds. */
export const ACCESS_LABELS = { "app.kubernetes.io/part-of": "bigdata-labs", "app.kubernetes.io/managed-by": "pulumi" };

/**
 * A ServiceAccount `account` in `namespace`, its long-lived token (a
 * `service-account-token` Secret, which the provider waits to see filled)
 * and a kubeconfig for it, a secret. Resources are named `<prefix>-<account>`.
 */
export function renderAccountKubeconfig(
  prefix: string,
  account: string,
  namespace: pulumi.Input<string>,
  cluster: ClusterEndpoint,
  parent: pulumi.Resource,
): { account: k8s.core.v1.ServiceAccount; kubeconfig: pulumi.Output<string> } {
  const sa = new k8s.core.v1.ServiceAccount(`${prefix}-${account}`, { metadata: { name: account, namespace, labels: ACCESS_LABELS }, automountServiceAccountToken: false }, { parent });
  const token = new k8s.core.v1.Secret(
    `${prefix}-${account}-token`,
    {
      metadata: {
        name: `${account}-token`,
        namespace,
        labels: ACCESS_LABELS,
        // The token controller fills `data.token` after creation: wait for it.
        annotations: { "kubernetes.io/service-account.name": account, "pulumi.com/waitFor": "jsonpath={.data.token}" },
      },
      type: "kubernetes.io/service-account-token",
    },
    { parent, dependsOn: [sa] },
  );
  const kubeconfig = pulumi.secret(
    pulumi.all([cluster.server, cluster.caData, token.data, namespace]).apply(([server, caData, data, ns]) =>
      accountKubeconfig({ namespace: ns, account, server, caData, token: Buffer.from(data?.["token"] ?? "", "base64").toString("utf8") }),
    ),
  );
  return { account: sa, kubeconfig };
}

/**
 * A student's way into their lab: a ServiceAccount bound to
 * {@link STUDENT_RULES} in the lab namespace and a kubeconfig for it as a
 * secret output.
 */
export function renderStudentAccess(lab: string, namespace: pulumi.Input<string>, cluster: ClusterEndpoint, parent: pulumi.Resource): pulumi.Output<string> {
  const { account, kubeconfig } = renderAccountKubeconfig(lab, STUDENT_ACCOUNT, namespace, cluster, parent);
  const meta = { name: STUDENT_ACCOUNT, namespace, labels: ACCESS_LABELS };
  const role = new k8s.rbac.v1.Role(`${lab}-student`, { metadata: meta, rules: STUDENT_RULES }, { parent });
  new k8s.rbac.v1.RoleBinding(
    `${lab}-student`,
    { metadata: meta, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }] },
    { parent },
  );
  return kubeconfig;
}

/** The API server and CA of a kubeconfig's current context (e.g. the class cluster's own kubeconfig). */
export function endpointFromKubeconfig(text: string): { server: string; caData: string } {
  const doc = YAML.parse(text) as { "current-context"?: string; contexts?: { name: string; context: { cluster: string } }[]; clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[] };
  const ctx = doc.contexts?.find((c) => c.name === doc["current-context"]) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster) ?? doc.clusters?.[0];
  return { server: cluster?.cluster.server ?? "", caData: cluster?.cluster["certificate-authority-data"] ?? "" };
}
