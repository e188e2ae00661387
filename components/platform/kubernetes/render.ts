import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { k8sCpu, k8sMemory } from "../../core/units";
import { launchCommand, ProbeSpec, ServiceSpec, WorkloadSpec } from "../../core/spec";
import { checkRenderable, LabScope, LabScopeArgs, LABEL, Platform, RenderOptions, RenderedService, SecretValues } from "../platform";
import { ClusterEndpoint, renderStudentAccess } from "./access";
import { renderInstructorAccess, staffNamespace } from "./staff";
import { renderJanitorAccess } from "./janitor";
import { containerSecurityContext, podSecurityContext, podSecurityLabels, renderNetworkPolicies } from "./isolation";

/** How ports marked for the student's machine are reached on Kubernetes. */
export type HostExposure = "nodePort" | "none";

/** Options of the Kubernetes platform. */
export interface KubernetesPlatformArgs {
  /**
   * `nodePort`: a NodePort Service per exposed workload, node port = the
   * spec's host port (kind maps them with extraPortMappings); `none`: in-cluster
   * only, reach UIs with `kubectl port-forward` (class clusters).
   * @default "nodePort"
   */
  readonly exposure?: HostExposure;
  /** StorageClass of the labs' PVCs. @default the cluster's default class */
  readonly storageClass?: string;
  /** Image pull policy; pinned tags make `IfNotPresent` safe for loaded images. @default "IfNotPresent" */
  readonly imagePullPolicy?: "IfNotPresent" | "Always" | "Never";
  /** Add a ResourceQuota and LimitRange to each lab namespace. @default true */
  readonly quota?: boolean;
  /** Share of each container's CPU request asked of the scheduler; limits stay. @default 1 */
  readonly cpuRequestScale?: number;
  /** Labs are a class's: isolate and hand out each one. @default none (a single student's lab) */
  readonly classroom?: ClassroomArgs;
}

/** What a class adds to each of its labs. */
export interface ClassroomArgs {
  /** Class name, a label on every lab namespace (`bigdata-labs.io/class`). */
  readonly name: string;
  /** NetworkPolicies that keep each lab to itself. @default true */
  readonly networkPolicies?: boolean;
  /** The API server as students reach it: each lab gets a student ServiceAccount and kubeconfig. */
  readonly cluster: ClusterEndpoint;
  /** The class janitor (idle and expiry) may scale each lab and read its signs of use. @default false */
  readonly janitor?: boolean;
}

/** Options after defaults. */
type ResolvedOptions = Required<Omit<KubernetesPlatformArgs, "storageClass" | "classroom">> & Pick<KubernetesPlatformArgs, "storageClass" | "classroom">;

/** A CPU request scaled for overcommit, never under 10m. */
export function scaledCpu(millis: number, scale: number): number {
  return Math.max(10, Math.ceil(millis * scale));
}

const SKIP_AWAIT = { "pulumi.com/skipAwait": "true" };

/** A Kubernetes probe for a neutral probe. */
export function k8sProbe(probe: ProbeSpec, w: WorkloadSpec): k8s.types.input.core.v1.Probe {
  const t = w.probeTiming;
  const timing = {
    initialDelaySeconds: t.initialDelaySeconds,
    periodSeconds: t.periodSeconds,
    timeoutSeconds: t.timeoutSeconds,
    failureThreshold: t.failureThreshold,
  };
  switch (probe.kind) {
    case "http":
      return { ...timing, httpGet: { port: probe.port, path: probe.path } };
    case "tcp":
      return { ...timing, tcpSocket: { port: probe.port } };
    case "exec":
      return { ...timing, exec: { command: [...probe.command] } };
  }
}

/** Pod annotation listing a workload's web UIs: JSON `[{ name, port, path }]`. */
export const UI_ANNOTATION = "bigdata-labs.io/uis";

/** The Secret holding a service's credentials: `<service>-credentials`. */
export function secretName(spec: ServiceSpec): string {
  return `${spec.service}-credentials`;
}

/** Env entries, with secret references pointing into the service's Secret. */
export function k8sEnv(spec: ServiceSpec, w: WorkloadSpec): k8s.types.input.core.v1.EnvVar[] {
  return Object.entries(w.env).map(([name, v]) =>
    typeof v === "string" ? { name, value: v } : { name, valueFrom: { secretKeyRef: { name: secretName(spec), key: v.secret } } },
  );
}

