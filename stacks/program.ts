import * as pulumi from "@pulumi/pulumi";
import { LabConfig, labContext, labInstances } from "../components/config/schema";
import { Lab, LabCredentials, ServiceEndpoints } from "../components/lab/lab";
import { DockerPlatform } from "../components/platform/docker/render";
import type { ClusterEndpoint } from "../components/platform/kubernetes/access";
import type { ClassroomArgs } from "../components/platform/kubernetes/render";
import { KUBE_CLIENT_SETTINGS } from "../components/platform/kubernetes/client-settings";
import { Platform } from "../components/platform/platform";
import { withStarterNotebooks } from "../lab-workloads/notebooks";

/** One lab's stack outputs. */
export interface LabOutputs {
  readonly module: number;
  readonly target: string;
  /** Docker network or Kubernetes namespace. */
  readonly location: pulumi.Output<string>;
  readonly endpoints: Record<string, ServiceEndpoints>;
  /** Browser URLs on the student's machine, by `<service>.<endpoint>`. */
  readonly uis: Record<string, string>;
}

/** The stack's outputs. */
export interface StackOutputs {
  readonly labs: Record<string, LabOutputs>;
  /** Generated credentials per lab (secret). */
  readonly credentials: pulumi.Output<Record<string, LabCredentials>>;
  /** The class cluster's kubeconfig on the aws target (secret). */
  readonly kubeconfig?: pulumi.Output<string>;
  /** Per lab of a class on Kubernetes: the student's kubeconfig for that lab alone (secret). */
  readonly access?: pulumi.Output<Record<string, string>>;
  /** A class's roster as stood up: name, module, and each student's lab and e-mail. */
  readonly classroom?: ClassroomOutput;
  /** The course staff's kubeconfig: every lab of the class and nothing else (secret). */
  readonly staffKubeconfig?: pulumi.Output<string>;
  /** The class cluster's image registry (ECR) on the aws target: `labctl images push --registry <imageRegistry>`. */
  readonly registry?: RegistryOutput;
}

/** The `registry` stack output. */
export interface RegistryOutput {
  /** ECR repository URI per lab image. */
  readonly repositoryUrls: pulumi.Output<Record<string, string>>;
  readonly registryHost: pulumi.Output<string>;
  /** `<host>/<prefix>`: the value for `lab:images.registry` and `labctl images push --registry`. */
  readonly imageRegistry: pulumi.Output<string>;
}

/** The `classroom` stack output. */
export interface ClassroomOutput {
  readonly name: string;
  readonly module: number;
  readonly students: { readonly name: string; readonly lab: string; readonly email?: string }[];
}

/** What the program learned before creating anything (the cluster's API server, for students' kubeconfigs). */
export interface ProgramFacts {
  /** @default none: a class on the kubernetes target then fails */
  readonly clusterEndpoint?: ClusterEndpoint;
  /** The stack's `lab:secretSeed`, from which every lab's credentials are derived. @default none: each is a RandomSecret */
  readonly secretSeed?: pulumi.Output<string>;
}

/**
 * The Kubernetes parts of the program, loaded only on the targets that use
 * them: a Docker lab's `up` does not pay for loading the Kubernetes and AWS
 * SDKs (0.2 s).
 */
async function kubernetesParts() {
  const [k8s, access, render, staff, janitor] = await Promise.all([
    import("@pulumi/kubernetes"),
    import("../components/platform/kubernetes/access"),
    import("../components/platform/kubernetes/render"),
    import("../components/platform/kubernetes/staff"),
    import("../components/platform/kubernetes/janitor"),
  ]);
  return { k8s, ...access, ...render, ...staff, ...janitor };
}

/** What {@link kubernetesParts} loads. */
type KubernetesParts = Awaited<ReturnType<typeof kubernetesParts>>;

/** The class options of the Kubernetes platform, for a stack with students. */
function classroomOf(cfg: LabConfig, cluster: ClusterEndpoint | undefined): ClassroomArgs | undefined {
  if (cfg.students.length === 0) return undefined;
  if (!cluster) throw new Error("a class on Kubernetes needs the cluster's API server for the students' kubeconfigs");
  const janitor = cfg.idleAfterSeconds !== undefined || cfg.expiresAfterSeconds !== undefined;
  return { name: cfg.name, networkPolicies: cfg.kubernetes.networkPolicies, cluster, ...(janitor ? { janitor } : {}) };
}

