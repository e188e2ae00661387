import * as fs from "fs";
import * as YAML from "yaml";
import { ClassEstimate, estimateClass, labFootprint, NODE_ASSUMPTIONS } from "../../components/aws/capacity";
import { AwsSettings, LabConfig, parseLabConfig } from "../../components/config/schema";
import { isLabConfigError } from "../../components/core/errors";
import { formatBytes, k8sCpu } from "../../components/core/units";
import { MODULES, ModuleId, ServiceSettings } from "../../components/lab/modules";
import { planLab } from "../../components/lab/plan";
import { loadImageManifest } from "../../components/config/stack-values";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { validateSettings } from "../lab-args";
import { Io } from "./shared";

/** Options of {@link awsClassPreflight}. */
export interface ClassPreflightOptions {
  readonly module: ModuleId;
  /** Labs to place (0: one lab for the instructor). */
  readonly students: number;
  readonly aws: AwsSettings;
  readonly json: boolean;
  /** Service overrides of the stack (`lab:services`). @default {} */
  readonly services?: ServiceSettings;
  /** `lab:kubernetes.cpuRequestScale`. @default 1 */
  readonly cpuRequestScale?: number;
}

/** The answer: GO when every lab fits the configured nodes. */
export type ClassPreflightResult = ClassEstimate & { readonly go: boolean; readonly module: ModuleId };

const usd = (x: number) => `$${x.toFixed(x < 1 ? 4 : 2)}`;

/** The assumptions behind the capacity figures, one line. */
export function assumptionsLine(): string {
  const a = NODE_ASSUMPTIONS;
  return (
    `assumed per node: ${Math.round((1 - a.memoryVisibleShare) * 100)}% of memory kept by the kernel; EKS kube-reserved (255 MiB + 11 MiB per pod, ` +
    `6%/1%/0.5% of the first cores' CPU) and a 100 MiB eviction threshold; DaemonSets ${k8sCpu(a.daemonSets.cpuMillis)} CPU, ${formatBytes(a.daemonSets.memoryBytes)}, ` +
    `${a.daemonSets.pods} pods; cluster add-ons once (${k8sCpu(a.clusterAddons.cpuMillis)} CPU, ${formatBytes(a.clusterAddons.memoryBytes)}); ${a.volumesPerNode} EBS volumes; ` +
    `labs are counted whole per node, by their requests`
  );
}

/** The lines `labctl` prints for an estimate. */
export function formatClassPreflight(r: ClassPreflightResult): string[] {
  const lines = [
    `class preflight: module ${r.module} (${MODULES[r.module].slug}), ${r.labs} lab${r.labs === 1 ? "" : "s"} on ${r.nodeCount} × ${r.instanceType} in ${r.region}: ${r.go ? "GO" : "NO-GO"}`,
    `  one lab, with room for a check job: requests ${k8sCpu(r.lab.cpuRequestMillis)} CPU and ${formatBytes(r.lab.memoryRequestBytes)}, ${r.lab.pods} pods, ${r.lab.volumes} volumes; memory limits ${formatBytes(r.lab.memoryLimitBytes)}`,
  ];
  if (r.node) {
    lines.push(
      `  one node: ${r.node.vcpus} vCPU, ${r.node.memoryGiB} GiB, ${r.node.maxPods} pods; allocatable ${k8sCpu(r.node.allocatableCpuMillis)} CPU and ${formatBytes(r.node.allocatableMemoryBytes)}`,
      `  labs per node: ${r.labsPerNode} (${r.limitedBy} runs out first), ${r.labsOnAddonNode} on the node with the cluster add-ons; the ${r.nodeCount} configured nodes hold ${r.capacity}` +
        (r.nodesNeeded !== undefined ? `; ${r.labs} labs need ${r.nodesNeeded} node${r.nodesNeeded === 1 ? "" : "s"}` : ""),
    );
  }
  if (r.hourly) {
    const h = r.hourly;
    lines.push(
      `  estimate: ${usd(h.total)}/hour, about ${usd(h.total * 24)}/day (nodes ${usd(h.nodes)} + EKS control plane ${usd(h.controlPlane)} + NAT gateway ${usd(h.natGateway)}); ` +
        `an estimate from ${h.source}, without EBS volumes, data transfer and NAT data processing`,
    );
    if (r.hourlyNeeded) lines.push(`  on the ${r.nodesNeeded} nodes the class needs: ${usd(r.hourlyNeeded.total)}/hour, about ${usd(r.hourlyNeeded.total * 24)}/day`);
  }
  for (const reason of r.reasons) lines.push(`  ${reason}`);
  for (const note of r.notes) lines.push(`  note: ${note}`);
  if (r.node) lines.push(`  ${assumptionsLine()}`);
  return lines;
}

/**
 * `labctl` class preflight on AWS: how many students' labs of `module` fit
 * each node of the configured type, whether the class fits the configured
 * nodes (and how many it needs if not), and an hourly estimate from the
 * price table. Nothing is called on AWS.
 */
export function awsClassPreflight(opts: ClassPreflightOptions, io: Io): ClassPreflightResult {
  const cfg = validateSettings({ module: opts.module, target: "kubernetes", kubernetes: { exposure: "none" } });
  let plan;
  try {
    plan = planLab({ name: "class-preflight", module: opts.module, context: { images: cfg.images, fieldPrefix: "lab:services" }, services: opts.services ?? {} });
  } catch (err) {
    if (isLabConfigError(err)) throw new UserError(err.message, EXIT.usage);
    throw err;
  }
  const estimate = estimateClass({
    lab: labFootprint(plan, opts.cpuRequestScale ?? 1),
    students: opts.students,
    nodeCount: opts.aws.nodeCount,
    instanceType: opts.aws.instanceType,
    region: opts.aws.region,
  });
  const result: ClassPreflightResult = { ...estimate, go: estimate.fits && estimate.node !== undefined, module: opts.module };
  if (opts.json) io.out(JSON.stringify(result, null, 2));
  else for (const line of formatClassPreflight(result)) io.out(line);
  return result;
}

/**
 * The validated settings of an aws stack file (`stacks/Pulumi.<stack>.yaml`),
 * read without Pulumi; one-line errors for a missing file, bad YAML, bad
 * settings or a stack whose target is not aws.
 */
export function loadClassStack(file: string): LabConfig & { aws: AwsSettings } {
  let doc: { config?: Record<string, unknown> };
  try {
    doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be read (${(err as Error).message.split("\n")[0]})`;
    throw new UserError(`${file} ${why}; give the instructor's stack file, e.g. stacks/Pulumi.instructor-eks.yaml`, EXIT.usage);
  }
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) if (key.startsWith("lab:")) raw[key.slice(4)] = value;
  let cfg: LabConfig;
  try {
    cfg = parseLabConfig(raw, loadImageManifest());
  } catch (err) {
    if (isLabConfigError(err)) throw new UserError(`${file}: ${err.message}`, EXIT.usage);
    throw err;
  }
  if (cfg.target !== "aws" || !cfg.aws) throw new UserError(`${file}: lab:target is ${cfg.target}, not aws; the class preflight is for the AWS class cluster`, EXIT.usage);
  return cfg as LabConfig & { aws: AwsSettings };
}

/** The class preflight of a stack file: its module, students, services and `lab:aws` settings. */
export function classPreflightFromStack(file: string, json: boolean, io: Io): ClassPreflightResult {
  const cfg = loadClassStack(file);
  return awsClassPreflight(
    { module: cfg.module, students: cfg.students.length, aws: cfg.aws, json, services: cfg.services, cpuRequestScale: cfg.kubernetes.cpuRequestScale },
    io,
  );
}
