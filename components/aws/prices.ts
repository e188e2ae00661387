/**
 * A small, dated table of AWS list prices and instance facts for the class
 * preflight's estimate. It is NOT fetched: prices change, and this table only
 * gives an order of magnitude. Update `PRICES_AS_OF` with the values.
 *
 * Sources (On-Demand, Linux, USD per hour, no taxes):
 * - EC2: https://aws.amazon.com/ec2/pricing/on-demand/
 * - EKS control plane, standard support: https://aws.amazon.com/eks/pricing/
 * - NAT gateway per hour (data processed is extra): https://aws.amazon.com/vpc/pricing/
 * - vCPUs, memory and ENI limits: https://docs.aws.amazon.com/ec2/latest/instancetypes/
 */

/** Month the prices below were taken from the pages above. */
export const PRICES_AS_OF = "2025-01";

/** Where the prices come from, for the report. */
export const PRICES_SOURCE = "AWS public On-Demand list prices (Linux, USD/hour) as of " + PRICES_AS_OF + ", from components/aws/prices.ts";

/** Facts about an instance type the capacity estimate needs. */
export interface InstanceFacts {
  readonly vcpus: number;
  /** Nominal memory in GiB (what AWS lists). */
  readonly memoryGiB: number;
  /**
   * Pods per node with the VPC CNI without prefix delegation:
   * ENIs × (IPv4 addresses per ENI − 1) + 2 (EKS's eni-max-pods.txt).
   */
  readonly maxPods: number;
  /** USD per hour by region. */
  readonly hourly: Readonly<Record<string, number>>;
}

/** The instance types the table knows (all x86, Nitro). */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceFacts>> = {
  "t3.large": { vcpus: 2, memoryGiB: 8, maxPods: 35, hourly: { "us-east-1": 0.0832, "eu-west-1": 0.0912, "eu-central-1": 0.096 } },
  "t3.xlarge": { vcpus: 4, memoryGiB: 16, maxPods: 58, hourly: { "us-east-1": 0.1664, "eu-west-1": 0.1824, "eu-central-1": 0.192 } },
  "t3.2xlarge": { vcpus: 8, memoryGiB: 32, maxPods: 58, hourly: { "us-east-1": 0.3328, "eu-west-1": 0.3648, "eu-central-1": 0.384 } },
  "m5.xlarge": { vcpus: 4, memoryGiB: 16, maxPods: 58, hourly: { "us-east-1": 0.192, "eu-west-1": 0.214, "eu-central-1": 0.23 } },
  "m6i.xlarge": { vcpus: 4, memoryGiB: 16, maxPods: 58, hourly: { "us-east-1": 0.192, "eu-west-1": 0.214, "eu-central-1": 0.23 } },
  "m6i.2xlarge": { vcpus: 8, memoryGiB: 32, maxPods: 58, hourly: { "us-east-1": 0.384, "eu-west-1": 0.428, "eu-central-1": 0.46 } },
  "r6i.xlarge": { vcpus: 4, memoryGiB: 32, maxPods: 58, hourly: { "us-east-1": 0.252, "eu-west-1": 0.282, "eu-central-1": 0.304 } },
};

/** EKS control plane per cluster-hour, standard support (the same in these regions). */
export const EKS_CONTROL_PLANE_HOURLY: Readonly<Record<string, number>> = { "us-east-1": 0.1, "eu-west-1": 0.1, "eu-central-1": 0.1 };

/** One NAT gateway per hour, before data processing charges. */
export const NAT_GATEWAY_HOURLY: Readonly<Record<string, number>> = { "us-east-1": 0.045, "eu-west-1": 0.048, "eu-central-1": 0.052 };

/** Regions with every price in the table. */
export const PRICED_REGIONS: readonly string[] = Object.keys(NAT_GATEWAY_HOURLY);
