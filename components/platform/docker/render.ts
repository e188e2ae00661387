import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { launchCommand, ServiceSpec, WorkloadSpec } from "../../core/spec";
import { checkRenderable, LabScope, LabScopeArgs, LABEL, Platform, RenderOptions, RenderedService, SecretValues } from "../platform";
import { dockerHealth, goDuration } from "./health";
import { containerNames, MANAGED_BY, readyTimeoutSeconds } from "./naming";

/**
 * The local Docker renderer, on the Pulumi Docker provider (@pulumi/docker):
 * `docker.Network`, `docker.Volume`, `docker.RemoteImage` and
 * `docker.Container`, so `pulumi refresh` sees drift, settings Docker can
 * change in place (memory, CPU shares, restart policy) are updated in place,
 * and `pulumi import` works. The provider comes from the `docker:` config
 * (`docker:host`, `docker:context`, TLS and ssh settings) or DOCKER_HOST.
 */

/** Options of the local Docker platform. */
export interface DockerPlatformArgs {
  /**
   * Extra seconds `pulumi up` waits for a container beyond its probe budget
   * (slow laptops, first JVM start).
   * @default 60
   */
  readonly readySlackSeconds?: number;
}

/** Docker's HEALTHCHECK for a workload's readiness probe (see health.ts), as the provider takes it. */
export function dockerHealthCheck(w: WorkloadSpec): docker.types.input.ContainerHealthcheck {
  const h = dockerHealth(w);
  return {
    tests: h.test,
    interval: goDuration(h.intervalSeconds),
    timeout: goDuration(h.timeoutSeconds),
    retries: h.retries,
    startPeriod: goDuration(h.startPeriodSeconds),
  };
}

/**
 * A workload's seed files as container uploads: written into the container
 * (readable by every user) before it starts. Changed files replace the
 * container; its volumes, and the student's copies in them, stay.
 */
export function seedUploads(w: WorkloadSpec): docker.types.input.ContainerUpload[] {
  const seed = w.seedFiles;
  return seed ? seed.files.map((f) => ({ file: `${seed.mountPath}/${f.name}`, content: f.content })) : [];
}

/** Docker labels as the provider takes them. */
function labelList(labels: Record<string, string>): { label: string; value: string }[] {
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

/** A memory limit in the provider's unit (MiB), rounded up. */
export function memoryMiB(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}

/**
 * A CPU limit in millicores as Docker's `--cpus` value, written the way the
 * provider reads it back ("0.5", "1.0", "2.0"), so a refresh sees no change.
 */
export function cpusValue(millis: number): string {
  return millis % 1000 === 0 ? `${millis / 1000}.0` : String(millis / 1000);
}

/**
 * Env for Docker as `KEY=value` strings: literals as they are, secret
 * references resolved to their values. When any value is a secret the whole
 * list is one (Pulumi keeps it encrypted in state).
 */
function dockerEnv(spec: ServiceSpec, w: WorkloadSpec, secrets: SecretValues): pulumi.Input<string[]> {
  const entries: pulumi.Input<string>[] = [];
  let secret = false;
  for (const [k, v] of Object.entries(w.env)) {
    if (typeof v === "string") entries.push(`${k}=${v}`);
    else {
      const value = secrets[v.secret];
      if (value === undefined) throw new Error(`${spec.service}: workload ${w.name} refers to secret ${v.secret}, which the lab did not provide`);
      secret = true;
      entries.push(pulumi.interpolate`${k}=${value}`);
    }
  }
  return secret ? pulumi.secret(pulumi.all(entries)) : (entries as string[]);
}

class DockerLabScope implements LabScope {
  public readonly target = "docker" as const;
  public readonly lab: string;
  public readonly location: pulumi.Output<string>;
  private readonly network: docker.Network;
  private readonly labels: Record<string, string>;
  private readonly images = new Map<string, docker.RemoteImage>();

  constructor(args: LabScopeArgs, private readonly parent: pulumi.Resource, private readonly readySlackSeconds: number) {
    this.lab = args.lab;
    this.labels = { [LABEL.lab]: args.lab, [LABEL.module]: String(args.module), [LABEL.managedBy]: MANAGED_BY };
    // Docker refuses a second network of the same name, so two stacks cannot share (or delete) one lab's network.
    this.network = new docker.Network(`${args.lab}-network`, { name: args.lab, driver: "bridge", labels: labelList(this.labels) }, { parent });
    this.location = this.network.name;
  }

  /**
   * The lab's handle on a local image: used as it is when present (the lab
   * images are built locally and exist in no registry), pulled otherwise,
   * never removed by `destroy`.
   */
  private image(ref: string): docker.RemoteImage {
    let img = this.images.get(ref);
    if (!img) {
      img = new docker.RemoteImage(`${this.lab}-image-${ref.replace(/[^A-Za-z0-9._-]+/g, "-")}`, { name: ref, keepLocally: true }, { parent: this.parent });
      this.images.set(ref, img);
    }
    return img;
  }

  render(spec: ServiceSpec, secrets: SecretValues, opts: RenderOptions): RenderedService {
    checkRenderable(spec);
    const ready: docker.Container[] = [];
    for (const w of spec.workloads) {
      const labels = { ...this.labels, [LABEL.service]: spec.service, [LABEL.workload]: w.name };
      const env = dockerEnv(spec, w, secrets);
      const image = this.image(w.image);
      const memory = memoryMiB(w.resources.memoryLimitBytes);
      const containers = containerNames(this.lab, w).map((name, i) => {
        const hostname = w.replicas === 1 ? w.name : `${w.name}-${i}`;
        // Volume names get a random suffix (Pulumi auto-naming): a volume is never adopted by name
        // from another stack or an earlier lab; the labels still say whose it is.
        const volumes = w.volumes.map((v) => new docker.Volume(`${name}-${v.name}`, { labels: labelList(labels) }, { parent: opts.parent }));
        return new docker.Container(
          name,
          {
            name,
            image: image.imageId,
            command: launchCommand(w),
            envs: env,
            labels: labelList(labels),
            hostname,
            user: String(w.runAsUser),
            networksAdvanced: [{ name: this.network.name, aliases: w.replicas === 1 ? [w.name] : [w.name, hostname] }],
            ports: w.ports.filter((p) => p.hostPort !== undefined).map((p) => ({ internal: p.port, external: p.hostPort!, ip: "127.0.0.1", protocol: "tcp" })),
            mounts: w.volumes.map((v, j) => ({ type: "volume", source: volumes[j]!.name, target: v.mountPath })),
            ...(w.seedFiles ? { uploads: seedUploads(w) } : {}),
            healthcheck: dockerHealthCheck(w),
            wait: true,
            waitTimeout: readyTimeoutSeconds(w, this.readySlackSeconds),
            mustRun: true,
            memory,
            memorySwap: memory,
            cpus: cpusValue(w.resources.cpuLimitMillis),
            restart: "unless-stopped",
            stopTimeout: w.terminationGraceSeconds,
          },
          // Every container is created at once: one that needs another's port waits for it inside
          // (launchCommand), so no start waits for a health-check tick (opts.dependsOn is not
          // waited for here either).
          { parent: opts.parent },
        );
      });
      ready.push(...containers);
    }
    return { ready };
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
