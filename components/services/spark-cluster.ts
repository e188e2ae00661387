import * as pulumi from "@pulumi/pulumi";
import { LabService, LabServiceArgs } from "../core/lab-service";
import { resolveSparkSpec, S3Access, SparkArgs, SparkSpec } from "./spark-spec";

/** Arguments of {@link SparkCluster}. */
export interface SparkClusterArgs extends SparkArgs, LabServiceArgs {
  /** The lab's object store, for S3A settings and the history server. @default none */
  readonly s3?: S3Access;
}

/** Spark standalone: a master, N workers with explicit memory and cores, optional history server. */
export class SparkCluster extends LabService<SparkSpec> {
  constructor(name: string, args: SparkClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:spark:SparkCluster", name, resolveSparkSpec(args, args.context, args.s3), args, opts);
  }
}
