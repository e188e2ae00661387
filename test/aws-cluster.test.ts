import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { vpcLayout } from "../components/aws/cidr";
import { ClassCluster, NODE_POLICIES } from "../components/aws/class-cluster";
import { LAB_IMAGES, LIFECYCLE_POLICY } from "../components/aws/registry";
import { manifest } from "./helpers/fixtures";
import { settle, valueOf } from "./helpers/mocks";

/** A resource or invoke the mock engine saw, with the provider reference it was given (`<urn>::<id>`). */
interface Seen {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly provider?: string;
}

const resources: Seen[] = [];
const invokes: { token: string; inputs: Record<string, any>; provider?: string }[] = [];
const ACCOUNT = "111122223333";
const REGION = "ap-southeast-2"; // not the AWS default region, so a default provider would show
const CIDRS = ["81.2.69.0/24", "0.0.0.0/0"];
let cluster: ClassCluster;

/** Region of the provider a reference points at (mocked providers are recorded like resources). */
function regionOf(providerRef: string | undefined): string {
  const p = resources.find((r) => r.type === "pulumi:providers:aws" && providerRef?.endsWith(`::${r.name}::${r.name}-id`));
  return p?.inputs["region"] ?? "us-east-1";
}

const ofType = (type: string) => resources.filter((r) => r.type === type);
const one = (type: string, name: string) => {
  const found = resources.filter((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, ...(args.provider ? { provider: args.provider } : {}) });
        const state: Record<string, any> = { ...args.inputs };
        if (args.type === "aws:iam/role:Role") Object.assign(state, { name: args.name, arn: `arn:aws:iam::${ACCOUNT}:role/${args.name}` });
        if (args.type === "aws:ecr/repository:Repository") state["repositoryUrl"] = `${ACCOUNT}.dkr.ecr.${regionOf(args.provider)}.amazonaws.com/${args.inputs["name"]}`;
        if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") state["latestVersion"] = 1;
        if (args.type === "aws:eks/cluster:Cluster") Object.assign(state, { endpoint: "https://eks.example", certificateAuthority: { data: "Q0E=" } });
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        invokes.push({ token: args.token, inputs: args.inputs, ...(args.provider ? { provider: args.provider } : {}) });
        if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") return { names: [`${REGION}a`, `${REGION}b`, `${REGION}c`] };
        return args.inputs;
      },
    },
    "bigdata-labs",
    "test",
    false,
  );
  cluster = new ClassCluster("cls", {
    region: REGION,
    nodeCount: 3,
    instanceType: "m6i.xlarge",
    kubernetesVersion: "1.33",
    vpcCidr: "10.52.0.0/18",
    publicAccessCidrs: CIDRS,
  });
  await valueOf(cluster.kubeconfig);
  await valueOf(cluster.repositoryUrls);
  await settle();
});

describe("ClassCluster: one explicit AWS provider in the configured region", () => {
  it("creates the provider from lab:aws.region and gives it to every AWS resource", () => {
    const providers = ofType("pulumi:providers:aws");
    expect(providers.map((p) => [p.name, p.inputs["region"]])).toEqual([["cls-aws", REGION]]);
    const awsResources = resources.filter((r) => r.type.startsWith("aws:"));
    // Everything the cluster is made of is there, so "every" below is not vacuous.
    expect(new Set(awsResources.map((r) => r.type))).toEqual(
      new Set([
        "aws:ec2/vpc:Vpc",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/eip:Eip",
        "aws:ec2/natGateway:NatGateway",
        "aws:iam/role:Role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:eks/cluster:Cluster",
        "aws:eks/addon:Addon",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:ecr/repository:Repository",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
      ]),
    );
    const strays = awsResources.filter((r) => !r.provider?.endsWith("::cls-aws::cls-aws-id")).map((r) => `${r.type} ${r.name} -> ${r.provider}`);
    expect(strays).toEqual([]);
  });

  it("looks the availability zones up through the same provider", () => {
    const zones = invokes.filter((i) => i.token === "aws:index/getAvailabilityZones:getAvailabilityZones");
    expect(zones.length).toBeGreaterThan(0);
    expect(zones.every((z) => z.provider?.endsWith("::cls-aws::cls-aws-id"))).toBe(true);
    expect(zones[0]!.inputs).toMatchObject({ state: "available", excludeZoneIds: ["use1-az3", "usw1-az2", "cac1-az3"] });
    expect(ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs["availabilityZone"]).sort()).toEqual([`${REGION}a`, `${REGION}a`, `${REGION}b`, `${REGION}b`]);
  });

  it("writes the region into the kubeconfig's token command", async () => {
    const kubeconfig = JSON.parse(await valueOf(cluster.kubeconfig));
    expect(kubeconfig.users[0].user.exec.args).toEqual(["eks", "get-token", "--cluster-name", "cls", "--region", REGION]);
  });
});

