import * as pulumi from "@pulumi/pulumi";
import { EnvValue } from "../core/spec";
import { LabService, LabServiceArgs } from "../core/lab-service";
import { resolveWorkspaceSpec, WorkspaceArgs, WorkspaceSpec } from "./workspace-spec";

/** Arguments of {@link Workspace}. */
export interface WorkspaceComponentArgs extends WorkspaceArgs, LabServiceArgs {
  /** Endpoints and credentials of the lab's services, as env. @default {} */
  readonly labEnv?: Readonly<Record<string, EnvValue>>;
  /** Spark client settings when the lab has Spark. @default none */
  readonly sparkConf?: Readonly<Record<string, string>>;
}

/** JupyterLab with the module's libraries, a generated token, wired to the lab by env. */
export class Workspace extends LabService<WorkspaceSpec> {
  constructor(name: string, args: WorkspaceComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:workspace:Workspace", name, resolveWorkspaceSpec(args, args.context, args.labEnv ?? {}, args.sparkConf), args, opts);
  }
}
