import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsSettings } from "../config/schema";
import { createClassNetwork } from "./network";
import { createLabRepositories, LAB_IMAGES } from "./registry";
import { KUBE_CLIENT_SETTINGS } from "../platform/kubernetes/client-settings";

/** Arguments of {@link ClassCluster}: the validated `lab:aws` settings and a few extras. */
export interface ClassClusterArgs extends AwsSettings {
  /** Tags on every AWS resource. @default { "bigdata-labs:cluster": name } */
  readonly tags?: Record<string, string>;
  /** ECR repositories are `<repositoryPrefix>/<image>`. @default the component's name */
  readonly repositoryPrefix?: string;
  /** Images that get a repository. @default LAB_IMAGES (the six of images/manifest.json) */
  readonly images?: readonly string[];
}

/** Managed policies of the node role: EKS worker, the VPC CNI (aws-node runs on the host network) and ECR pulls. */
export const NODE_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
];

/**
 * Instance metadata on the nodes: IMDSv2 only, and a hop limit of 1 so a
 * pod (one network hop further than the node) cannot get a token and with
 * it the node role's credentials. Add-ons that call AWS from a pod get their
 * own role through EKS Pod Identity instead.
 */
export const NODE_METADATA_OPTIONS = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" } as const;

/** VPC CNI configuration: the network-policy agent enforces the labs' NetworkPolicies. */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;

/** The EBS CSI controller's service account, which gets the EBS role through Pod Identity. */
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";

/** A role that `service` may assume (`sts:TagSession` too for Pod Identity). */
function serviceRole(name: string, service: string, tags: Record<string, string>, opts: pulumi.CustomResourceOptions): aws.iam.Role {
  const actions = service === "pods.eks.amazonaws.com" ? ["sts:AssumeRole", "sts:TagSession"] : "sts:AssumeRole";
  return new aws.iam.Role(
    name,
    { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }] }), tags },
    opts,
  );
}

/** Kubeconfig that gets a token with `aws eks get-token` in the cluster's region. */
function kubeconfigFor(clusterName: string, endpoint: string, ca: string, region: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": ca } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [
      {
        name: clusterName,
        user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region] } },
      },
    ],
  });
}

/**
 * The instructor's class cluster on AWS, in the region of `lab:aws.region`
 * (an explicit AWS provider is given to every AWS resource and lookup):
 *
 * - a VPC with private subnets for the nodes behind one NAT gateway
 *   (see {@link createClassNetwork});
 * - an EKS control plane whose public endpoint admits only
 *   `publicAccessCidrs`, with the private endpoint on for the nodes;
 * - a managed node group in the private subnets, launched from a template
 *   that restricts instance metadata ({@link NODE_METADATA_OPTIONS}) and
 *   encrypts the root volume;
 * - add-ons: the VPC CNI with its network-policy agent, EKS Pod Identity and
 *   the EBS CSI driver (its own role via Pod Identity), and a gp3 StorageClass;
 * - one ECR repository per lab image (see {@link createLabRepositories}).
 *
 * Labs are rendered into it with the Kubernetes platform through
 * {@link ClassCluster.provider}.
 */
export class ClassCluster extends pulumi.ComponentResource {
  /** Kubeconfig for the cluster (uses `aws eks get-token`), a secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Provider that deploys into the cluster. */
  public readonly provider: k8s.Provider;
  /** The AWS provider of the configured region, which every AWS child uses. */
  public readonly awsProvider: aws.Provider;
  /** StorageClass the labs' PVCs use. */
  public readonly storageClass: string;
  public readonly clusterName: pulumi.Output<string>;
  /** Repository URI per lab image. */
  public readonly repositoryUrls: pulumi.Output<Record<string, string>>;
  /** `<account>.dkr.ecr.<region>.amazonaws.com`. */
  public readonly registryHost: pulumi.Output<string>;
  /** `<registry host>/<repositoryPrefix>`: what `lab:images.registry` must be for the labs to pull from ECR. */
  public readonly imageRegistry: pulumi.Output<string>;