/** Labels of a workload's pods; the selector uses all of them. */
export function podLabels(lab: string, spec: ServiceSpec, w: WorkloadSpec): Record<string, string> {
  return {
    "app.kubernetes.io/name": spec.app,
    "app.kubernetes.io/instance": lab,
    "app.kubernetes.io/component": w.component,
    "app.kubernetes.io/part-of": "bigdata-labs",
    [LABEL.workload.replace("io.bigdata-labs.", "bigdata-labs.io/")]: w.name,
  };
}

/** Name of the pod volume that holds a workload's seed files. */
export const SEED_VOLUME = "seed-files";

/**
 * The pod template of a workload; `seedConfigMap` names the ConfigMap of its
 * seed files (mounted read-only at the spec's seed path).
 */
export function podTemplate(
  lab: string,
  spec: ServiceSpec,
  w: WorkloadSpec,
  pullPolicy: string,
  claimed: boolean,
  cpuRequestScale = 1,
  seedConfigMap?: pulumi.Input<string>,
): k8s.types.input.core.v1.PodTemplateSpec {
  const seed = w.seedFiles && seedConfigMap !== undefined ? { path: w.seedFiles.mountPath, configMap: seedConfigMap } : undefined;
  const labels = podLabels(lab, spec, w);
  const uis = w.ports.filter((p) => p.ui).map((p) => ({ name: `${spec.service}.${p.name}`, port: p.port, path: p.uiPath ?? "/" }));
  return {
    metadata: {
      labels: { ...labels, "app.kubernetes.io/version": spec.version, "app.kubernetes.io/managed-by": "pulumi" },
      // What `labctl connect` forwards for a student who has only a kubeconfig.
      ...(uis.length > 0 ? { annotations: { [UI_ANNOTATION]: JSON.stringify(uis) } } : {}),
    },
    spec: {
      enableServiceLinks: false,
      terminationGracePeriodSeconds: w.terminationGraceSeconds,
      securityContext: podSecurityContext(w.runAsUser),
      containers: [
        {
          name: w.component,
          image: w.image,
          imagePullPolicy: pullPolicy,
          args: launchCommand(w),
          securityContext: containerSecurityContext(),
          env: k8sEnv(spec, w),
          ports: w.ports.map((p) => ({ name: p.name.slice(0, 15), containerPort: p.port })),
          readinessProbe: k8sProbe(w.readiness, w),
          ...(w.liveness ? { livenessProbe: k8sProbe(w.liveness, w) } : {}),
          resources: {
            requests: { cpu: k8sCpu(scaledCpu(w.resources.cpuRequestMillis, cpuRequestScale)), memory: k8sMemory(w.resources.memoryRequestBytes) },
            limits: { cpu: k8sCpu(w.resources.cpuLimitMillis), memory: k8sMemory(w.resources.memoryLimitBytes) },
          },
          volumeMounts: [
            ...w.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath })),
            ...(seed ? [{ name: SEED_VOLUME, mountPath: seed.path, readOnly: true }] : []),
          ],
        },
      ],
      // Deployments with volumes use one PVC each; StatefulSets get claim templates instead.
      volumes: [
        ...(claimed ? [] : w.volumes.map((v) => ({ name: v.name, persistentVolumeClaim: { claimName: `${w.name}-${v.name}` } }))),
        ...(seed ? [{ name: SEED_VOLUME, configMap: { name: seed.configMap, defaultMode: 0o444 } }] : []),
      ],
    },
  };
}

/**
 * Room in each lab's quota for one check Job (`labctl check` runs the module's
 * jobs as Jobs in the lab's namespace), on top of 25% headroom.
 */
export const CHECK_JOB = { cpuRequestMillis: 250, memoryRequestBytes: 768 * 2 ** 20, cpuLimitMillis: 1000, memoryLimitBytes: 1280 * 2 ** 20 };

