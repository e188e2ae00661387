/**
 * What a stack actually stood up, read back from the stack itself: its own
 * `lab:*` config (validated by the same parser the program uses), its
 * outputs, and the kubeconfig and context recorded at `up`. Every command
 * acts on this, never on re-derived defaults.
 */
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { ConfigMap, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { LabConfig, labContext, labInstances, parseLabConfig } from "../../components/config/schema";
import { LabCredentials } from "../../components/lab/lab";
import { LabPlan, planLab } from "../../components/lab/plan";
import { checkKubeconfig, loadImageManifest, rawLabValues } from "../../components/config/stack-values";
import type { ClassroomOutput } from "../../stacks/program";
import type { KubeTarget } from "./kube-client";
import { cliEnv } from "./stack-run";
import { stackLabSettings } from "./stack-settings";
import { stackStateDir, stateFileLatest } from "./automation";
import { holdsSecret, revealSecrets, stackKey } from "./stack-secrets";

const run = promisify(execFile);

/** Endpoints of one service as the stack outputs them. */
type Endpoints = Record<string, { inLab: string; host?: string; ui: boolean }>;

/** Stack output of one lab. */
export interface LabOutput {
  module: number;
  target: string;
  location: string;
  endpoints: Record<string, Endpoints>;
  uis: Record<string, string>;
}

/** A stack as it stands. */
export interface StoodUp {
  readonly stack: Stack;
  /** The stack's own settings. */
  readonly cfg: LabConfig;
  /** Outputs per lab (empty when nothing is up). */
  readonly labs: Readonly<Record<string, LabOutput>>;
  readonly credentials: Readonly<Record<string, LabCredentials>>;
  /** Student kubeconfigs per lab (a class on Kubernetes). */
  readonly access: Readonly<Record<string, string>>;
  readonly classroom?: ClassroomOutput;
  /** The course staff's kubeconfig (a class on Kubernetes). */
  readonly staffKubeconfig?: string;
  /** The cluster the labs were stood up on (Kubernetes targets). */
  readonly kube?: KubeTarget;
}

/** Parses a stack's config entries (`lab:<key>` → text) into its settings. */
export function configOfStack(entries: Readonly<Record<string, { value: string }>>): LabConfig {
  return parseLabConfig(rawLabValues((key) => entries[`lab:${key}`]?.value), loadImageManifest());
}

/**
 * The kubeconfig file and context a Kubernetes stack records at `up`: the
 * configured ones, or $KUBECONFIG's (or ~/.kube/config's) current context
 * resolved to an absolute file and a context name, so that later commands
 * reach the same cluster whatever is current then.
 */
export function recordedKube(cfg: LabConfig): { kubeconfig: string; context: string } {
  const { file, context } = checkKubeconfig(cfg);
  return { kubeconfig: path.resolve(file), context };
}

/**
 * The cluster a stack's labs live on, from the stack's own settings (the
 * kubeconfig and context recorded at `up`); undefined on Docker.
 */
export function kubeTargetOfConfig(cfg: LabConfig): KubeTarget | undefined {
  if (cfg.target === "docker") return undefined;
  return { ...(cfg.kubernetes.kubeconfig ? { kubeconfig: cfg.kubernetes.kubeconfig } : {}), ...(cfg.kubernetes.context ? { context: cfg.kubernetes.context } : {}) };
}

/**
 * A stack's `lab:*` settings: from its settings file, or from the CLI (a
 * 0.5 s run) when the file holds what only the CLI can read.
 */
export async function stackConfigEntries(stack: Stack): Promise<ConfigMap> {
  return stackLabSettings(stack.name, stack.workspace.workDir) ?? (await stack.getAllConfig());
}

/** Reads a stack's config (its settings file) and outputs (one CLI run). */
export async function readStack(stack: Stack): Promise<StoodUp> {
  const [entries, outputs] = await Promise.all([stackConfigEntries(stack), stackOutputValues(stack)]);
  return stoodUp(stack, configOfStack(entries), outputs);
}

/**
 * A stack's output values, secrets shown: from its state file, its secrets
 * opened with the stack's passphrase key (derived once per process, see
 * {@link prewarmStackKey}), else in one CLI run (the Automation API's
 * `outputs()` makes two, to mark which are secret; nothing here needs to know).
 */
export async function stackOutputValues(stack: Stack): Promise<Record<string, unknown>> {
  const ws = stack.workspace as LocalWorkspace;
  const fromFile = await stateFileOutputValues(stack);
  if (fromFile) return fromFile;
  const { stdout } = await run(ws.pulumiCommand.command, ["stack", "output", "--json", "--show-secrets", "--stack", stack.name, "--non-interactive"], {
    cwd: ws.workDir,
    env: cliEnv(ws),
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/**
 * A stack as it stands, from its settings and output values already in hand
 * (those an `up` returned), without asking the CLI for them again.
 */
export function stoodUp(stack: Stack, cfg: LabConfig, outputs: Readonly<Record<string, unknown>>): StoodUp {
  const value = <T>(k: string, fallback: T): T => (outputs[k] as T | undefined) ?? fallback;
  const classroom = value<ClassroomOutput | undefined>("classroom", undefined);
  const kube = kubeTargetOfConfig(cfg);
  const staffKubeconfig = value<string | undefined>("staffKubeconfig", undefined);
  return {
    stack,
    cfg,
    labs: value("labs", {}),
    credentials: value("credentials", {}),
    access: value("access", {}),
    ...(classroom ? { classroom } : {}),
    ...(staffKubeconfig ? { staffKubeconfig } : {}),
    ...(kube ? { kube } : {}),
  };
}

/** The plan of one lab of a stack, from the stack's settings (its services, images and ports). */
export function planOfLab(cfg: LabConfig, lab: string, hostPortBase?: number): LabPlan {
  const inst = labInstances(cfg).find((i) => i.name === lab);
  if (!inst) throw new Error(`lab ${lab} is not part of this stack (it has ${labInstances(cfg).map((i) => i.name).join(", ")})`);
  const base = hostPortBase ?? inst.hostPortBase;
  return planLab({
    name: lab,
    module: cfg.module,
    context: labContext(cfg, base),
    services: cfg.services,
    withoutWorkspace: !cfg.workspace,
  });
}

/**
 * The root resource's outputs in a stack's state file, secrets opened;
 * undefined when the file, the stack's passphrase or a secret cannot be read
 * this way.
 */
async function stateFileOutputValues(stack: Stack): Promise<Record<string, unknown> | undefined> {
  const ws = stack.workspace as LocalWorkspace;
  let latest: ReturnType<typeof stateFileLatest>;
  try {
    const stateDir = stackStateDir(stack, ws.workDir);
    latest = stateDir ? stateFileLatest(stack.name, ws.workDir, stateDir) : undefined;
  } catch {
    return undefined; // not a checkout this can read (no Pulumi.yaml)
  }
  const root = latest?.resources.find((r) => r.type === "pulumi:pulumi:Stack");
  if (!latest || !root) return undefined;
  const outputs = root.outputs ?? {};
  const passphrase = ws.envVars?.["PULUMI_CONFIG_PASSPHRASE"];
  let key: Buffer | undefined;
  if (holdsSecret(outputs)) {
    if (!latest.passphraseSalt || passphrase === undefined) return undefined;
    key = (await stackKey(passphrase, latest.passphraseSalt, ws.workDir))?.key;
    if (!key) return undefined;
  }
  return revealSecrets(outputs, key) as Record<string, unknown> | undefined;
}
