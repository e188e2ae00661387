/**
 * Host ports a Docker lab is about to publish that something else holds:
 * another lab (every module's lab uses the same range unless
 * `lab:hostPortBase` moves it), any other container, or another program on
 * this machine. `labctl up` asks before the update starts, so that a taken
 * port is one line naming the holder and what to do, with nothing created,
 * instead of a container that cannot start while its neighbours wait out
 * their health checks.
 */
import { execFile } from "child_process";
import * as net from "net";
import { promisify } from "util";
import { LabConfig, labInstances } from "../components/config/schema";
import type { LabPlan } from "../components/lab/plan";
import { planOfLab } from "../lab-workloads/access/stack-lab";
import { containerNames } from "../components/platform/docker/naming";
import { LABEL } from "../components/platform/platform";

const run = promisify(execFile);

/** A host port the lab publishes on 127.0.0.1, and which container publishes it. */
export interface PlannedPort {
  readonly port: number;
  /** The lab's container that publishes it (`bigdata-m3-workspace`). */
  readonly container: string;
  /** The port's name in its workload (`jupyter`). */
  readonly name: string;
}

/** Every host port a lab's plan publishes. */
export function plannedHostPorts(plan: LabPlan): PlannedPort[] {
  const out: PlannedPort[] = [];
  for (const spec of plan.specs) {
    for (const w of spec.workloads) {
      for (const p of w.ports) if (p.hostPort !== undefined) out.push({ port: p.hostPort, container: containerNames(plan.name, w)[0]!, name: p.name });
    }
  }
  return out;
}

/** A running container that publishes host ports. */
export interface PortHolder {
  readonly container: string;
  /** Its lab, when a lab's renderer made it (the lab label). */
  readonly lab?: string;
  /** That lab's module (the module label). */
  readonly module?: string;
}

/** Addresses a port published on would collide with the lab's 127.0.0.1 ports. */
const CLASHING_ADDRESSES = new Set(["127.0.0.1", "0.0.0.0", "::", "[::]", ""]);

/**
 * The TCP host ports in a `docker ps` Ports column (`127.0.0.1:30000->8888/tcp,
 * :::30010-30011->9092-9093/tcp`) published on an address that collides
 * with 127.0.0.1; ranges are expanded, exposed-only ports (`8888/tcp`) and
 * UDP ports skipped.
 */
export function publishedHostPorts(column: string): number[] {
  const ports: number[] = [];
  for (const entry of column.split(",")) {
    // The lab publishes TCP ports only: a UDP port of the same number does not collide.
    const m = /^\s*(.*):(\d+)(?:-(\d+))?->\d+(?:-\d+)?\/tcp\s*$/.exec(entry);
    if (!m || !CLASHING_ADDRESSES.has(m[1]!)) continue;
    const first = Number(m[2]);
    const last = m[3] === undefined ? first : Number(m[3]);
    for (let p = first; p <= last; p++) ports.push(p);
  }
  return ports;
}

/** Which running container publishes each host port (`docker ps`). */
export async function dockerPortHolders(): Promise<Map<number, PortHolder>> {
  const format = `{{.Names}}\t{{.Label "${LABEL.lab}"}}\t{{.Label "${LABEL.module}"}}\t{{.Ports}}`;
  const { stdout } = await run("docker", ["ps", "--format", format], { timeout: 20_000 });
  const holders = new Map<number, PortHolder>();
  for (const line of stdout.split("\n")) {
    const [container, lab, module, ports] = line.split("\t");
    if (!container || ports === undefined) continue;
    const holder: PortHolder = { container, ...(lab ? { lab } : {}), ...(module ? { module } : {}) };
    for (const p of publishedHostPorts(ports)) holders.set(p, holder);
  }
  return holders;
}

/** Whether this machine lets a listener bind 127.0.0.1:`port` now (it is closed again at once). */
export function portBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Whether Docker publishes ports on this machine (no DOCKER_HOST, or a local socket; no other context). */
export function dockerIsLocal(env: NodeJS.ProcessEnv = process.env): boolean {
  const host = env["DOCKER_HOST"];
  const context = env["DOCKER_CONTEXT"];
  return (host === undefined || host === "" || host.startsWith("unix://")) && (context === undefined || context === "" || context === "default");
}

/** How to talk about a holder in the one line. */
function holderText(h: PortHolder): string {
  return h.lab ? `container ${h.container} of lab ${h.lab}` : `container ${h.container}`;
}

/** What to do about a holder, in the one line. */
function holderFix(h: PortHolder): string {
  // labctl names a module's lab bigdata-m<N> (the default name).
  if (h.lab && h.module && h.lab === `bigdata-m${h.module}`) return `run labctl down ${h.module} first (every module's lab uses the same ports)`;
  if (h.lab) return `take that lab down first (pulumi destroy on its stack), or set lab:hostPortBase to another range`;
  return `stop it (docker stop ${h.container}) or set lab:hostPortBase to another range`;
}

/**
 * The one line for the first host port of `plan` that is taken, or
 * undefined when all are free. Ports the lab's own containers hold (a
 * second `up`) are its own. `holders` and `bindable` are Docker's listing
 * and the bind test (parameters for tests); the bind test only runs when
 * Docker is local, since a remote engine publishes on its own host. Without
 * Docker's listing (undefined: it failed) nothing is checked: the lab's own
 * ports could not be told from another program's.
 */
export async function hostPortClash(
  plan: LabPlan,
  holders: Promise<Map<number, PortHolder> | undefined> = dockerPortHolders(),
  bindable: (port: number) => Promise<boolean> = portBindable,
  local = dockerIsLocal(),
): Promise<string | undefined> {
  const planned = plannedHostPorts(plan);
  const held = await holders;
  if (!held) return undefined;
  const foreign = planned.map((p) => ({ p, h: held.get(p.port) })).filter(({ h }) => h === undefined || h.lab !== plan.name);
  const taken = foreign.find(({ h }) => h !== undefined);
  if (taken) {
    const { p, h } = taken;
    return `port 127.0.0.1:${p.port} (${p.container}, ${p.name}) is taken by ${holderText(h!)}: ${holderFix(h!)}`;
  }
  if (!local) return undefined;
  const free = await Promise.all(foreign.map(({ p }) => bindable(p.port)));
  const busy = foreign.findIndex((_, i) => !free[i]);
  if (busy < 0) return undefined;
  const p = foreign[busy]!.p;
  return `port 127.0.0.1:${p.port} (${p.container}, ${p.name}) is in use by another program on this machine: stop it, or set lab:hostPortBase to another range`;
}

/** The one line for the first taken host port of any lab a stack's settings plan, or undefined (see {@link hostPortClash}). */
export async function stackPortClash(cfg: LabConfig, holders: Promise<Map<number, PortHolder> | undefined>): Promise<string | undefined> {
  for (const l of labInstances(cfg)) {
    const line = await hostPortClash(planOfLab(cfg, l.name), holders);
    if (line) return line;
  }
  return undefined;
}
