import * as pulumi from "@pulumi/pulumi";

/** Untyped property bag the dynamic-provider protocol hands over. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;
import { containerLogTail, engineCall, engineRequest, ensureImage, waitHealthy } from "./engine";

/**
 * Docker networks, volumes and containers as Pulumi resources, implemented as
 * dynamic providers over the Docker Engine API (see engine.ts). Every object
 * carries the lab's labels, so teardown can be verified by label.
 */

/** Inputs of a {@link DockerNetwork}. */
export interface DockerNetworkArgs {
  /** Network name (the lab name). */
  readonly name: pulumi.Input<string>;
  /** Labels that identify the lab. */
  readonly labels: pulumi.Input<Record<string, string>>;
}

/** Inputs of a {@link DockerVolume}. */
export interface DockerVolumeArgs {
  readonly name: pulumi.Input<string>;
  readonly labels: pulumi.Input<Record<string, string>>;
}

/** A port published on the host's loopback address. */
export interface PublishedPort {
  readonly container: number;
  readonly host: number;
}

/** A named volume mounted at `target`. */
export interface VolumeMount {
  readonly volume: pulumi.Input<string>;
  readonly target: string;
}

/** Docker's HEALTHCHECK, in seconds. */
export interface HealthCheck {
  readonly test: string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

/** Inputs of a {@link DockerContainer}. */
export interface DockerContainerArgs {
  readonly name: pulumi.Input<string>;
  readonly image: pulumi.Input<string>;
  readonly cmd: pulumi.Input<pulumi.Input<string>[]>;
  /** Environment; values may be secrets (the whole map is then kept secret). */
  readonly env: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly labels: pulumi.Input<Record<string, string>>;
  readonly network: pulumi.Input<string>;
  /** Names this container answers to on the network. */
  readonly aliases: pulumi.Input<string[]>;
  readonly hostname: pulumi.Input<string>;
  /** `uid` or `uid:gid`. */
  readonly user: pulumi.Input<string>;
  readonly ports: pulumi.Input<PublishedPort[]>;
  readonly mounts: pulumi.Input<pulumi.Input<VolumeMount>[]>;
  readonly healthcheck: pulumi.Input<HealthCheck>;
  readonly memoryBytes: pulumi.Input<number>;
  readonly nanoCpus: pulumi.Input<number>;
  /** Docker restart policy name. @default "unless-stopped" */
  readonly restart: pulumi.Input<string>;
  readonly stopTimeoutSeconds: pulumi.Input<number>;
  /** How long `create` waits for the container to become healthy. */
  readonly readyTimeoutSeconds: pulumi.Input<number>;
}

/** The lab label every object carries; used to adopt leftovers of an interrupted run. */
const LAB_LABEL = "io.bigdata-labs.lab";

/** Replace on any change of the listed inputs; Docker objects are immutable here. */
function replaceOnChange(keys: readonly string[]) {
  return async (_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> => {
    const replaces = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
  };
}

const networkProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Props) {
    const found = await engineRequest("GET", `/networks/${encodeURIComponent(inputs["name"])}`);
    if (found.status === 200) {
      const net = JSON.parse(found.body) as { Id: string; Labels?: Record<string, string> };
      if (net.Labels?.[LAB_LABEL] !== inputs["labels"][LAB_LABEL]) {
        throw new Error(`a Docker network named ${inputs["name"]} exists and belongs to no lab of this stack; remove it (docker network rm ${inputs["name"]}) or set another lab:name`);
      }
      return { id: net.Id, outs: inputs };
    }
    const created = (await engineCall("POST", "/networks/create", {
      Name: inputs["name"],
      Driver: "bridge",
      CheckDuplicate: true,
      Labels: inputs["labels"],
    })) as { Id: string };
    return { id: created.Id, outs: inputs };
  },
  diff: replaceOnChange(["name", "labels"]),
  async delete(id: string) {
    await engineCall("DELETE", `/networks/${id}`, undefined, [200, 204, 404]);
  },
};

const volumeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Props) {
    await engineCall("POST", "/volumes/create", { Name: inputs["name"], Labels: inputs["labels"] });
    return { id: inputs["name"] as string, outs: inputs };
  },
  diff: replaceOnChange(["name", "labels"]),
  async delete(id: string) {
    for (let attempt = 0; ; attempt++) {
      const reply = await engineRequest("DELETE", `/volumes/${encodeURIComponent(id)}`);
      if ([200, 204, 404].includes(reply.status)) return;
      if (reply.status !== 409 || attempt >= 20) throw new Error(`Docker could not remove volume ${id} (${reply.status}): ${reply.body.trim()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  },
};

/** Engine API body for creating a container from the resource inputs. */
export function containerCreateBody(inputs: Props): Record<string, unknown> {
  const ports = inputs["ports"] as PublishedPort[];
  const hc = inputs["healthcheck"] as HealthCheck;
  const seconds = (s: number) => s * 1_000_000_000;
  return {
    Image: inputs["image"],
    Cmd: inputs["cmd"],
    Env: Object.entries(inputs["env"] as Record<string, string>).map(([k, v]) => `${k}=${v}`),
    Labels: inputs["labels"],
    Hostname: inputs["hostname"],
    User: inputs["user"],
    StopTimeout: inputs["stopTimeoutSeconds"],
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.container}/tcp`, {}])),
    Healthcheck: {
      Test: hc.test,
      Interval: seconds(hc.intervalSeconds),
      Timeout: seconds(hc.timeoutSeconds),
      Retries: hc.retries,
      StartPeriod: seconds(hc.startPeriodSeconds),
    },
    HostConfig: {
      NetworkMode: inputs["network"],
      Mounts: (inputs["mounts"] as VolumeMount[]).map((m) => ({ Type: "volume", Source: m.volume, Target: m.target })),
      PortBindings: Object.fromEntries(ports.map((p) => [`${p.container}/tcp`, [{ HostIp: "127.0.0.1", HostPort: String(p.host) }]])),
      RestartPolicy: { Name: inputs["restart"] },
      Memory: inputs["memoryBytes"],
      MemorySwap: inputs["memoryBytes"],
      NanoCpus: inputs["nanoCpus"],
      Init: false,
    },
    NetworkingConfig: { EndpointsConfig: { [inputs["network"] as string]: { Aliases: inputs["aliases"] } } },
  };
}

const containerProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Props) {
    const name = inputs["name"] as string;
    await ensureImage(inputs["image"] as string);
    const existing = await engineRequest("GET", `/containers/${encodeURIComponent(name)}/json`);
    if (existing.status === 200) {
      const c = JSON.parse(existing.body) as { Id: string; Config: { Labels?: Record<string, string> } };
      if (c.Config.Labels?.[LAB_LABEL] !== inputs["labels"][LAB_LABEL]) {
        throw new Error(`a Docker container named ${name} exists and belongs to no lab of this stack; remove it (docker rm -f ${name}) or set another lab:name`);
      }
      // Left behind by an interrupted run of this lab: replace it.
      await engineCall("DELETE", `/containers/${c.Id}?force=true`, undefined, [204, 404]);
    }
    const created = (await engineCall("POST", `/containers/create?name=${encodeURIComponent(name)}`, containerCreateBody(inputs))) as { Id: string };
    const start = await engineRequest("POST", `/containers/${created.Id}/start`);
    if (start.status !== 204 && start.status !== 304) {
      const reason = start.body.includes("port is already allocated") || start.body.includes("address already in use")
        ? `a host port it publishes (${(inputs["ports"] as PublishedPort[]).map((p) => p.host).join(", ")}) is in use; free it or set lab:hostPortBase to another range`
        : start.body.trim();
      await engineRequest("DELETE", `/containers/${created.Id}?force=true`);
      throw new Error(`container ${name} could not start: ${reason}`);
    }
    await waitHealthy(created.Id, name, inputs["readyTimeoutSeconds"] as number);
    return { id: created.Id, outs: { ...inputs, containerId: created.Id } };
  },
  diff: async (id, olds, news) => {
    const keys = Object.keys(news).filter((k) => k !== "readyTimeoutSeconds");
    return replaceOnChange(keys)(id, olds, news);
  },
  async read(id: string, props?: Props) {
    const found = await engineRequest("GET", `/containers/${id}/json`);
    if (found.status === 404) return { id: "", props: {} };
    return { id, props: props ?? {} };
  },
  async delete(id: string) {
    await engineCall("DELETE", `/containers/${id}?force=true`, undefined, [204, 404]);
  },
};

/** A Docker bridge network for one lab. */
export class DockerNetwork extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;

  constructor(name: string, args: DockerNetworkArgs, opts?: pulumi.CustomResourceOptions) {
    super(networkProvider, name, { ...args }, opts, "docker", "Network");
  }
}

/** A named Docker volume. */
export class DockerVolume extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;

  constructor(name: string, args: DockerVolumeArgs, opts?: pulumi.CustomResourceOptions) {
    super(volumeProvider, name, { ...args }, opts, "docker", "Volume");
  }
}

/** A container that `pulumi up` waits on until its health check passes. */
export class DockerContainer extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly containerId: pulumi.Output<string>;

  constructor(name: string, args: DockerContainerArgs, opts?: pulumi.CustomResourceOptions) {
    super(containerProvider, name, { ...args, containerId: undefined }, { ...opts, additionalSecretOutputs: ["env"] }, "docker", "Container");
  }
}

export { containerLogTail };
