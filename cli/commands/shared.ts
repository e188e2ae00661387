import { EXIT, UserError } from "../../lab-workloads/access/errors";
import type { LabOutput } from "../../lab-workloads/access/stack-lab";

/** Where a command writes. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}


/** A readable list of each lab's UIs and client endpoints. */
export function renderEndpoints(labs: Record<string, LabOutput> | undefined): string {
  const lines: string[] = [];
  for (const [name, lab] of Object.entries(labs ?? {})) {
    lines.push(`\nLab ${name} (module ${lab.module}, ${lab.target}, ${lab.location})`);
    lines.push("  Open in a browser:");
    for (const [key, url] of Object.entries(lab.uis)) lines.push(`    ${key.padEnd(22)} ${url}`);
    lines.push("  Clients:");
    for (const [service, eps] of Object.entries(lab.endpoints)) {
      for (const [key, ep] of Object.entries(eps)) {
        if (ep.ui) continue;
        lines.push(`    ${`${service}.${key}`.padEnd(22)} in lab: ${ep.inLab}${ep.host ? `   from this machine: ${ep.host}` : ""}`);
      }
    }
  }
  return lines.join("\n");
}

/**
 * One line from a failed Pulumi run: the first error the engine reported,
 * with what to do for the causes users hit most.
 */
export function pulumiFailure(what: string, err: unknown): UserError {
  const text = String((err as Error)?.message ?? err);
  const lines = text.split("\n").map((l) => l.trim());
  const first = lines.find((l) => /^error:/.test(l) && !/update failed|preview failed/.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? lines[0] ?? "";
  // The bridged Docker provider wraps its errors: keep the message only.
  const reason = first
    .replace(/^error:\s*/, "")
    .replace(/^Error:\s*/, "")
    .replace(/sdk-v2\/provider2\.go:\d+: sdk\.helper_schema: /, "")
    .replace(/: provider=docker@[\d.]+$/, "");
  if (/Docker engine is not reachable/.test(text)) return new UserError(`${what} failed: Docker is not running; start it (or run npm run toolchain) and retry`, EXIT.environment);
  if (/is in use; free it|port is already allocated|address already in use/.test(text)) {
    return new UserError(`${what} failed: a port the lab publishes is in use (${reason}); stop what holds it (labctl down) or set lab:hostPortBase to another range`, EXIT.environment);
  }
  if (/could not be pulled|Unable to pull image|pull access denied/.test(text)) {
    return new UserError(`${what} failed: a lab image is missing (${reason}); build it with npm run images`, EXIT.environment);
  }
  if (/the stack is currently locked/.test(text)) return stackBusy(what);
  return new UserError(`${what} failed: ${reason}`, EXIT.failed);
}

/** The one line for a stack another run is changing (its lock is held). */
export function stackBusy(what: string): UserError {
  return new UserError(`${what} failed: another labctl (or pulumi) run is changing this lab right now; wait for it to end, then run the command again`, EXIT.environment);
}