/** The platform labs render into, with its provider when Kubernetes. */
async function platformFor(
  cfg: LabConfig,
  facts: ProgramFacts,
): Promise<{ platform: Platform; opts: pulumi.ComponentResourceOptions; kube?: KubernetesParts; kubeconfig?: pulumi.Output<string>; classroom?: ClassroomArgs; registry?: RegistryOutput }> {
  switch (cfg.target) {
    case "docker":
      return { platform: new DockerPlatform(), opts: {} };
    case "kubernetes": {
      const kube = await kubernetesParts();
      const provider = new kube.k8s.Provider("kubernetes", {
        kubeClientSettings: KUBE_CLIENT_SETTINGS,
        ...(cfg.kubernetes.kubeconfig ? { kubeconfig: cfg.kubernetes.kubeconfig } : {}),
        ...(cfg.kubernetes.context ? { context: cfg.kubernetes.context } : {}),
      });
      const classroom = classroomOf(cfg, facts.clusterEndpoint);
      return { platform: new kube.KubernetesPlatform({ ...cfg.kubernetes, ...(classroom ? { classroom } : {}) }), opts: { providers: { kubernetes: provider } }, kube, ...(classroom ? { classroom } : {}) };
    }
    case "aws": {
      const [{ ClassCluster }, kube] = await Promise.all([import("../components/aws/class-cluster"), kubernetesParts()]);
      const cluster = new ClassCluster(`${cfg.name}-class`, cfg.aws!);
      const endpoint = cluster.kubeconfig.apply(kube.endpointFromKubeconfig);
      const classroom = classroomOf(cfg, { server: endpoint.server, caData: endpoint.caData });
      const platform = new kube.KubernetesPlatform({ ...cfg.kubernetes, storageClass: cfg.kubernetes.storageClass ?? cluster.storageClass, ...(classroom ? { classroom } : {}) });
      const registry = { repositoryUrls: cluster.repositoryUrls, registryHost: cluster.registryHost, imageRegistry: cluster.imageRegistry };
      return { platform, opts: { providers: { kubernetes: cluster.provider } }, kube, kubeconfig: cluster.kubeconfig, registry, ...(classroom ? { classroom } : {}) };
    }
  }
}

/** Creates every lab of the stack and returns the outputs to export. */
export async function createLabs(cfg: LabConfig, facts: ProgramFacts = {}): Promise<StackOutputs> {
  const { platform, opts, kube, kubeconfig, classroom: room, registry } = await platformFor(cfg, facts);
  // Course staff first: each lab binds the instructor's account, which lives in the staff namespace.
  const staff = room && kube ? new kube.ClassStaff(`${cfg.name}-staff`, { className: room.name, cluster: room.cluster }, opts) : undefined;
  if (staff && room?.janitor && kube) {
    new kube.ClassJanitor(
      `${cfg.name}-janitor`,
      {
        className: room.name,
        namespace: staff.namespace,
        labs: labInstances(cfg).map((l) => l.name),
        image: cfg.images.workspace,
        ...(cfg.idleAfterSeconds !== undefined ? { idleAfterSeconds: cfg.idleAfterSeconds } : {}),
        ...(cfg.expiresAfterSeconds !== undefined ? { expiresAfterSeconds: cfg.expiresAfterSeconds } : {}),
      },
      { ...opts, dependsOn: [staff] },
    );
  }
  const labs: Record<string, LabOutputs> = {};
  const credentials: Record<string, pulumi.Output<LabCredentials>> = {};
  const access: Record<string, pulumi.Output<string>> = {};
  for (const inst of labInstances(cfg)) {
    const lab = new Lab(
      inst.name,
      {
        module: cfg.module,
        platform,
        context: labContext(cfg, inst.hostPortBase),
        services: withStarterNotebooks(cfg.module, cfg.services),
        withoutWorkspace: !cfg.workspace,
        ...(inst.student ? { student: inst.student } : {}),
        ...(facts.secretSeed ? { secretSeed: facts.secretSeed } : {}),
      },
      staff ? { ...opts, dependsOn: [staff] } : opts,
    );
    const uis: Record<string, string> = {};
    for (const [service, eps] of Object.entries(lab.endpoints)) {
      for (const [key, ep] of Object.entries(eps)) if (ep.ui && ep.host) uis[`${service}.${key}`] = ep.host;
    }
    labs[inst.name] = { module: cfg.module, target: cfg.target, location: lab.location, endpoints: lab.endpoints, uis };
    credentials[inst.name] = lab.credentials;
    if (lab.studentKubeconfig) access[inst.name] = lab.studentKubeconfig;
  }
  const instances = labInstances(cfg);
  const classroom: ClassroomOutput | undefined =
    cfg.students.length > 0
      ? {
          name: cfg.name,
          module: cfg.module,
          students: instances.map((i) => ({ name: i.student!, lab: i.name, ...(cfg.studentEmails[i.student!] ? { email: cfg.studentEmails[i.student!]! } : {}) })),
        }
      : undefined;
  return {
    labs,
    credentials: pulumi.secret(pulumi.output(credentials)),
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(Object.keys(access).length > 0 ? { access: pulumi.secret(pulumi.output(access)) } : {}),
    ...(classroom ? { classroom } : {}),
    ...(staff ? { staffKubeconfig: staff.kubeconfig } : {}),
    ...(registry ? { registry } : {}),
  };
}
