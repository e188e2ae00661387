import * as pulumi from "@pulumi/pulumi";
import { LabScope, SecretValues } from "../platform/platform";
import { SpecContext } from "./context";
import { EndpointSpec, ServiceSpec } from "./spec";

/** Arguments every service component takes besides its own. */
export interface LabServiceArgs {
  /** The opened lab (Docker network or Kubernetes namespace) to render into. */
  readonly scope: LabScope;
  /** Images, host port base and field prefix for messages. */
  readonly context: SpecContext;
  /** Values of the secrets the service's env refers to. @default {} */
  readonly secrets?: SecretValues;
  /** Other services that must be ready first. @default [] */
  readonly dependsOn?: pulumi.Resource[];
}

/**
 * Shared shape of the six service components: resolve the neutral spec
 * (pure, validated), hand it to the lab's platform, expose the endpoints.
 */
export abstract class LabService<S extends ServiceSpec> extends pulumi.ComponentResource {
  /** The resolved, platform-neutral description. */
  public readonly spec: S;
  /** Resources that are ready when the service is. */
  public readonly ready: pulumi.Resource[];
  /** Endpoints by name (`master`, `ui`, ...). */
  public readonly endpoints: Readonly<Record<string, EndpointSpec>>;

  protected constructor(type: string, name: string, spec: S, args: LabServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.spec = spec;
    this.endpoints = Object.fromEntries(spec.endpoints.map((e) => [e.name, e]));
    const rendered = args.scope.render(spec, args.secrets ?? {}, { parent: this, dependsOn: args.dependsOn ?? [] });
    this.ready = rendered.ready;
    this.registerOutputs({ endpoints: spec.endpoints });
  }
}
