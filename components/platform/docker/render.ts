import * as pulumi from "@pulumi/pulumi";
import { ProbeSpec, ServiceSpec, WorkloadSpec } from "../../core/spec";
import { checkRenderable, LabScope, LabScopeArgs, LABEL, orderedWorkloads, Platform, RenderOptions, RenderedService, SecretValues } from "../platform";
import { DockerContainer, DockerNetwork, DockerVolume, HealthCheck } from "./resources";

/** Options of the local Docker platform. */
export interface DockerPlatformArgs {
  /**
   * Extra seconds `pulumi up` waits for a container beyond its probe budget
   * (slow laptops, first JVM start).
   * @default 60
   */
  readonly readySlackSeconds?: number;
}

/** The health-check command Docker runs for a neutral probe. */
export function dockerHealthTest(probe: ProbeSpec): string[] {
  switch (probe.kind) {
    case "http":
      return ["CMD", "curl", "-fsS", "-o", "/dev/null", "--max-time", "3", `http://127.0.0.1:${probe.port}${probe.path}`];
    case "tcp":
      return ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${probe.port}`];
    case "exec":
      return ["CMD", ...probe.command];
  }
}

/** Docker's HEALTHCHECK for a workload's readiness probe. */
export function dockerHealthCheck(w: WorkloadSpec): HealthCheck {
  return {
    test: dockerHealthTest(w.readiness),
    intervalSeconds: w.probeTiming.periodSeconds,
    timeoutSeconds: w.probeTiming.timeoutSeconds,
    retries: w.probeTiming.failureThreshold,
    startPeriodSeconds: w.probeTiming.initialDelaySeconds,
  };
}

/** Container names of a workload: `<lab>-<workload>`, or `-<i>` per replica. */
export function containerNames(lab: string, w: WorkloadSpec): string[] {
  if (w.replicas === 1) return [`${lab}-${w.name}`];
  return Array.from({ length: w.replicas }, (_, i) => `${lab}-${w.name}-${i}`);
}

/** Env for Docker: literals as they are, secret references resolved to their (secret) values. */
function dockerEnv(spec: ServiceSpec, w: WorkloadSpec, secrets: SecretValues): Record<string, pulumi.Input<string>> {
  const env: Record<string, pulumi.Input<string>> = {};
  for (const [k, v] of Object.entries(w.env)) {
    if (typeof v === "string") env[k] = v;
    else {
      const value = secrets[v.secret];
      if (value === undefined) throw new Error(`${spec.service}: workload ${w.name} refers to secret ${v.secret}, which the lab did not provide`);
      env[k] = pulumi.secret(value);
    }
  }
  return env;
}

class DockerLabScope implements LabScope {
  public readonly target = "docker" as const;
  public readonly lab: string;
  public readonly location: pulumi.Output<string>;
  private readonly network: DockerNetwork;
  private readonly labels: Record<string, string>;

  constructor(args: LabScopeArgs, parent: pulumi.Resource, private readonly readySlackSeconds: number) {
    this.lab = args.lab;
    this.labels = { [LABEL.lab]: args.lab, [LABEL.module]: String(args.module), [LABEL.managedBy]: "pulumi" };
    this.network = new DockerNetwork(`${args.lab}-network`, { name: args.lab, labels: this.labels }, { parent });
    this.location = this.network.name;
  }

  render(spec: ServiceSpec, secrets: SecretValues, opts: RenderOptions): RenderedService {
    checkRenderable(spec);
    const byWorkload = new Map<string, DockerContainer[]>();
    for (const w of orderedWorkloads(spec)) {
      const labels = { ...this.labels, [LABEL.service]: spec.service, [LABEL.workload]: w.name };
      const env = dockerEnv(spec, w, secrets);
      const waitFor = w.after.flatMap((a) => byWorkload.get(a) ?? []);
      const containers = containerNames(this.lab, w).map((name, i) => {
        const hostname = w.replicas === 1 ? w.name : `${w.name}-${i}`;
        const volumes = w.volumes.map(
          (v) => new DockerVolume(`${name}-${v.name}`, { name: `${name}-${v.name}`, labels }, { parent: opts.parent }),
        );
        const timing = w.probeTiming;
        return new DockerContainer(
          name,
          {
            name,
            image: w.image,
            cmd: [...w.command],
            env,
            labels,
            network: this.network.name,
            aliases: w.replicas === 1 ? [w.name] : [w.name, hostname],
            hostname,
            user: String(w.runAsUser),
            ports: w.ports.filter((p) => p.hostPort !== undefined).map((p) => ({ container: p.port, host: p.hostPort as number })),
            mounts: w.volumes.map((v, j) => ({ volume: volumes[j]!.name, target: v.mountPath })),
            healthcheck: dockerHealthCheck(w),
            memoryBytes: w.resources.memoryLimitBytes,
            nanoCpus: w.resources.cpuLimitMillis * 1_000_000,
            restart: "unless-stopped",
            stopTimeoutSeconds: w.terminationGraceSeconds,
            readyTimeoutSeconds: timing.initialDelaySeconds + timing.periodSeconds * timing.failureThreshold + this.readySlackSeconds,
          },
          { parent: opts.parent, dependsOn: [...(opts.dependsOn ?? []), ...volumes, ...waitFor] },
        );
      });
      byWorkload.set(w.name, containers);
    }
    return { ready: [...byWorkload.values()].flat() };
  }
}

/**
 * Local Docker: one bridge network per lab, named volumes, containers with
 * health checks and restart policies, ports published on 127.0.0.1 only, and
 * labels naming lab, module, service and workload on every object.
 */
export class DockerPlatform implements Platform {
  public readonly target = "docker" as const;
  private readonly readySlackSeconds: number;

  constructor(args: DockerPlatformArgs = {}) {
    this.readySlackSeconds = args.readySlackSeconds ?? 60;
  }

  openLab(args: LabScopeArgs, parent: pulumi.Resource): LabScope {
    return new DockerLabScope(args, parent, this.readySlackSeconds);
  }
}