  constructor(name: string, args: ClassClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:aws:ClassCluster", name, {}, opts);
    const tags = { "bigdata-labs:cluster": name, ...(args.tags ?? {}) };
    this.awsProvider = new aws.Provider(`${name}-aws`, { region: args.region }, { parent: this });
    const res = { parent: this, provider: this.awsProvider };
    const clusterName = name;
    const network = createClassNetwork(name, { vpcCidr: args.vpcCidr, clusterName, tags }, res);

    const clusterRole = serviceRole(`${name}-cluster-role`, "eks.amazonaws.com", tags, res);
    const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster-policy`, { role: clusterRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" }, res);
    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        name: clusterName,
        roleArn: clusterRole.arn,
        version: args.kubernetesVersion,
        vpcConfig: {
          subnetIds: network.privateSubnetIds,
          endpointPrivateAccess: true,
          endpointPublicAccess: true,
          publicAccessCidrs: [...args.publicAccessCidrs],
        },
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        // Standard support only: a version past it is upgraded instead of billed at the extended-support rate.
        upgradePolicy: { supportType: "STANDARD" },
        tags,
      },
      // Its name is fixed (kubeconfig, subnet tags), so a replacement must delete the old cluster first.
      { ...res, dependsOn: [clusterPolicy], deleteBeforeReplace: true },
    );

    // The VPC CNI add-on before the nodes, so they start with the network-policy agent.
    const vpcCni = new aws.eks.Addon(
      `${name}-vpc-cni`,
      {
        clusterName: cluster.name,
        addonName: "vpc-cni",
        configurationValues: JSON.stringify(VPC_CNI_CONFIGURATION),
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        tags,
      },
      res,
    );
    const podIdentity = new aws.eks.Addon(`${name}-pod-identity`, { clusterName: cluster.name, addonName: "eks-pod-identity-agent", resolveConflictsOnCreate: "OVERWRITE", tags }, res);

    const nodeRole = serviceRole(`${name}-node-role`, "ec2.amazonaws.com", tags, res);
    const nodePolicies = NODE_POLICIES.map((arn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-policy-${i}`, { role: nodeRole.name, policyArn: arn }, res));
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        description: `Nodes of the class cluster ${name}: IMDSv2 only, hop limit 1, encrypted gp3 root volume`,
        metadataOptions: { ...NODE_METADATA_OPTIONS },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
        tagSpecifications: [
          { resourceType: "instance", tags: { ...tags, Name: `${name}-node` } },
          { resourceType: "volume", tags },
        ],
        tags,
      },
      res,
    );
    const nodes = new aws.eks.NodeGroup(
      `${name}-nodes`,
      {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: network.privateSubnetIds,
        amiType: "AL2023_x86_64_STANDARD",
        instanceTypes: [args.instanceType],
        launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
        scalingConfig: { desiredSize: args.nodeCount, minSize: args.nodeCount, maxSize: args.nodeCount },
        updateConfig: { maxUnavailable: 1 },
        tags,
      },
      { ...res, dependsOn: [...nodePolicies, vpcCni, ...network.egress] },
    );

    const ebsRole = serviceRole(`${name}-ebs-csi-role`, "pods.eks.amazonaws.com", tags, res);
    const ebsPolicy = new aws.iam.RolePolicyAttachment(`${name}-ebs-csi-policy`, { role: ebsRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" }, res);
    const ebs = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: cluster.name,
        addonName: "aws-ebs-csi-driver",
        podIdentityAssociations: [{ roleArn: ebsRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }],
        resolveConflictsOnCreate: "OVERWRITE",
        tags,
      },
      { ...res, dependsOn: [nodes, podIdentity, ebsPolicy] },
    );

    const registry = createLabRepositories(`${name}-ecr`, { prefix: args.repositoryPrefix ?? name, images: args.images ?? LAB_IMAGES, tags }, res);
    this.repositoryUrls = registry.repositoryUrls;
    this.registryHost = registry.registryHost;
    this.imageRegistry = registry.imageRegistry;

    this.clusterName = cluster.name;
    this.kubeconfig = pulumi.secret(
      pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority.data]).apply(([n, endpoint, ca]) => kubeconfigFor(n, endpoint, ca, args.region)),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true, kubeClientSettings: KUBE_CLIENT_SETTINGS }, { parent: this, dependsOn: [nodes, ebs] });
    this.storageClass = "labs-gp3";
    new k8s.storage.v1.StorageClass(
      `${name}-gp3`,
      {
        metadata: { name: this.storageClass },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true" },
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Delete",
        allowVolumeExpansion: true,
      },
      { parent: this, provider: this.provider },
    );
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      clusterName: this.clusterName,
      repositoryUrls: this.repositoryUrls,
      registryHost: this.registryHost,
      imageRegistry: this.imageRegistry,
    });
  }
}
