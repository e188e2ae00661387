import * as pulumi from "@pulumi/pulumi";
import { LabService, LabServiceArgs } from "../core/lab-service";
import { HdfsArgs, HdfsSpec, resolveHdfsSpec } from "./hdfs-spec";

/** Arguments of {@link HdfsCluster}. */
export interface HdfsClusterArgs extends HdfsArgs, LabServiceArgs {}

/** HDFS: a NameNode formatted on first start only, and N DataNodes on volumes. */
export class HdfsCluster extends LabService<HdfsSpec> {
  constructor(name: string, args: HdfsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:hdfs:HdfsCluster", name, resolveHdfsSpec(args, args.context), args, opts);
  }
}
