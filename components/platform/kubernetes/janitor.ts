import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JUPYTER_TOKEN_SECRET } from "../../services/workspace-spec";
import { KAFKA_PORTS } from "../../services/kafka-spec";
import { ACCESS_LABELS } from "./access";
import { containerSecurityContext, podSecurityContext } from "./isolation";
import { LAB_ANNOTATIONS, ScheduleSettings } from "./schedule";

/** Name of the janitor's ServiceAccount, Deployment and Roles. */
export const JANITOR = "janitor";

/** Pod labels of the janitor (the labs' NetworkPolicy admits exactly these pods of the staff namespace). */
export const JANITOR_LABELS = { "app.kubernetes.io/name": JANITOR, "app.kubernetes.io/part-of": "bigdata-labs", "app.kubernetes.io/component": "janitor" };

/** The Secret holding a lab's Jupyter token (the workspace service's credentials). */
const WORKSPACE_SECRET = "workspace-credentials";

/** Ports the janitor reads signs of use on: Jupyter, the Spark master's UI, the Dask dashboard, Kafka's in-lab listener. */
export const JANITOR_PORTS = [8888, 8080, 8787, KAFKA_PORTS.internal] as const;

/**
 * What the janitor may do in each lab of its class: see and scale the lab's
 * workloads, and read the one Secret with the lab's Jupyter token. Nothing
 * else: no pods, no exec, no other Secret.
 */
export const JANITOR_LAB_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: ["apps"], resources: ["statefulsets", "deployments"], verbs: ["get", "list"] },
  { apiGroups: ["apps"], resources: ["statefulsets/scale", "deployments/scale"], verbs: ["get", "patch"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [WORKSPACE_SECRET] },
];

/** The janitor's rights on the class's lab namespaces themselves (read, annotate), by name. */
export function janitorNamespaceRule(labs: readonly string[]): k8s.types.input.rbac.v1.PolicyRule {
  return { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "patch"], resourceNames: [...labs] };
}

/** The lab namespace's NetworkPolicy that lets the class's janitor read the lab's signs of use. */
export function janitorIngressPolicy(staffNamespace: string): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": staffNamespace } }, podSelector: { matchLabels: { "app.kubernetes.io/name": JANITOR } } }],
        ports: JANITOR_PORTS.map((port) => ({ protocol: "TCP", port })),
      },
    ],
  };
}

/** The janitor's Role, RoleBinding and (with policies) NetworkPolicy in one lab namespace. */
export function renderJanitorAccess(lab: string, namespace: pulumi.Input<string>, staffNamespace: string, withPolicy: boolean, parent: pulumi.Resource): void {
  const meta = { name: JANITOR, namespace, labels: ACCESS_LABELS };
  const role = new k8s.rbac.v1.Role(`${lab}-janitor`, { metadata: meta, rules: JANITOR_LAB_RULES }, { parent });
  new k8s.rbac.v1.RoleBinding(
    `${lab}-janitor`,
    { metadata: meta, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects: [{ kind: "ServiceAccount", name: JANITOR, namespace: staffNamespace }] },
    { parent },
  );
  if (withPolicy) {
    new k8s.networking.v1.NetworkPolicy(`${lab}-lab-from-janitor`, { metadata: { name: "lab-from-janitor", namespace, labels: ACCESS_LABELS }, spec: janitorIngressPolicy(staffNamespace) }, { parent });
  }
}

/** Arguments of {@link ClassJanitor}. */
export interface ClassJanitorArgs extends ScheduleSettings {
  readonly className: string;
  /** The staff namespace it runs in. */
  readonly namespace: pulumi.Input<string>;
  /** Every lab namespace of the class. */
  readonly labs: readonly string[];
  /** An image with Python 3 and kafka-python: the lab's workspace image. */
  readonly image: string;
  /** Seconds between rounds. @default 30 */
  readonly intervalSeconds?: number;
}

