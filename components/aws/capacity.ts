import { ServiceSpec, ResourceSpec } from "../core/spec";
import { CHECK_JOB } from "../platform/kubernetes/render";
import { EKS_CONTROL_PLANE_HOURLY, INSTANCE_TYPES, InstanceFacts, NAT_GATEWAY_HOURLY, PRICES_SOURCE } from "./prices";

/**
 * How many students' labs fit the class cluster's nodes, and what the class
 * costs per hour. Pure: numbers in, numbers out; the preflight command only
 * formats them.
 */

const MIB = 2 ** 20;
const GIB = 2 ** 30;

/**
 * What one node keeps for itself and the cluster's own pods. Assumptions,
 * stated in every estimate:
 * - the kernel and firmware keep about 4% of the nominal memory (kubelet's capacity);
 * - EKS's kube-reserved: memory 255 MiB + 11 MiB per pod the node may run,
 *   CPU 6% of the first core, 1% of the second, 0.5% of cores 3-4 and 0.25%
 *   of the rest; eviction threshold 100 MiB; no system-reserved (EKS AMI defaults);
 * - DaemonSets on every node (aws-node with the network-policy agent,
 *   kube-proxy, ebs-csi-node, eks-pod-identity-agent): 200m CPU, 256 MiB, 4 pods;
 * - cluster add-ons counted once, on one node (2 CoreDNS, 2 EBS CSI
 *   controllers): 350m CPU, 640 MiB, 4 pods;
 * - EBS volumes a Nitro node can attach for PVCs: 24 (28 attachments shared
 *   with the root volume and up to 3 network interfaces).
 */
export const NODE_ASSUMPTIONS = {
  memoryVisibleShare: 0.96,
  kubeReservedMemoryBaseBytes: 255 * MIB,
  kubeReservedMemoryPerPodBytes: 11 * MIB,
  evictionMemoryBytes: 100 * MIB,
  daemonSets: { cpuMillis: 200, memoryBytes: 256 * MIB, pods: 4 },
  clusterAddons: { cpuMillis: 350, memoryBytes: 640 * MIB, pods: 4 },
  volumesPerNode: 24,
} as const;

/** One lab as the scheduler sees it, with room for one check Job. */
export interface LabFootprint {
  readonly cpuRequestMillis: number;
  readonly memoryRequestBytes: number;
  readonly memoryLimitBytes: number;
  readonly pods: number;
  /** PVCs (EBS volumes) the lab claims. */
  readonly volumes: number;
}

/**
 * A lab's requests (CPU scaled like `lab:kubernetes.cpuRequestScale`), its
 * memory limits, pods and volumes, plus the check Job's requests and pod
 * that each lab's quota leaves room for ({@link CHECK_JOB}).
 */
export function labFootprint(lab: { readonly specs: readonly ServiceSpec[]; readonly totals: ResourceSpec }, cpuRequestScale = 1): LabFootprint {
  let pods = 1; // the check Job
  let volumes = 0;
  for (const s of lab.specs) {
    for (const w of s.workloads) {
      pods += w.replicas;
      volumes += w.stateful ? w.volumes.length * w.replicas : w.volumes.length;
    }
  }
  return {
    cpuRequestMillis: Math.ceil(lab.totals.cpuRequestMillis * cpuRequestScale) + CHECK_JOB.cpuRequestMillis,
    memoryRequestBytes: lab.totals.memoryRequestBytes + CHECK_JOB.memoryRequestBytes,
    memoryLimitBytes: lab.totals.memoryLimitBytes + CHECK_JOB.memoryLimitBytes,
    pods,
    volumes,
  };
}

/** What the scheduler can place on one node of a type. */
export interface NodeCapacity {
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly maxPods: number;
  /** After kube-reserved and eviction, before any pod. */
  readonly allocatableCpuMillis: number;
  readonly allocatableMemoryBytes: number;
}

/** EKS's kube-reserved CPU in millicores for a number of cores. */
export function kubeReservedCpuMillis(vcpus: number): number {
  const shares = [60, 10, 5, 5]; // millicores per core: 6%, 1%, 0.5%, 0.5%
  let millis = 0;
  for (let core = 0; core < vcpus; core++) millis += shares[core] ?? 2.5;
  return Math.ceil(millis);
}

