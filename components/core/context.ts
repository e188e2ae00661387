import { LabConfigError } from "./errors";
import { WorkloadSpec } from "./spec";

/** Images of the lab, one reference per image name in images/manifest.json. */
export interface ImageSet {
  readonly spark: string;
  readonly kafka: string;
  readonly hadoop: string;
  readonly minio: string;
  readonly dask: string;
  readonly workspace: string;
}

/**
 * What every `resolve…Spec` function needs besides its own arguments. Pure
 * data: no Pulumi objects, so specs can be resolved and tested without an
 * engine.
 */
export interface SpecContext {
  /** Image references. */
  readonly images: ImageSet;
  /**
   * First host port of this lab; services add their fixed slot to it. Absent
   * when nothing is exposed on the student's machine.
   */
  readonly hostPortBase?: number;
  /** Prefix of field names in error messages, e.g. `lab:services`. */
  readonly fieldPrefix: string;
}

/**
 * Fixed offsets from the lab's host port base, so every lab's ports are
 * predictable (the kind config maps the same numbers). 50 slots per lab.
 */
export const HOST_PORT_SLOTS = {
  jupyter: 0,
  sparkMasterUi: 1,
  sparkMaster: 2,
  sparkAppUi: 3,
  kafkaExternal: 10, // + broker ordinal (up to 5 brokers)
  minioApi: 20,
  minioConsole: 21,
  hdfsNameNodeUi: 30,
  hdfsNameNodeRpc: 31,
  hdfsDataNodeHttp: 32, // + datanode ordinal (up to 5)
  hdfsHttpFs: 37,
  daskScheduler: 40,
  daskDashboard: 41,
} as const;

/** Host ports one lab may use, counted from its base. */
export const HOST_PORTS_PER_LAB = 50;

/** The host port for `slot`, or undefined when the lab exposes nothing. */
export function hostPort(ctx: SpecContext, slot: number): number | undefined {
  return ctx.hostPortBase === undefined ? undefined : ctx.hostPortBase + slot;
}

/** `127.0.0.1:<port>` for an exposed port, else undefined. */
export function hostAddress(port: number | undefined): string | undefined {
  return port === undefined ? undefined : `127.0.0.1:${port}`;
}

/** Reads an optional integer argument within bounds, naming the field on error. */
export function intArg(field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new LabConfigError(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`, `Set it within that range, or remove it to use the default (${fallback})`);
  }
  return v;
}

/** `http://127.0.0.1:<port>` for an exposed port. */
export function urlOf(port: number | undefined, path = ""): string | undefined {
  return port === undefined ? undefined : `http://127.0.0.1:${port}${path}`;
}

/** Names of the secrets the workloads' env refers to. */
export function secretNamesOf(workloads: readonly WorkloadSpec[]): string[] {
  const names = new Set<string>();
  for (const w of workloads) for (const v of Object.values(w.env)) if (typeof v !== "string") names.add(v.secret);
  return [...names].sort();
}
