/**
 * The benchmark's baseline: a Docker Compose file with the same containers
 * as a lab's Docker renderer makes from the same neutral specs — same images,
 * commands, environment, users, 127.0.0.1 ports, volumes, health checks,
 * memory and CPU limits, restart policy, network aliases and seed files,
 * every container started at once (one that needs another's port waits
 * for it inside, as in the lab) — so that `docker compose up --wait` and `labctl up`
 * start identical containers and only the tool differs.
 *
 * Secrets get fresh random values (never the lab's, never a shared default);
 * the file that holds them is written with mode 0600.
 */
import { randomBytes } from "crypto";
import { EnvValue, launchCommand, ServiceSpec, WorkloadSpec } from "../../components/core/spec";
import { LabPlan } from "../../components/lab/plan";
import { dockerHealth, goDuration } from "../../components/platform/docker/health";
import { cpusValue, memoryMiB, seedUploads } from "../../components/platform/docker/render";
import { containerNames } from "../../components/platform/docker/naming";
import { OBJECT_STORE_ACCESS_SECRET } from "../../components/services/object-store-spec";

/** A compose service, as much of the Compose Specification as the lab uses. */
export interface ComposeService {
  readonly image: string;
  readonly pull_policy: "missing";
  readonly container_name: string;
  readonly hostname: string;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly user: string;
  readonly ports: readonly string[];
  readonly volumes: readonly { type: "volume"; source: string; target: string }[];
  readonly configs?: readonly { source: string; target: string; mode: number }[];
  readonly healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  readonly networks: Readonly<Record<string, { aliases: string[] }>>;
  readonly mem_limit: string;
  readonly memswap_limit: string;
  readonly cpus: string;
  readonly restart: "unless-stopped";
  readonly stop_grace_period: string;
}

/** A whole compose document. */
export interface ComposeDocument {
  readonly name: string;
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly networks: Readonly<Record<string, { name: string; driver: "bridge" }>>;
  readonly volumes: Readonly<Record<string, Record<string, never>>>;
  readonly configs?: Readonly<Record<string, { content: string }>>;
}

/** The compose network key of the lab's one network. */
const NETWORK = "lab";

/**
 * Random values for every secret the specs refer to, shaped as the lab's
 * own generated ones (an S3 access key is `lab` and 17 letters or digits).
 */
export function randomSecrets(specs: readonly ServiceSpec[]): Record<string, string> {
  const out: Record<string, string> = {};
  const alnum = (n: number) => randomBytes(n * 2).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, n);
  for (const s of specs) {
    for (const name of s.secretNames) out[name] = name === OBJECT_STORE_ACCESS_SECRET ? `lab${alnum(17)}` : alnum(32);
  }
  return out;
}

function envOf(spec: ServiceSpec, w: WorkloadSpec, secrets: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(w.env) as [string, EnvValue][]) {
    if (typeof v === "string") env[k] = v;
    else {
      const value = secrets[v.secret];
      if (value === undefined) throw new Error(`${spec.service}: workload ${w.name} refers to secret ${v.secret}, which has no value`);
      env[k] = value;
    }
  }
  return env;
}

/** Compose's escaping of `$` (it would interpolate variables in commands and env). */
function noInterpolation<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/\$/g, "$$$$")) as T;
}

/**
 * The compose document for a lab: one compose service per container the
 * Docker renderer creates, named as it names them.
 */
export function composeDocument(plan: LabPlan, project: string, secrets: Readonly<Record<string, string>>): ComposeDocument {
  const services: Record<string, ComposeService> = {};
  const volumes: Record<string, Record<string, never>> = {};
  const configs: Record<string, { content: string }> = {};
  for (const spec of plan.specs) {
    for (const w of spec.workloads) {
      const env = envOf(spec, w, secrets);
      const h = dockerHealth(w);
      const memory = `${memoryMiB(w.resources.memoryLimitBytes)}m`;
      const containers = containerNames(plan.name, w);
      containers.forEach((name, i) => {
        const hostname = w.replicas === 1 ? w.name : `${w.name}-${i}`;
        for (const v of w.volumes) volumes[`${name}-${v.name}`] = {};
        const seeds = seedUploads(w).map((u, j) => {
          const key = `${name}-seed-${j}`;
          configs[key] = { content: String(u.content) };
          return { source: key, target: String(u.file), mode: 0o444 };
        });
        services[name] = {
          image: w.image,
          pull_policy: "missing",
          container_name: name,
          hostname,
          command: noInterpolation(launchCommand(w)),
          environment: noInterpolation(env),
          user: String(w.runAsUser),
          ports: w.ports.filter((p) => p.hostPort !== undefined).map((p) => `127.0.0.1:${p.hostPort}:${p.port}`),
          volumes: w.volumes.map((v) => ({ type: "volume" as const, source: `${name}-${v.name}`, target: v.mountPath })),
          ...(seeds.length > 0 ? { configs: seeds } : {}),
          healthcheck: { test: noInterpolation(h.test), interval: goDuration(h.intervalSeconds), timeout: goDuration(h.timeoutSeconds), retries: h.retries, start_period: goDuration(h.startPeriodSeconds) },
          networks: { [NETWORK]: { aliases: w.replicas === 1 ? [w.name] : [w.name, hostname] } },
          mem_limit: memory,
          memswap_limit: memory,
          cpus: cpusValue(w.resources.cpuLimitMillis),
          restart: "unless-stopped",
          stop_grace_period: `${w.terminationGraceSeconds}s`,
        };
      });
    }
  }
  return {
    name: project,
    services,
    networks: { [NETWORK]: { name: project, driver: "bridge" } },
    volumes,
    ...(Object.keys(configs).length > 0 ? { configs: noInterpolation(configs) } : {}),
  };
}