/** Allocatable CPU and memory of one node, from the instance facts and {@link NODE_ASSUMPTIONS}. */
export function nodeCapacity(facts: InstanceFacts): NodeCapacity {
  const a = NODE_ASSUMPTIONS;
  const visible = facts.memoryGiB * GIB * a.memoryVisibleShare;
  const reserved = a.kubeReservedMemoryBaseBytes + a.kubeReservedMemoryPerPodBytes * facts.maxPods + a.evictionMemoryBytes;
  return {
    vcpus: facts.vcpus,
    memoryGiB: facts.memoryGiB,
    maxPods: facts.maxPods,
    allocatableCpuMillis: facts.vcpus * 1000 - kubeReservedCpuMillis(facts.vcpus),
    allocatableMemoryBytes: Math.floor(visible - reserved),
  };
}

/** The resource that limits how many labs a node takes. */
export type Limit = "cpu" | "memory" | "pods" | "volumes";

/** Labs that fit in what is left of a node, and what runs out first. */
function labsFitting(free: { cpuMillis: number; memoryBytes: number; pods: number; volumes: number }, lab: LabFootprint): { labs: number; limit: Limit } {
  const by: [Limit, number][] = [
    ["cpu", Math.floor(free.cpuMillis / lab.cpuRequestMillis)],
    ["memory", Math.floor(free.memoryBytes / lab.memoryRequestBytes)],
    ["pods", Math.floor(free.pods / lab.pods)],
    ["volumes", lab.volumes === 0 ? Number.POSITIVE_INFINITY : Math.floor(free.volumes / lab.volumes)],
  ];
  const [limit, labs] = by.reduce((min, x) => (x[1] < min[1] ? x : min));
  return { labs: Math.max(0, labs), limit };
}

/** Hourly cost of the class, from the price table. */
export interface HourlyEstimate {
  readonly nodes: number;
  readonly controlPlane: number;
  readonly natGateway: number;
  readonly total: number;
  readonly currency: "USD";
  readonly source: string;
}

/** Input of {@link estimateClass}. */
export interface ClassEstimateInput {
  readonly lab: LabFootprint;
  /** Labs to place; 0 counts as one lab. */
  readonly students: number;
  readonly nodeCount: number;
  readonly instanceType: string;
  readonly region: string;
}

/** The answer: capacity, fit, nodes needed and price, with reasons when it does not fit. */
export interface ClassEstimate {
  readonly instanceType: string;
  readonly region: string;
  readonly nodeCount: number;
  /** Labs to place. */
  readonly labs: number;
  readonly lab: LabFootprint;
  /** Undefined when the instance type is not in the table. */
  readonly node?: NodeCapacity;
  /** Labs on a node that runs only DaemonSets besides them. */
  readonly labsPerNode: number;
  /** Labs on the node that also runs the cluster add-ons. */
  readonly labsOnAddonNode: number;
  readonly limitedBy?: Limit;
  /** Labs the configured nodes hold. */
  readonly capacity: number;
  readonly fits: boolean;
  /** Nodes of this type the class needs; undefined when one lab does not fit a node. */
  readonly nodesNeeded?: number;
  /** On the configured nodes; undefined when the table has no price for the type or region. */
  readonly hourly?: HourlyEstimate;
  /** On the nodes the class needs, when that differs from the configured count. */
  readonly hourlyNeeded?: HourlyEstimate;
  /** Why it does not fit (empty when it does). */
  readonly reasons: readonly string[];
  /** Things to know that do not stop the class. */
  readonly notes: readonly string[];
}

const round = (x: number) => Math.round(x * 10000) / 10000;

