import * as pulumi from "@pulumi/pulumi";
import { checkCluster, ClusterCheckError, clusterEndpointOf } from "../components/platform/kubernetes/cluster-check";
import { CONFIG_KEYS, LabConfig, labContext, labInstances, parseLabConfig } from "../components/config/schema";
import { checkKubeconfig, loadImageManifest, rawLabValues } from "../components/config/stack-values";
import { formatBytes } from "../components/core/units";
import { planLab } from "../components/lab/plan";
import { LabConfigError } from "../components/core/errors";
import { parseSecretSeed, SECRET_SEED_KEY } from "../components/core/derived-secret";

/**
 * The only place that reads stack config. Each `lab:*` value is read as the
 * engine stores it (a string, JSON for objects and numbers), parsed, and then
 * validated by the same pure validator `labctl` uses.
 */
export function loadConfig(): LabConfig {
  const config = new pulumi.Config("lab");
  const raw = rawLabValues((key) => config.get(key));
  const unknown = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith("lab:"))
    .map((k) => k.slice(4))
    .find((k) => !(CONFIG_KEYS as readonly string[]).includes(k) && k !== SECRET_SEED_KEY);
  if (unknown !== undefined) raw[unknown] = true; // reported by the validator with the list of known keys
  const cfg = parseLabConfig(raw, loadImageManifest());
  if (cfg.target === "kubernetes") checkKubeconfig(cfg);
  return cfg;
}

/**
 * The stack's `lab:secretSeed` (kept out of {@link LabConfig}, whose values
 * are plain), as a Pulumi secret, checked; undefined when the stack has none.
 */
export function loadSecretSeed(): pulumi.Output<string> | undefined {
  const text = pulumi.runtime.getConfig(`lab:${SECRET_SEED_KEY}`);
  if (text === undefined) return undefined;
  // Whether the engine handed it over as a secret (the SDK's runtime.isConfigSecret, not in its typings).
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return pulumi.secret(parseSecretSeed(text, isSecret ? isSecret(`lab:${SECRET_SEED_KEY}`) : true));
}

/**
 * Asks the cluster itself, before any resource is created: it must answer,
 * and have the configured storage class or a default one. LABS_SKIP_CLUSTER_CHECK=1
 * skips this (e.g. for a preview against a cluster that is still starting).
 */
export async function verifyCluster(cfg: LabConfig): Promise<void> {
  if (process.env["LABS_SKIP_CLUSTER_CHECK"] === "1") return;
  const { file, context } = checkKubeconfig(cfg);
  let facts;
  try {
    facts = await checkCluster(file, context, cfg.kubernetes.storageClass);
  } catch (err) {
    if (err instanceof ClusterCheckError) throw new LabConfigError(err.field, err.problem, err.fix);
    throw err;
  }
  // facts is undefined for clusters reached through an exec plugin (not probed).
  if (facts && isClass(cfg)) checkClassFits(cfg, facts.allocatable);
  if (facts && isClass(cfg) && cfg.kubernetes.networkPolicies && !facts.networkPolicyEngine && !cfg.kubernetes.allowNoIsolation) {
    throw new LabConfigError(
      "lab:kubernetes.allowNoIsolation",
      `no NetworkPolicy engine found in the cluster of context "${context}", so students could reach each other's labs`,
      "Start one (npm run kube -- start runs kube-router; kind >= 0.24, Calico or Cilium enforce policies) or set it to true (labctl class up --allow-no-isolation) to go on knowingly",
    );
  }
}

/**
 * A class whose labs' requests (CPU scaled by `cpuRequestScale`) exceed what
 * the cluster's nodes can allocate would leave pods pending: one line before
 * any resource.
 */
export function checkClassFits(cfg: LabConfig, allocatable: { cpuMillis: number; memoryBytes: number; nodes: number }): void {
  // Every lab of a class is the same module with the same settings: one plan, times the roster.
  const labs = labInstances(cfg).length;
  const one = planLab({ name: cfg.name, module: cfg.module, context: labContext(cfg), services: cfg.services, withoutWorkspace: !cfg.workspace }).totals;
  const cpu = labs * Math.ceil(one.cpuRequestMillis * cfg.kubernetes.cpuRequestScale);
  const memory = labs * one.memoryRequestBytes;
  if (cpu > allocatable.cpuMillis || memory > allocatable.memoryBytes) {
    throw new LabConfigError(
      "lab:students",
      `${labs} labs of module ${cfg.module} request ${(cpu / 1000).toFixed(2)} CPU and ${formatBytes(memory)}, more than the cluster's ${allocatable.nodes} node(s) can allocate (${(allocatable.cpuMillis / 1000).toFixed(2)} CPU, ${formatBytes(allocatable.memoryBytes)})`,
      "Set lab:kubernetes.cpuRequestScale (e.g. 0.25: most students are idle at a time), split the roster, or add nodes",
    );
  }
}

/** True for a class: one lab per student. */
export function isClass(cfg: LabConfig): boolean {
  return cfg.students.length > 0;
}

/** The API server of the configured cluster, for students' kubeconfigs; one line when unusable. */
export function clusterEndpoint(cfg: LabConfig): { server: string; caData: string } {
  const { file, context } = checkKubeconfig(cfg);
  try {
    return clusterEndpointOf(file, context);
  } catch (err) {
    if (err instanceof ClusterCheckError) throw new LabConfigError(err.field, err.problem, err.fix);
    throw err;
  }
}
