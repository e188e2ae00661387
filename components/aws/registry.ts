import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ImageSet } from "../core/context";

/** The lab images, as images/manifest.json names them (a test keeps the two in step). */
export const LAB_IMAGES: readonly (keyof ImageSet)[] = ["spark", "kafka", "hadoop", "minio", "dask", "workspace"];

/** Tagged images each repository keeps; older ones expire. */
export const KEEP_TAGGED_IMAGES = 5;

/** ECR lifecycle policy: untagged images go after a day, and only the newest tagged ones stay. */
export const LIFECYCLE_POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: "untagged images (superseded pushes) after 1 day",
      selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
      action: { type: "expire" },
    },
    {
      rulePriority: 2,
      description: `keep the newest ${KEEP_TAGGED_IMAGES} images`,
      selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: KEEP_TAGGED_IMAGES },
      action: { type: "expire" },
    },
  ],
};

/** Arguments of {@link createLabRepositories}. */
export interface LabRepositoriesArgs {
  /** Repository names are `<prefix>/<image>`. */
  readonly prefix: string;
  readonly images: readonly string[];
  readonly tags: Record<string, string>;
}

/** The class's image registry. */
export interface LabRepositories {
  /** Repository URI per image (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<image>`). */
  readonly repositoryUrls: pulumi.Output<Record<string, string>>;
  /** `<account>.dkr.ecr.<region>.amazonaws.com`, for `docker login`. */
  readonly registryHost: pulumi.Output<string>;
  /** `<registry host>/<prefix>`: the value for `lab:images.registry`. */
  readonly imageRegistry: pulumi.Output<string>;
}

/**
 * One private ECR repository per lab image: scanned on push, encrypted
 * (AES-256), tags mutable so a rebuilt image can be pushed again, a lifecycle
 * policy ({@link LIFECYCLE_POLICY}) so storage stays small, and `forceDelete`
 * so `pulumi destroy` removes repositories that still hold images. The nodes
 * pull with their role's AmazonEC2ContainerRegistryReadOnly policy.
 */
export function createLabRepositories(name: string, args: LabRepositoriesArgs, opts: { parent: pulumi.Resource; provider: aws.Provider }): LabRepositories {
  const urls: Record<string, pulumi.Output<string>> = {};
  for (const image of args.images) {
    const repo = new aws.ecr.Repository(
      `${name}-${image}`,
      {
        name: `${args.prefix}/${image}`,
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: true,
        tags: args.tags,
      },
      { ...opts, deleteBeforeReplace: true }, // the name is fixed
    );
    new aws.ecr.LifecyclePolicy(`${name}-${image}`, { repository: repo.name, policy: JSON.stringify(LIFECYCLE_POLICY) }, opts);
    urls[image] = repo.repositoryUrl;
  }
  const repositoryUrls = pulumi.output(urls) as pulumi.Output<Record<string, string>>;
  const registryHost = repositoryUrls.apply((u) => {
    const first = Object.values(u)[0];
    if (!first) throw new Error("no lab image repositories");
    return first.split("/")[0]!;
  });
  return { repositoryUrls, registryHost, imageRegistry: pulumi.interpolate`${registryHost}/${args.prefix}` };
}
