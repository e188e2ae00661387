import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClassCluster } from "../components/aws/class-cluster";
import { LabConfig, labInstances } from "../components/config/schema";
import { Lab, LabCredentials, ServiceEndpoints } from "../components/lab/lab";
import { DockerPlatform } from "../components/platform/docker/render";
import { KubernetesPlatform } from "../components/platform/kubernetes/render";
import { Platform } from "../components/platform/platform";

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
}

/** The platform labs render into, with its provider when Kubernetes. */
function platformFor(cfg: LabConfig): { platform: Platform; opts: pulumi.ComponentResourceOptions; kubeconfig?: pulumi.Output<string> } {
  switch (cfg.target) {
    case "docker":
      return { platform: new DockerPlatform(), opts: {} };
    case "kubernetes": {
      const provider = new k8s.Provider("kubernetes", {
        ...(cfg.kubernetes.kubeconfig ? { kubeconfig: cfg.kubernetes.kubeconfig } : {}),
        ...(cfg.kubernetes.context ? { context: cfg.kubernetes.context } : {}),
      });
      return { platform: new KubernetesPlatform(cfg.kubernetes), opts: { providers: { kubernetes: provider } } };
    }
    case "aws": {
      const cluster = new ClassCluster(`${cfg.name}-class`, cfg.aws!);
      const platform = new KubernetesPlatform({ ...cfg.kubernetes, storageClass: cfg.kubernetes.storageClass ?? cluster.storageClass });
      return { platform, opts: { providers: { kubernetes: cluster.provider } }, kubeconfig: cluster.kubeconfig };
    }
  }
}

/** Creates every lab of the stack and returns the outputs to export. */
export function createLabs(cfg: LabConfig): StackOutputs {
  const { platform, opts, kubeconfig } = platformFor(cfg);
  const labs: Record<string, LabOutputs> = {};
  const credentials: Record<string, pulumi.Output<LabCredentials>> = {};
  for (const inst of labInstances(cfg)) {
    const lab = new Lab(
      inst.name,
      {
        module: cfg.module,
        platform,
        context: { images: cfg.images, fieldPrefix: "lab:services", ...(inst.hostPortBase !== undefined ? { hostPortBase: inst.hostPortBase } : {}) },
        services: cfg.services,
        withoutWorkspace: !cfg.workspace,
      },
      opts,
    );
    const uis: Record<string, string> = {};
    for (const [service, eps] of Object.entries(lab.endpoints)) {
      for (const [key, ep] of Object.entries(eps)) if (ep.ui && ep.host) uis[`${service}.${key}`] = ep.host;
    }
    labs[inst.name] = { module: cfg.module, target: cfg.target, location: lab.location, endpoints: lab.endpoints, uis };
    credentials[inst.name] = lab.credentials;
  }
  return { labs, credentials: pulumi.secret(pulumi.output(credentials)), ...(kubeconfig ? { kubeconfig } : {}) };
}