describe("ClassCluster: network", () => {
  const layout = vpcLayout("10.52.0.0/18");

  it("puts the nodes and the control plane in private subnets carved from vpcCidr", () => {
    expect(one("aws:ec2/vpc:Vpc", "cls-vpc").inputs["cidrBlock"]).toBe("10.52.0.0/18");
    expect(layout.private).toEqual(["10.52.0.0/20", "10.52.16.0/20"]);
    expect(layout.public).toEqual(["10.52.32.0/22", "10.52.36.0/22"]);
    for (const i of [0, 1]) {
      const priv = one("aws:ec2/subnet:Subnet", `cls-private-${i}`).inputs;
      expect(priv).toMatchObject({ cidrBlock: layout.private[i], mapPublicIpOnLaunch: false });
      expect(priv["tags"]).toMatchObject({ "kubernetes.io/role/internal-elb": "1", "kubernetes.io/cluster/cls": "shared" });
      expect(priv["tags"]["kubernetes.io/role/elb"]).toBeUndefined();
      const pub = one("aws:ec2/subnet:Subnet", `cls-public-${i}`).inputs;
      expect(pub).toMatchObject({ cidrBlock: layout.public[i], mapPublicIpOnLaunch: false });
      expect(pub["tags"]).toMatchObject({ "kubernetes.io/role/elb": "1" });
    }
    const privateIds = ["cls-private-0-id", "cls-private-1-id"];
    expect(one("aws:eks/nodeGroup:NodeGroup", "cls-nodes").inputs["subnetIds"]).toEqual(privateIds);
    expect(one("aws:eks/cluster:Cluster", "cls-eks").inputs["vpcConfig"]["subnetIds"]).toEqual(privateIds);
  });

  it("routes the private subnets through one NAT gateway in a public subnet, and only the public ones to the internet gateway", () => {
    const nat = one("aws:ec2/natGateway:NatGateway", "cls-nat").inputs;
    expect(nat).toMatchObject({ subnetId: "cls-public-0-id", allocationId: "cls-nat-id", connectivityType: "public" });
    expect(ofType("aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    expect(one("aws:ec2/routeTable:RouteTable", "cls-private").inputs["routes"]).toEqual([{ cidrBlock: "0.0.0.0/0", natGatewayId: "cls-nat-id" }]);
    expect(one("aws:ec2/routeTable:RouteTable", "cls-public").inputs["routes"]).toEqual([{ cidrBlock: "0.0.0.0/0", gatewayId: "cls-igw-id" }]);
    const assoc = Object.fromEntries(ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").map((a) => [a.inputs["subnetId"], a.inputs["routeTableId"]]));
    expect(assoc).toEqual({
      "cls-private-0-id": "cls-private-id",
      "cls-private-1-id": "cls-private-id",
      "cls-public-0-id": "cls-public-id",
      "cls-public-1-id": "cls-public-id",
    });
  });

  it("opens the public API endpoint to publicAccessCidrs only, with the private endpoint on", () => {
    expect(one("aws:eks/cluster:Cluster", "cls-eks").inputs["vpcConfig"]).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: CIDRS });
  });
});

describe("ClassCluster: nodes and add-ons", () => {
  it("launches the nodes from a template that keeps pods away from instance metadata", () => {
    const lt = one("aws:ec2/launchTemplate:LaunchTemplate", "cls-nodes").inputs;
    expect(lt["metadataOptions"]).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" });
    expect(lt["blockDeviceMappings"][0].ebs).toMatchObject({ encrypted: "true", volumeType: "gp3" });
    const ng = one("aws:eks/nodeGroup:NodeGroup", "cls-nodes").inputs;
    expect(ng).toMatchObject({ launchTemplate: { id: "cls-nodes-id", version: "1" }, instanceTypes: ["m6i.xlarge"], scalingConfig: { desiredSize: 3, minSize: 3, maxSize: 3 } });
    expect(ng["diskSize"]).toBeUndefined(); // conflicts with a launch template
  });

  it("installs the VPC CNI with its network-policy agent, Pod Identity, and EBS CSI with its own role", () => {
    const addons = Object.fromEntries(ofType("aws:eks/addon:Addon").map((a) => [a.inputs["addonName"], a.inputs]));
    expect(Object.keys(addons).sort()).toEqual(["aws-ebs-csi-driver", "eks-pod-identity-agent", "vpc-cni"]);
    expect(JSON.parse(addons["vpc-cni"]!["configurationValues"])).toEqual({ enableNetworkPolicy: "true" });
    expect(addons["vpc-cni"]!["clusterName"]).toBe("cls");
    expect(addons["aws-ebs-csi-driver"]!["podIdentityAssociations"]).toEqual([{ roleArn: `arn:aws:iam::${ACCOUNT}:role/cls-ebs-csi-role`, serviceAccount: "ebs-csi-controller-sa" }]);
    const trust = JSON.parse(one("aws:iam/role:Role", "cls-ebs-csi-role").inputs["assumeRolePolicy"]);
    expect(trust.Statement[0]).toMatchObject({ Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] });
    // The node role no longer carries the EBS policy: pods cannot borrow it anyway.
    const nodePolicies = ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((p) => p.inputs["role"] === "cls-node-role").map((p) => p.inputs["policyArn"]);
    expect(nodePolicies.sort()).toEqual([...NODE_POLICIES].sort());
    expect(nodePolicies.some((p) => /EBSCSI/.test(p))).toBe(false);
  });

  it("keeps the API server on standard support and authenticates with access entries", () => {
    expect(one("aws:eks/cluster:Cluster", "cls-eks").inputs).toMatchObject({
      name: "cls",
      version: "1.33",
      upgradePolicy: { supportType: "STANDARD" },
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
    });
  });
});

