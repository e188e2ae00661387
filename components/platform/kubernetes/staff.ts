import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS_LABELS, ClusterEndpoint, renderAccountKubeconfig } from "./access";
import { podSecurityLabels } from "./isolation";

/** The class's own namespace (course staff, class services): `staff-<class>`. */
export function staffNamespace(className: string): string {
  return `staff-${className}`;
}

/** Name of the staff ServiceAccount and of its Role in each lab. */
export const INSTRUCTOR_ACCOUNT = "instructor";

/**
 * What course staff may do in every lab of their class, and nowhere else:
 * read the lab's pods, logs, services, events, claims and workloads; exec
 * into and port-forward to its pods. Bound per lab namespace, never
 * cluster-wide.
 */
export const INSTRUCTOR_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["pods", "pods/log", "services", "endpoints", "events", "persistentvolumeclaims", "configmaps"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["pods/exec", "pods/portforward"], verbs: ["get", "create"] },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch"] },
];


/** Arguments of {@link ClassStaff}. */
export interface ClassStaffArgs {
  /** Class name (`lab:name`). */
  readonly className: string;
  /** The API server as staff reach it. */
  readonly cluster: ClusterEndpoint;
}

/**
 * A class's staff namespace with the instructor's ServiceAccount and a
 * kubeconfig for it. The access itself is granted lab by lab
 * ({@link renderInstructorAccess}), so the kubeconfig reaches exactly the
 * class's labs.
 */
export class ClassStaff extends pulumi.ComponentResource {
  /** `staff-<class>`. */
  public readonly namespace: pulumi.Output<string>;
  /** Kubeconfig of the instructor's ServiceAccount (default namespace: the staff namespace), a secret. */
  public readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, args: ClassStaffArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:class:Staff", name, {}, opts);
    const parent = { parent: this };
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: staffNamespace(args.className), labels: { ...ACCESS_LABELS, "bigdata-labs.io/class": args.className, "bigdata-labs.io/role": "staff", ...podSecurityLabels() } } },
      parent,
    );
    this.namespace = ns.metadata.name;
    this.kubeconfig = renderAccountKubeconfig(name, INSTRUCTOR_ACCOUNT, this.namespace, args.cluster, this).kubeconfig;
    this.registerOutputs({ namespace: this.namespace, kubeconfig: this.kubeconfig });
  }
}

/** The instructor's Role and RoleBinding in one lab namespace. */
export function renderInstructorAccess(lab: string, namespace: pulumi.Input<string>, className: string, parent: pulumi.Resource): void {
  const meta = { name: INSTRUCTOR_ACCOUNT, namespace, labels: ACCESS_LABELS };
  const role = new k8s.rbac.v1.Role(`${lab}-instructor`, { metadata: meta, rules: INSTRUCTOR_RULES }, { parent });
  new k8s.rbac.v1.RoleBinding(
    `${lab}-instructor`,
    {
      metadata: meta,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: INSTRUCTOR_ACCOUNT, namespace: staffNamespace(className) }],
    },
    { parent },
  );
}
