import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Pod Security Admission level of every lab namespace. `restricted`: every
 * lab image runs as a fixed non-root user, needs no capability, no host
 * path, port or namespace, and runs under the runtime's default seccomp
 * profile, so the strictest level admits them all (the renderer sets the
 * matching securityContext on every pod and container).
 */
export const POD_SECURITY_LEVEL = "restricted";

/** Namespace labels that make the API server enforce {@link POD_SECURITY_LEVEL}. */
export function podSecurityLabels(): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": POD_SECURITY_LEVEL,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": POD_SECURITY_LEVEL,
    "pod-security.kubernetes.io/audit": POD_SECURITY_LEVEL,
  };
}

/** The pod-level securityContext of a lab pod running as `uid`. */
export function podSecurityContext(uid: number): k8s.types.input.core.v1.PodSecurityContext {
  return { runAsUser: uid, runAsGroup: uid, fsGroup: uid, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
}

/** The container-level securityContext every lab container gets (a fresh object: manifests are mutable). */
export function containerSecurityContext(): { allowPrivilegeEscalation: false; capabilities: { drop: string[] } } {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
}

/**
 * Addresses a lab pod may not reach outside its own namespace: every private
 * (RFC 1918), carrier-grade NAT and link-local range. Other students' pods
 * and Services live in these ranges on every cluster (kind, the project's
 * node, EKS's VPC), and link-local holds the cloud's instance metadata
 * address (169.254.169.254): a pod must not borrow the node's credentials.
 */
export const BLOCKED_EGRESS_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"] as const;

/** The namespace label every Kubernetes namespace carries (set by the API server). */
const NAMESPACE_NAME = "kubernetes.io/metadata.name";

/** The NetworkPolicies of one lab namespace, as plain manifests (name → spec). */
export function labNetworkPolicies(): Record<string, k8s.types.input.networking.v1.NetworkPolicySpec> {
  const everyPod = {};
  return {
    // Nothing in or out unless a policy below allows it.
    "lab-default-deny": { podSelector: everyPod, policyTypes: ["Ingress", "Egress"] },
    // The lab's own pods talk to each other (Spark executors to the driver, clients to MinIO, check jobs).
    "lab-same-namespace": {
      podSelector: everyPod,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: everyPod }] }],
      egress: [{ to: [{ podSelector: everyPod }] }],
    },
    // Name lookups through the cluster DNS in kube-system.
    "lab-dns": {
      podSelector: everyPod,
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: "kube-system" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
    },
    // The internet (pip install, public data sets), but no private address: not another lab, not the metadata service.
    "lab-internet": {
      podSelector: everyPod,
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...BLOCKED_EGRESS_CIDRS] } }] }],
    },
  };
}

/** Creates a lab namespace's NetworkPolicies. */
export function renderNetworkPolicies(lab: string, namespace: pulumi.Input<string>, parent: pulumi.Resource): k8s.networking.v1.NetworkPolicy[] {
  return Object.entries(labNetworkPolicies()).map(
    ([name, spec]) =>
      new k8s.networking.v1.NetworkPolicy(
        `${lab}-${name}`,
        { metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "bigdata-labs", "app.kubernetes.io/managed-by": "pulumi" } }, spec },
        { parent },
      ),
  );
}
