import { ProbeSpec, WorkloadSpec } from "../../core/spec";

/*
 * Docker health checks from neutral probes, free of the Pulumi SDKs (the
 * renderer and the bench's compose file take the same values).
 *
 * Docker runs a container's first check one interval after its start, then
 * one interval after each check ends, and only engines from 25.0 on know a
 * shorter interval while a container starts. A service ready just after a
 * tick was seen healthy a whole interval late: a Spark worker that started
 * beside its master was ready 6-7 s after its start and seen at 10 s. So the
 * check polls while the container starts: its first run tries the probe every
 * 250 ms until it passes or the probe's start budget is spent, and leaves a
 * marker in the container's /tmp; every later run is one try, as before.
 * Nothing runs more often once the container is up.
 */

/** Where a container's check notes that its start window is over. */
export const HEALTH_MARKER = "/tmp/.labs-health-started";

/**
 * The check's shell program: `$1` marker, `$2` start window in seconds, `$3`
 * seconds per try, then the probe's command. One try when the marker exists;
 * otherwise tries every 250 ms within the window, then writes the marker.
 */
export const HEALTH_SCRIPT = [
  'm=$1 w=$2 t=$3; shift 3',
  '[ -e "$m" ] && exec timeout "$t" "$@"',
  "end=$((SECONDS + w))",
  'until timeout "$t" "$@"; do',
  '  if [ "$SECONDS" -ge "$end" ]; then : > "$m" 2>/dev/null; exit 1; fi',
  "  sleep 0.25",
  "done",
  ': > "$m" 2>/dev/null; exit 0',
].join("\n");

/** The command of one probe try in the container. */
export function probeCommand(probe: ProbeSpec): string[] {
  switch (probe.kind) {
    case "http":
      return ["curl", "-fsS", "-o", "/dev/null", "--max-time", "3", `http://127.0.0.1:${probe.port}${probe.path}`];
    case "tcp":
      return ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${probe.port}`];
    case "exec":
      return [...probe.command];
  }
}

/**
 * Whole seconds as Go prints a duration (`5s`, `2m9s`, `1h0m5s`): the Docker
 * provider reads a container's check back in that form, so any other
 * spelling of the same value would show as a change on every `up`.
 */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** A workload's Docker health check, in seconds. */
export interface DockerHealth {
  /** Docker's HEALTHCHECK test (`CMD` form). */
  readonly test: string[];
  readonly intervalSeconds: number;
  /** Docker's limit on one check: the start window plus one try, plus a second. */
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

/** Seconds a container's first check keeps trying: the probe's whole start budget. */
export function startWindowSeconds(w: WorkloadSpec): number {
  const t = w.probeTiming;
  return t.initialDelaySeconds + t.periodSeconds * t.failureThreshold;
}

/** The Docker health check of a workload's readiness probe. */
export function dockerHealth(w: WorkloadSpec): DockerHealth {
  const t = w.probeTiming;
  const window = startWindowSeconds(w);
  return {
    test: ["CMD", "bash", "-c", HEALTH_SCRIPT, "labs-health", HEALTH_MARKER, String(window), String(t.timeoutSeconds), ...probeCommand(w.readiness)],
    intervalSeconds: t.periodSeconds,
    timeoutSeconds: window + t.timeoutSeconds + 1,
    retries: t.failureThreshold,
    startPeriodSeconds: t.initialDelaySeconds,
  };
}