/** The janitor's environment: its labs, limits and the shared annotation names. */
export function janitorEnv(args: ClassJanitorArgs): Record<string, string> {
  return {
    LABS: args.labs.join(","),
    INTERVAL_SECONDS: String(args.intervalSeconds ?? 30),
    ...(args.idleAfterSeconds !== undefined ? { IDLE_AFTER_SECONDS: String(args.idleAfterSeconds) } : {}),
    ...(args.expiresAfterSeconds !== undefined ? { EXPIRES_AFTER_SECONDS: String(args.expiresAfterSeconds) } : {}),
    ANNOTATION_ASLEEP_SINCE: LAB_ANNOTATIONS.asleepSince,
    ANNOTATION_ASLEEP_REASON: LAB_ANNOTATIONS.asleepReason,
    ANNOTATION_EXPIRES_AT: LAB_ANNOTATIONS.expiresAt,
    ANNOTATION_LAST_ACTIVE: LAB_ANNOTATIONS.lastActive,
    ANNOTATION_ACTIVITY_MARKS: LAB_ANNOTATIONS.activityMarks,
    JUPYTER_SECRET: WORKSPACE_SECRET,
    JUPYTER_SECRET_KEY: JUPYTER_TOKEN_SECRET,
    KAFKA_PORT: String(KAFKA_PORTS.internal),
  };
}

/**
 * The class janitor: one small pod in the staff namespace that puts expired
 * and idle labs to sleep (janitor.py), with a ServiceAccount limited to the
 * class's labs ({@link JANITOR_LAB_RULES}, {@link janitorNamespaceRule}).
 */
export class ClassJanitor extends pulumi.ComponentResource {
  constructor(name: string, args: ClassJanitorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:class:Janitor", name, {}, opts);
    const parent = { parent: this };
    const meta = { name: JANITOR, namespace: args.namespace, labels: JANITOR_LABELS };
    const account = new k8s.core.v1.ServiceAccount(`${name}-account`, { metadata: meta }, parent);
    // Cluster-scoped: named and labelled with the class, so `class down` can prove it gone.
    const clusterMeta = { name: `bigdata-labs-${args.className}-janitor`, labels: { ...ACCESS_LABELS, "bigdata-labs.io/class": args.className } };
    const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}-namespaces`, { metadata: clusterMeta, rules: [janitorNamespaceRule(args.labs)] }, parent);
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-namespaces`,
      {
        metadata: clusterMeta,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: JANITOR, namespace: args.namespace }],
      },
      parent,
    );
    const script = fs.readFileSync(path.join(__dirname, "janitor.py"), "utf8");
    const code = new k8s.core.v1.ConfigMap(`${name}-code`, { metadata: { ...meta, name: "janitor-code" }, data: { "janitor.py": script } }, parent);
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta,
        spec: {
          replicas: 1,
          selector: { matchLabels: { "app.kubernetes.io/name": JANITOR } },
          strategy: { type: "Recreate" },
          template: {
            // A new script rolls the pod.
            metadata: { labels: JANITOR_LABELS, annotations: { "bigdata-labs.io/code": createHash("sha256").update(script).digest("hex").slice(0, 16) } },
            spec: {
              serviceAccountName: account.metadata.name,
              securityContext: podSecurityContext(1000),
              terminationGracePeriodSeconds: 5,
              containers: [
                {
                  name: JANITOR,
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  command: ["/usr/bin/tini", "--", "python3", "-u", "/opt/janitor/janitor.py"],
                  env: Object.entries(janitorEnv(args)).map(([n, value]) => ({ name: n, value })),
                  resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "250m", memory: "192Mi" } },
                  securityContext: containerSecurityContext(),
                  volumeMounts: [{ name: "code", mountPath: "/opt/janitor", readOnly: true }],
                },
              ],
              volumes: [{ name: "code", configMap: { name: code.metadata.name } }],
            },
          },
        },
      },
      parent,
    );
    this.registerOutputs({});
  }
}
