import { LabConfigError } from "./errors";

const MIB = 1024 * 1024;

/** Multipliers for the memory suffixes a lab accepts. */
const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  Ki: 1024,
  Mi: MIB,
  Gi: 1024 * MIB,
  Ti: 1024 * 1024 * MIB,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  // JVM style (-Xmx512m): lower-case k/m/g are binary, as the JVM reads them.
  k: 1024,
  m: MIB,
  g: 1024 * MIB,
};

/**
 * Parses a memory size: Kubernetes quantities (`512Mi`, `1Gi`, `1G`), JVM
 * sizes (`384m`, `1g`, read as MiB/GiB like the JVM does) or a byte count.
 * Throws a one-line {@link LabConfigError} naming `field` otherwise.
 */
export function parseMemory(field: string, value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) {
    if (value > 0) return Math.round(value);
  } else if (typeof value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T|k|m|g)?\s*$/.exec(value);
    if (m) {
      const bytes = Math.round(Number(m[1]) * (MEMORY_UNITS[m[2] ?? ""] ?? 1));
      if (bytes > 0) return bytes;
      throw new LabConfigError(field, `memory must be more than 0 (got "${value}")`, 'Use a size such as "512Mi" or "1Gi"');
    }
  }
  throw new LabConfigError(
    field,
    `cannot read ${JSON.stringify(value)} as a memory size`,
    'Use a size such as "512Mi", "1Gi" or "768m"',
  );
}

/** Parses CPU as Kubernetes does (`500m`, `0.5`, `2`) into millicores. */
export function parseCpu(field: string, value: unknown): number {
  let millis = Number.NaN;
  if (typeof value === "number") millis = value * 1000;
  else if (typeof value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(value);
    if (m) millis = m[2] === "m" ? Number(m[1]) : Number(m[1]) * 1000;
  }
  if (Number.isFinite(millis) && millis >= 1) return Math.round(millis);
  throw new LabConfigError(field, `cannot read ${JSON.stringify(value)} as a CPU amount`, 'Use millicores such as "250m" or cores such as "1"');
}

/**
 * Suffixes of a Kubernetes quantity as the API server writes it
 * (resource.Quantity): decimal SI, binary, and the small ones a CPU or a
 * usage can carry. Unlike a lab setting, `m` is milli here, never MiB.
 */
const KUBE_SUFFIXES: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * A quantity the cluster reports (`"1900m"`, `"16Gi"`, `"24564816Ki"`,
 * `"1e3"`, `"10"`) in base units; NaN when it is not a quantity. Lab
 * settings are read by {@link parseMemory} and {@link parseCpu} instead.
 */
export function kubeQuantity(q: string): number {
  const m = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?\s*$/.exec(q);
  if (!m) return Number.NaN;
  return Number(`${m[1]}${m[2] ?? ""}`) * KUBE_SUFFIXES[m[3] ?? ""]!;
}

/** A CPU quantity the cluster reports, in whole millicores (`"2"` → 2000, `"1500m"` → 1500). */
export function kubeCpuMillis(q: string): number {
  return Math.round(kubeQuantity(q) * 1000);
}

/** A memory quantity the cluster reports, in whole bytes (`"1Gi"`, `"500M"`). */
export function kubeMemoryBytes(q: string): number {
  return Math.round(kubeQuantity(q));
}

/** Kubernetes quantity for a byte count, in whole MiB (`384Mi`). */
export function k8sMemory(bytes: number): string {
  return `${Math.ceil(bytes / MIB)}Mi`;
}

/** Kubernetes quantity for millicores (`250m`). */
export function k8sCpu(millis: number): string {
  return `${millis}m`;
}

/** JVM size for a byte count, in whole MiB (`-Xmx384m` takes `384m`). */
export function jvmSize(bytes: number): string {
  return `${Math.floor(bytes / MIB)}m`;
}

/** Bytes to whole MiB, rounded down. */
export function mebibytes(bytes: number): number {
  return Math.floor(bytes / MIB);
}

/** A byte count from MiB. */
export function fromMebibytes(mib: number): number {
  return mib * MIB;
}

/** A readable size: `3.7 GiB`, `640 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MIB) return `${(bytes / (1024 * MIB)).toFixed(1)} GiB`;
  return `${Math.round(bytes / MIB)} MiB`;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration such as `45m`, `4h`, `1h30m` or `90s` into seconds,
 * within `[minSeconds, maxSeconds]`. Throws a one-line
 * {@link LabConfigError} naming `field` otherwise.
 */
export function parseDuration(field: string, value: unknown, minSeconds = 60, maxSeconds = 30 * 86400): number {
  const text = typeof value === "string" ? value.trim() : "";
  const parts = /^(?:\d+[smhd])+$/.test(text) ? [...text.matchAll(/(\d+)([smhd])/g)] : [];
  const seconds = parts.reduce((sum, m) => sum + Number(m[1]) * DURATION_UNITS[m[2]!]!, 0);
  if (parts.length === 0) {
    throw new LabConfigError(field, `cannot read ${JSON.stringify(value)} as a duration`, 'Use a duration such as "45m", "4h" or "1h30m"');
  }
  if (seconds < minSeconds || seconds > maxSeconds) {
    throw new LabConfigError(field, `${text} is outside ${formatDuration(minSeconds)}-${formatDuration(maxSeconds)}`, `Use a duration from ${formatDuration(minSeconds)} to ${formatDuration(maxSeconds)}`);
  }
  return seconds;
}

/** A duration in seconds as `1h30m`, `45m`, `90s` or `2d`. */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.round(seconds));
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