describe("ClassCluster: ECR repositories for the lab images", () => {
  it("knows exactly the images of images/manifest.json", () => {
    expect([...LAB_IMAGES].sort()).toEqual(Object.keys(manifest.images).sort());
  });

  it("creates one scanned, force-deletable repository per image with a lifecycle policy", () => {
    const repos = ofType("aws:ecr/repository:Repository");
    expect(repos.map((r) => r.inputs["name"]).sort()).toEqual(LAB_IMAGES.map((i) => `cls/${i}`).sort());
    for (const r of repos) expect(r.inputs).toMatchObject({ imageScanningConfiguration: { scanOnPush: true }, forceDelete: true });
    const policies = ofType("aws:ecr/lifecyclePolicy:LifecyclePolicy");
    expect(policies.map((p) => p.inputs["repository"]).sort()).toEqual(LAB_IMAGES.map((i) => `cls/${i}`).sort());
    const rules = JSON.parse(policies[0]!.inputs["policy"]).rules;
    expect(rules).toEqual(LIFECYCLE_POLICY.rules);
    expect(rules.at(-1).selection).toMatchObject({ tagStatus: "any", countType: "imageCountMoreThan" });
  });

  it("outputs the repository URIs, the registry host and the image prefix for lab:images.registry", async () => {
    const host = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
    expect(await valueOf(cluster.repositoryUrls)).toEqual(Object.fromEntries(LAB_IMAGES.map((i) => [i, `${host}/cls/${i}`])));
    expect(await valueOf(cluster.registryHost)).toBe(host);
    expect(await valueOf(cluster.imageRegistry)).toBe(`${host}/cls`);
  });
});
