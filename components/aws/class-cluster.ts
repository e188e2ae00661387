import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsSettings } from "../config/schema";

/** Arguments of {@link ClassCluster}. */
export interface ClassClusterArgs extends AwsSettings {
  /** Tags on every AWS resource. @default { "bigdata-labs:cluster": name } */
  readonly tags?: Record<string, string>;
}

/** IAM policies the node role needs: EKS worker, CNI, ECR pulls, EBS volumes for PVCs. */
const NODE_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
];

/** A role that `service` may assume. */
function serviceRole(name: string, service: string, tags: Record<string, string>, parent: pulumi.Resource): aws.iam.Role {
  return new aws.iam.Role(
    name,
    {
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] }),
      tags,
    },
    { parent },
  );
}

/**
 * The instructor's class cluster on AWS: a VPC with two public subnets, an
 * EKS control plane, a managed node group sized from config, the EBS CSI
 * driver and a gp3 StorageClass for lab PVCs. Labs are then rendered into it
 * with the Kubernetes platform through {@link ClassCluster.provider}.
 */
export class ClassCluster extends pulumi.ComponentResource {
  /** Kubeconfig for the cluster (uses `aws eks get-token`), a secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Provider that deploys into the cluster. */
  public readonly provider: k8s.Provider;
  /** StorageClass the labs' PVCs use. */
  public readonly storageClass: string;
  public readonly clusterName: pulumi.Output<string>;

  constructor(name: string, args: ClassClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:aws:ClassCluster", name, {}, opts);
    const tags = { "bigdata-labs:cluster": name, ...(args.tags ?? {}) };
    const parent = this;
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags }, { parent });
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, { parent });
    const routes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags }, { parent });
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent });
    const [a, b] = args.vpcCidr.split(".");
    const subnets = [0, 1].map((i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: `${a}.${b}.${i * 64}.0/18`,
          availabilityZone: zones.names.apply((n) => n[i]!),
          mapPublicIpOnLaunch: true,
          tags: { ...tags, "kubernetes.io/role/elb": "1" },
        },
        { parent },
      );
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, { parent });
      return subnet;
    });
    const clusterRole = serviceRole(`${name}-cluster-role`, "eks.amazonaws.com", tags, parent);
    const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster-policy`, { role: clusterRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" }, { parent });
    const nodeRole = serviceRole(`${name}-node-role`, "ec2.amazonaws.com", tags, parent);
    const nodePolicies = NODE_POLICIES.map((arn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-policy-${i}`, { role: nodeRole.name, policyArn: arn }, { parent }));
    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        roleArn: clusterRole.arn,
        version: args.kubernetesVersion,
        vpcConfig: { subnetIds: subnets.map((s) => s.id), endpointPublicAccess: true },
        accessConfig: { authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: true },
        tags,
      },
      { parent, dependsOn: [clusterPolicy] },
    );
    const nodes = new aws.eks.NodeGroup(
      `${name}-nodes`,
      {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: subnets.map((s) => s.id),
        instanceTypes: [args.instanceType],
        scalingConfig: { desiredSize: args.nodeCount, minSize: args.nodeCount, maxSize: args.nodeCount },
        diskSize: 50,
        tags,
      },
      { parent, dependsOn: nodePolicies },
    );
    const ebs = new aws.eks.Addon(`${name}-ebs-csi`, { clusterName: cluster.name, addonName: "aws-ebs-csi-driver", tags }, { parent, dependsOn: [nodes] });
    this.clusterName = cluster.name;
    this.kubeconfig = pulumi.secret(
      pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority.data]).apply(([clusterName, endpoint, ca]) =>
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": ca } }],
          contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
          "current-context": clusterName,
          users: [
            {
              name: clusterName,
              user: {
                exec: {
                  apiVersion: "client.authentication.k8s.io/v1beta1",
                  command: "aws",
                  args: ["eks", "get-token", "--cluster-name", clusterName, "--region", args.region],
                },
              },
            },
          ],
        }),
      ),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent, dependsOn: [nodes, ebs] });
    this.storageClass = "labs-gp3";
    new k8s.storage.v1.StorageClass(
      `${name}-gp3`,
      {
        metadata: { name: this.storageClass },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3" },
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Delete",
        allowVolumeExpansion: true,
      },
      { parent, provider: this.provider },
    );
    this.registerOutputs({ kubeconfig: this.kubeconfig, clusterName: this.clusterName });
  }
}
