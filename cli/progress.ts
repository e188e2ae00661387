import { EngineEvent } from "@pulumi/pulumi/automation";

/** Short kind names for resource types in progress lines. */
export function shortType(type: string): string {
  const known: Record<string, string> = {
    "docker:index/container:Container": "container",
    "docker:index/volume:Volume": "volume",
    "docker:index/network:Network": "network",
    "docker:index/remoteImage:RemoteImage": "image",
    "pulumi-nodejs:dynamic/random:Secret": "secret",
  };
  if (known[type]) return known[type];
  const m = /^kubernetes:[^:]+:(\w+)$/.exec(type);
  if (m) return m[1]!.toLowerCase();
  return type.split(":").pop() ?? type;
}

/**
 * Turns the engine's event stream into compact lines: one when a resource
 * starts changing and one when it is done, with how long it took. Component
 * resources and the stack itself are left out.
 */
export class ProgressView {
  private readonly started = new Map<string, number>();
  private done = 0;

  constructor(private readonly write: (line: string) => void, private readonly t0 = Date.now()) {}

  private stamp(): string {
    return `[${String(Math.round((Date.now() - this.t0) / 1000)).padStart(4)}s]`;
  }

  /** Feeds one engine event. */
  onEvent(e: EngineEvent): void {
    const pre = e.resourcePreEvent?.metadata;
    if (pre && pre.op !== "same" && !pre.type.startsWith("labs:") && pre.type !== "pulumi:pulumi:Stack" && !pre.type.startsWith("pulumi:providers:")) {
      this.started.set(pre.urn, Date.now());
      this.write(`${this.stamp()} ${verb(pre.op)} ${shortType(pre.type)} ${name(pre.urn)}`);
    }
    const out = e.resOutputsEvent?.metadata;
    if (out && this.started.has(out.urn)) {
      const took = (Date.now() - this.started.get(out.urn)!) / 1000;
      this.started.delete(out.urn);
      this.done++;
      this.write(`${this.stamp()} ${past(out.op)} ${shortType(out.type)} ${name(out.urn)} (${took.toFixed(1)}s)`);
    }
    const failed = e.resOpFailedEvent?.metadata;
    if (failed) this.write(`${this.stamp()} failed ${shortType(failed.type)} ${name(failed.urn)}`);
    const diag = e.diagnosticEvent;
    if (diag && diag.severity === "error" && !diag.message.includes("update failed")) {
      this.write(`${this.stamp()} error: ${diag.message.trim().split("\n").filter(Boolean).slice(0, 6).join("\n         ")}`);
    }
  }

  /** Resources finished so far. */
  get count(): number {
    return this.done;
  }
}

function name(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

function verb(op: string): string {
  return ({ create: "creating", delete: "deleting", update: "updating", replace: "replacing", "create-replacement": "replacing", "delete-replaced": "removing old" } as Record<string, string>)[op] ?? op;
}

function past(op: string): string {
  return ({ create: "created ", delete: "deleted ", update: "updated ", replace: "replaced", "create-replacement": "replaced", "delete-replaced": "removed old" } as Record<string, string>)[op] ?? op;
}