/** Capacity and price of a class on `nodeCount` nodes of `instanceType`. */
export function estimateClass(input: ClassEstimateInput): ClassEstimate {
  const labs = Math.max(1, input.students);
  const facts = INSTANCE_TYPES[input.instanceType];
  const base = { instanceType: input.instanceType, region: input.region, nodeCount: input.nodeCount, labs, lab: input.lab };
  if (!facts) {
    const known = Object.keys(INSTANCE_TYPES).join(", ");
    return {
      ...base,
      labsPerNode: 0,
      labsOnAddonNode: 0,
      capacity: 0,
      fits: false,
      reasons: [`instance type ${input.instanceType} is not in the table (components/aws/prices.ts), so its capacity is unknown; add it there or use one of ${known}`],
      notes: [],
    };
  }
  const node = nodeCapacity(facts);
  const a = NODE_ASSUMPTIONS;
  const free = {
    cpuMillis: node.allocatableCpuMillis - a.daemonSets.cpuMillis,
    memoryBytes: node.allocatableMemoryBytes - a.daemonSets.memoryBytes,
    pods: node.maxPods - a.daemonSets.pods,
    volumes: a.volumesPerNode,
  };
  const typical = labsFitting(free, input.lab);
  const addonNode = labsFitting(
    { cpuMillis: free.cpuMillis - a.clusterAddons.cpuMillis, memoryBytes: free.memoryBytes - a.clusterAddons.memoryBytes, pods: free.pods - a.clusterAddons.pods, volumes: free.volumes },
    input.lab,
  );
  const capacity = input.nodeCount >= 1 ? addonNode.labs + typical.labs * (input.nodeCount - 1) : 0;
  const nodesNeeded = typical.labs === 0 ? undefined : labs <= addonNode.labs ? 1 : 1 + Math.ceil((labs - addonNode.labs) / typical.labs);
  const fits = capacity >= labs;
  const reasons: string[] = [];
  const notes: string[] = [];
  if (typical.labs === 0) {
    reasons.push(`one lab does not fit a ${input.instanceType} node (its ${typical.limit} runs out); use a larger instance type`);
  } else if (!fits) {
    reasons.push(`${labs} labs need ${nodesNeeded} ${input.instanceType} nodes, ${input.nodeCount} configured (${typical.limit} runs out first); set lab:aws.nodeCount to ${nodesNeeded}`);
  }
  if (nodesNeeded !== undefined && nodesNeeded > 50) notes.push(`${nodesNeeded} nodes is more than lab:aws.nodeCount allows (50); use a larger instance type`);
  const atLimits = typical.labs * input.lab.memoryLimitBytes;
  if (typical.labs > 0 && atLimits > free.memoryBytes) {
    notes.push(`memory is overcommitted: ${typical.labs} labs at their limits could use ${(atLimits / GIB).toFixed(1)} GiB of a node's ${(free.memoryBytes / GIB).toFixed(1)} GiB, so busy labs may be OOM-killed`);
  }
  const nodePrice = facts.hourly[input.region];
  const control = EKS_CONTROL_PLANE_HOURLY[input.region];
  const nat = NAT_GATEWAY_HOURLY[input.region];
  let hourly: HourlyEstimate | undefined;
  let hourlyNeeded: HourlyEstimate | undefined;
  if (nodePrice === undefined || control === undefined || nat === undefined) {
    notes.push(`no price for ${input.instanceType} in ${input.region} in the table (components/aws/prices.ts); priced regions: ${Object.keys(facts.hourly).join(", ")}`);
  } else {
    const price = (count: number): HourlyEstimate => {
      const nodes = round(nodePrice * count);
      return { nodes, controlPlane: control, natGateway: nat, total: round(nodes + control + nat), currency: "USD", source: PRICES_SOURCE };
    };
    hourly = price(input.nodeCount);
    if (nodesNeeded !== undefined && nodesNeeded !== input.nodeCount) hourlyNeeded = price(nodesNeeded);
  }
  return {
    ...base,
    node,
    labsPerNode: typical.labs,
    labsOnAddonNode: addonNode.labs,
    limitedBy: typical.limit,
    capacity,
    fits,
    ...(nodesNeeded !== undefined ? { nodesNeeded } : {}),
    ...(hourly ? { hourly } : {}),
    ...(hourlyNeeded ? { hourlyNeeded } : {}),
    reasons,
    notes,
  };
}
