import * as pulumi from "@pulumi/pulumi";
import { LabService, LabServiceArgs } from "../core/lab-service";
import { ObjectStoreArgs, ObjectStoreSpec, resolveObjectStoreSpec } from "./object-store-spec";

/** Arguments of {@link ObjectStore}. */
export interface ObjectStoreComponentArgs extends ObjectStoreArgs, LabServiceArgs {
  /** Buckets used when `buckets` is not set (the module's). @default ["datasets"] */
  readonly moduleBuckets?: readonly string[];
}

/** MinIO with the module's buckets; its secret key comes from the lab's generated secrets. */
export class ObjectStore extends LabService<ObjectStoreSpec> {
  constructor(name: string, args: ObjectStoreComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:storage:ObjectStore", name, resolveObjectStoreSpec(args, args.context, args.moduleBuckets ?? ["datasets"]), args, opts);
  }
}
