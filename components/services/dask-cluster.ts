import * as pulumi from "@pulumi/pulumi";
import { EnvValue } from "../core/spec";
import { LabService, LabServiceArgs } from "../core/lab-service";
import { DaskArgs, DaskSpec, resolveDaskSpec } from "./dask-spec";

/** Arguments of {@link DaskCluster}. */
export interface DaskClusterArgs extends DaskArgs, LabServiceArgs {
  /** Env for the workers (S3 credentials for s3fs). @default {} */
  readonly workerEnv?: Readonly<Record<string, EnvValue>>;
}

/** Dask: a scheduler with its dashboard and N single-process workers. */
export class DaskCluster extends LabService<DaskSpec> {
  constructor(name: string, args: DaskClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:dask:DaskCluster", name, resolveDaskSpec(args, args.context, args.workerEnv), args, opts);
  }
}