class KubernetesLabScope implements LabScope {
  public readonly target = "kubernetes" as const;
  public readonly lab: string;
  public readonly location: pulumi.Output<string>;
  public readonly studentKubeconfig?: pulumi.Output<string>;
  private readonly namespace: k8s.core.v1.Namespace;
  /** What pods wait for: the namespace's policies, so no pod runs unisolated for a moment. */
  private readonly isolation: pulumi.Resource[];

  constructor(args: LabScopeArgs, parent: pulumi.Resource, private readonly opts: ResolvedOptions) {
    this.lab = args.lab;
    const room = opts.classroom;
    this.namespace = new k8s.core.v1.Namespace(
      `${args.lab}-namespace`,
      {
        metadata: {
          name: args.lab,
          labels: {
            "app.kubernetes.io/part-of": "bigdata-labs",
            "bigdata-labs.io/module": String(args.module),
            ...(room ? { "bigdata-labs.io/class": room.name, ...(args.student ? { "bigdata-labs.io/student": args.student } : {}) } : {}),
            ...podSecurityLabels(),
          },
        },
      },
      { parent },
    );
    this.location = this.namespace.metadata.name;
    this.isolation = room && room.networkPolicies !== false ? renderNetworkPolicies(args.lab, this.location, parent) : [];
    if (room) {
      this.studentKubeconfig = renderStudentAccess(args.lab, this.location, room.cluster, parent);
      renderInstructorAccess(args.lab, this.location, room.name, parent);
      if (room.janitor) renderJanitorAccess(args.lab, this.location, staffNamespace(room.name), room.networkPolicies !== false, parent);
    }
    if (opts.quota) {
      const t = args.totals;
      const cpuReq = Math.ceil(t.cpuRequestMillis * opts.cpuRequestScale);
      new k8s.core.v1.ResourceQuota(
        `${args.lab}-quota`,
        {
          metadata: { name: "lab-quota", namespace: this.location },
          spec: {
            hard: {
              "requests.cpu": k8sCpu(Math.ceil(cpuReq * 1.25) + CHECK_JOB.cpuRequestMillis),
              "requests.memory": k8sMemory(t.memoryRequestBytes * 1.25 + CHECK_JOB.memoryRequestBytes),
              "limits.cpu": k8sCpu(Math.ceil(t.cpuLimitMillis * 1.25) + CHECK_JOB.cpuLimitMillis),
              "limits.memory": k8sMemory(t.memoryLimitBytes * 1.25 + CHECK_JOB.memoryLimitBytes),
            },
          },
        },
        { parent },
      );
      new k8s.core.v1.LimitRange(
        `${args.lab}-limits`,
        {
          metadata: { name: "lab-defaults", namespace: this.location },
          spec: { limits: [{ type: "Container", default: { cpu: "500m", memory: "512Mi" }, defaultRequest: { cpu: "100m", memory: "256Mi" } }] },
        },
        { parent },
      );
    }
  }

