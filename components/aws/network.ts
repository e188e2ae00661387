import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { vpcLayout } from "./cidr";

/** Availability zones (by zone ID) where EKS does not run control planes, per the EKS user guide's subnet requirements. */
export const EKS_UNSUPPORTED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"] as const;

/** Arguments of {@link createClassNetwork}. */
export interface ClassNetworkArgs {
  /** A private /16 to /20, already validated (`checkVpcCidr`). */
  readonly vpcCidr: string;
  /** EKS cluster name, for the `kubernetes.io/cluster/<name>` subnet tags. */
  readonly clusterName: string;
  /** Tags on every resource. */
  readonly tags: Record<string, string>;
}

/** The subnets the cluster and its nodes use. */
export interface ClassNetwork {
  readonly vpc: aws.ec2.Vpc;
  /** One per AZ: the nodes, their pods and internal load balancers. */
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** One per AZ: the NAT gateway and internet-facing load balancers only. */
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly natGateway: aws.ec2.NatGateway;
  /** The NAT gateway and the private subnets' routes through it: nodes depend on these to reach ECR and EKS. */
  readonly egress: pulumi.Resource[];
}

/**
 * The class VPC in two availability zones: a private subnet per zone for the
 * nodes (no public addresses), a public subnet per zone holding only the
 * internet gateway's route and the NAT gateway, subnets carved from
 * `vpcCidr` by {@link vpcLayout}.
 *
 * One NAT gateway (in the first zone) serves both private subnets: a class
 * lives for hours or days, and if that zone fails the nodes of the other zone
 * lose outbound access until it is back. This saves a second NAT gateway's
 * hourly charge; production clusters use one per zone.
 *
 * Every resource and the zone lookup get `opts.provider`, so the region is
 * the one the class cluster was configured with.
 */
export function createClassNetwork(name: string, args: ClassNetworkArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): ClassNetwork {
  const { tags } = args;
  const layout = vpcLayout(args.vpcCidr);
  const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
  // Regular zones only (no Local or Wavelength Zones), without those where EKS cannot place a control plane.
  const zones = aws.getAvailabilityZonesOutput(
    { state: "available", excludeZoneIds: [...EKS_UNSUPPORTED_ZONE_IDS], filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
    opts,
  );
  const zone = (i: number) => zones.names.apply((n) => {
    if (n.length < 2) throw new Error(`the region has ${n.length} available zone(s); the class network needs 2`);
    return n[i]!;
  });
  const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: layout.vpc, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `${name}-vpc` } }, opts);
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } }, opts);
  const publicRoutes = new aws.ec2.RouteTable(
    `${name}-public`,
    { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { ...tags, Name: `${name}-public` } },
    opts,
  );
  const publicSubnets = layout.public.map((cidr, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-public-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: zone(i),
        mapPublicIpOnLaunch: false,
        tags: { ...tags, ...clusterTag, Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1" },
      },
      opts,
    );
    new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts);
    return subnet;
  });
  const natIp = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: { ...tags, Name: `${name}-nat` } }, { ...opts, dependsOn: [igw] });
  const natGateway = new aws.ec2.NatGateway(
    `${name}-nat`,
    { allocationId: natIp.id, subnetId: publicSubnets[0]!.id, connectivityType: "public", tags: { ...tags, Name: `${name}-nat` } },
    { ...opts, dependsOn: [igw] },
  );
  const privateRoutes = new aws.ec2.RouteTable(
    `${name}-private`,
    { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }], tags: { ...tags, Name: `${name}-private` } },
    opts,
  );
  const egress: pulumi.Resource[] = [natGateway, privateRoutes];
  const privateSubnets = layout.private.map((cidr, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-private-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: zone(i),
        mapPublicIpOnLaunch: false,
        tags: { ...tags, ...clusterTag, Name: `${name}-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
      },
      opts,
    );
    egress.push(new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, opts));
    return subnet;
  });
  return { vpc, privateSubnetIds: privateSubnets.map((s) => s.id), publicSubnetIds: publicSubnets.map((s) => s.id), natGateway, egress };
}
