/**
 * A real `pulumi preview` of the project's program with given `lab:*`
 * config, through the Automation API on a local file backend of its own
 * (as cli/automation.ts runs it, but in a scratch state folder), and what it
 * printed, planned and left behind.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT, pulumiCommand, pulumiEnv } from "../../lab-workloads/access/automation";
import { labConfigEntries } from "../../lab-workloads/access/stack-settings";
import { LABEL } from "../../components/platform/platform";

const run = promisify(execFile);

/** Scratch state of the reliability suite's previews (never the checkout's `.labs/state`). */
export const PREVIEW_STATE = path.join(os.tmpdir(), "bigdata-labs-reliability", "state");

/** What one preview did. */
export interface PreviewResult {
  /** The preview failed (as a bad config must). */
  readonly failed: boolean;
  /** Error lines the program reported (diagnostics of severity error, without the engine's summary). */
  readonly errors: string[];
  /** Everything the CLI printed. */
  readonly output: string;
  /** Resources the preview planned to create, besides the stack itself. */
  readonly planned: number;
  /** Resources in the stack's state afterwards. */
  readonly inState: number;
  /** Docker objects (containers, volumes, networks) labelled with the lab afterwards. */
  readonly dockerObjects: number;
}

/**
 * Previews the program on a fresh stack `stack` with `config` (objects as
 * JSON, strings as they are, `raw` entries written exactly as given), then
 * removes the stack.
 */
export async function previewWithConfig(stack: string, config: Readonly<Record<string, unknown>>, labName: string): Promise<PreviewResult> {
  fs.mkdirSync(PREVIEW_STATE, { recursive: true });
  const envVars = { ...pulumiEnv(PROJECT_ROOT), PULUMI_BACKEND_URL: `file://${PREVIEW_STATE}`, PULUMI_CONFIG_PASSPHRASE: "reliability" };
  const s = await LocalWorkspace.createOrSelectStack({ stackName: stack, workDir: PROJECT_ROOT }, { envVars, pulumiCommand: await pulumiCommand() });
  await s.setAllConfig(labConfigEntries(config));
  let output = "";
  const events = previewEvents();
  let failed = false;
  try {
    await s.preview({ onOutput: (o) => (output += o), onEvent: events.onEvent });
  } catch (err) {
    failed = true;
    output += `\n${String((err as Error).message)}`;
  }
  const inState = ((await s.exportStack()).deployment?.resources ?? []).length;
  await s.workspace.removeStack(stack, { force: true });
  return { failed, errors: events.errors, output, planned: events.planned(), inState, dockerObjects: await dockerObjects(labName) };
}

/**
 * What a preview's engine events say: the error lines the program reported
 * (without the engine's closing summary) and how many resources it plans
 * to create, the stack itself not counted.
 */
export function previewEvents(): { readonly errors: string[]; planned: () => number; onEvent: (e: EngineEvent) => void } {
  const errors: string[] = [];
  let planned = 0;
  return {
    errors,
    planned: () => planned,
    onEvent: (e) => {
      const d = e.diagnosticEvent;
      if (d && d.severity === "error" && !/^(preview|update) failed/.test(d.message.trim())) errors.push(...d.message.trim().split("\n"));
      const step = e.resourcePreEvent?.metadata;
      if (step && step.op === "create" && step.type !== "pulumi:pulumi:Stack") planned++;
    },
  };
}

/** Containers, volumes and networks labelled with lab `name`. */
export async function dockerObjects(name: string): Promise<number> {
  const filter = `label=${LABEL.lab}=${name}`;
  let n = 0;
  for (const args of [["ps", "-aq"], ["volume", "ls", "-q"], ["network", "ls", "-q"]]) {
    const { stdout } = await run("docker", [...args, "--filter", filter]);
    n += stdout.split("\n").filter((l) => l.trim() !== "").length;
  }
  return n;
}