  render(spec: ServiceSpec, secrets: SecretValues, ro: RenderOptions): RenderedService {
    checkRenderable(spec);
    const ns = this.location;
    const opts = { parent: ro.parent };
    const deps: pulumi.Input<pulumi.Resource>[] = [...(ro.dependsOn ?? []), ...this.isolation];
    if (spec.secretNames.length > 0) {
      const stringData: Record<string, pulumi.Input<string>> = {};
      for (const s of spec.secretNames) {
        const v = secrets[s];
        if (v === undefined) throw new Error(`${spec.service}: secret ${s} was not provided by the lab`);
        stringData[s] = v;
      }
      deps.push(new k8s.core.v1.Secret(`${this.lab}-${secretName(spec)}`, { metadata: { name: secretName(spec), namespace: ns }, stringData }, opts));
    }
    const ready: pulumi.Resource[] = [];
    for (const w of spec.workloads) {
      const labels = podLabels(this.lab, spec, w);
      const meta = { namespace: ns, labels: { ...labels, "app.kubernetes.io/managed-by": "pulumi" } };
      // A headless Service named like the workload: `name` resolves to the pod itself.
      const headless = new k8s.core.v1.Service(
        `${this.lab}-${w.name}`,
        {
          metadata: { ...meta, name: w.name, annotations: SKIP_AWAIT },
          spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: labels, ports: w.ports.map((p) => ({ name: p.name.slice(0, 15), port: p.port })) },
        },
        opts,
      );
      const exposed = w.ports.filter((p) => p.hostPort !== undefined);
      if (this.opts.exposure === "nodePort" && exposed.length > 0) {
        new k8s.core.v1.Service(
          `${this.lab}-${w.name}-host`,
          {
            metadata: { ...meta, name: `${w.name}-host`, annotations: SKIP_AWAIT },
            spec: { type: "NodePort", selector: labels, ports: exposed.map((p) => ({ name: p.name.slice(0, 15), port: p.port, nodePort: p.hostPort })) },
          },
          opts,
        );
      }
      // Seed files in a ConfigMap named by Pulumi: new content is a new name, so the pod rolls and copies what is new.
      const seed = w.seedFiles
        ? new k8s.core.v1.ConfigMap(
            `${this.lab}-${w.name}-seed`,
            { metadata: { namespace: ns, labels: meta.labels }, data: Object.fromEntries(w.seedFiles.files.map((f) => [f.name, f.content])) },
            opts,
          )
        : undefined;
      const seedName = seed?.metadata.name;
      const waitFor = [...deps, headless];
      const storageClassName = this.opts.storageClass;
      let workload: pulumi.Resource;
      if (w.stateful) {
        workload = new k8s.apps.v1.StatefulSet(
          `${this.lab}-${w.name}`,
          {
            metadata: { ...meta, name: w.name },
            spec: {
              serviceName: w.name,
              replicas: w.replicas,
              podManagementPolicy: "Parallel",
              selector: { matchLabels: labels },
              template: podTemplate(this.lab, spec, w, this.opts.imagePullPolicy, true, this.opts.cpuRequestScale, seedName),
              volumeClaimTemplates: w.volumes.map((v) => ({
                metadata: { name: v.name, labels },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: k8sMemory(v.sizeBytes) } }, ...(storageClassName ? { storageClassName } : {}) },
              })),
              // Claims outlive a scale to zero (a lab put to sleep keeps its data) and go with the StatefulSet.
              persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
            },
          },
          { ...opts, dependsOn: waitFor },
        );
      } else {
        const claims = w.volumes.map(
          (v) =>
            new k8s.core.v1.PersistentVolumeClaim(
              `${this.lab}-${w.name}-${v.name}`,
              {
                metadata: { ...meta, name: `${w.name}-${v.name}`, annotations: SKIP_AWAIT },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: k8sMemory(v.sizeBytes) } }, ...(storageClassName ? { storageClassName } : {}) },
              },
              opts,
            ),
        );
        workload = new k8s.apps.v1.Deployment(
          `${this.lab}-${w.name}`,
          {
            metadata: { ...meta, name: w.name },
            spec: {
              replicas: w.replicas,
              selector: { matchLabels: labels },
              strategy: w.volumes.length > 0 ? { type: "Recreate" } : undefined,
              template: podTemplate(this.lab, spec, w, this.opts.imagePullPolicy, false, this.opts.cpuRequestScale, seedName),
            },
          },
          { ...opts, dependsOn: [...waitFor, ...claims] },
        );
      }
      ready.push(workload);
    }
    return { ready };
  }
}

/**
 * Kubernetes (kind, the project's local node, or a class cluster): a
 * namespace per lab with a quota, StatefulSets for stateful workloads and
 * Deployments for the rest, headless Services for in-lab DNS, NodePort
 * Services for the student's machine, Secrets for credentials. Never a
 * LoadBalancer: it would keep `pulumi up` waiting on a local cluster.
 */
export class KubernetesPlatform implements Platform {
  public readonly target = "kubernetes" as const;
  private readonly opts: ResolvedOptions;

  constructor(args: KubernetesPlatformArgs = {}) {
    this.opts = {
      exposure: args.exposure ?? "nodePort",
      imagePullPolicy: args.imagePullPolicy ?? "IfNotPresent",
      quota: args.quota ?? true,
      cpuRequestScale: args.cpuRequestScale ?? 1,
      ...(args.storageClass ? { storageClass: args.storageClass } : {}),
      ...(args.classroom ? { classroom: args.classroom } : {}),
    };
  }

  openLab(args: LabScopeArgs, parent: pulumi.Resource): LabScope {
    return new KubernetesLabScope(args, parent, this.opts);
  }
}
