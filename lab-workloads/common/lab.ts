import { Target } from "../../components/config/schema";
import { ModuleId } from "../../components/lab/modules";
import { LabPlan } from "../../components/lab/plan";
import { LabCredentials } from "../../components/lab/lab";
import { EnvValue } from "../../components/core/spec";
import { OBJECT_STORE_ACCESS_SECRET, OBJECT_STORE_SECRET } from "../../components/services/object-store-spec";
import { pysparkSubmitArgs } from "../../components/services/workspace-spec";
import { JUPYTER_TOKEN_SECRET } from "../../components/services/workspace-spec";
import { isNoSuchStack, selectLabStack, stackName } from "../access/automation";
import { EXIT, UserError } from "../access/errors";
import type { Forward, KubeTarget } from "../access/kube-client";
import { planOfLab, readStack, StoodUp } from "../access/stack-lab";

/** A running lab as a driver sees it: its plan, endpoints and credentials. */
export interface LabHandle {
  readonly name: string;
  readonly module: ModuleId;
  readonly target: Target;
  readonly plan: LabPlan;
  readonly credentials: LabCredentials;
  /** On Kubernetes: the cluster (kubeconfig file, context) whose namespace `name` holds the lab. */
  readonly kube?: KubeTarget;
  /** Endpoint of a service on this machine (`minio`, `s3` → `http://127.0.0.1:30020`). */
  hostEndpoint(service: string, endpoint: string): string;
  /** Env for a job container in the lab: every service endpoint and credential, Spark client settings. */
  jobEnv(): Record<string, string>;
  /** Stops what opening the lab started (port-forwards). */
  close(): Promise<void>;
}

/** Reads the running lab of labctl's stack for a module on a target and returns its handle. */
export async function openLab(module: ModuleId, target: Target): Promise<LabHandle> {
  const none = `no running lab for module ${module} on ${target}; start it with labctl up ${module}`;
  // Read as it stands: nothing is set on the stack, and no stack is created.
  const stack = await selectLabStack(stackName(module, target)).catch((err: unknown) => {
    throw isNoSuchStack(err) ? new UserError(none, EXIT.usage) : err;
  });
  const stood = await readStack(stack);
  const name = Object.keys(stood.labs)[0];
  if (!name) throw new UserError(none, EXIT.usage);
  return openStackLab(stood, name);
}

/** Slot base used to name a lab's would-be host ports when it exposes none (they are forwarded instead). */
const SHADOW_BASE = 30000;

/**
 * A handle on lab `name` of a stack, as it was stood up. A Kubernetes lab
 * that publishes nothing on this machine (`exposure: none`, a class) gets
 * port-forwards through the API server to 127.0.0.1 for every port that
 * would have been published, so drivers reach it the same way.
 */
export async function openStackLab(stood: StoodUp, name: string): Promise<LabHandle> {
  const lab = stood.labs[name];
  if (!lab) throw new Error(`lab ${name} is not running (stack ${stood.stack.name} has ${Object.keys(stood.labs).join(", ") || "no lab"})`);
  const { cfg } = stood;
  const credentials = stood.credentials[name] ?? {};
  const plan = planOfLab(cfg, name);
  const published = Object.values(lab.endpoints).some((eps) => Object.values(eps).some((e) => e.host));
  const hosts = new Map<string, string>();
  const forwards: Forward[] = [];
  if (published || !stood.kube) {
    for (const [service, eps] of Object.entries(lab.endpoints)) for (const [key, e] of Object.entries(eps)) if (e.host) hosts.set(`${service}.${key}`, e.host);
  } else {
    const shadow = planOfLab(cfg, name, SHADOW_BASE);
    // The Kubernetes client is loaded for a Kubernetes lab only (0.3 s).
    const { forwardPort, loadKubeConfig, workloadPod } = await import("../access/kube-client");
    const kc = loadKubeConfig(stood.kube);
    const local = new Map<number, number>();
    try {
      for (const w of shadow.specs.flatMap((s) => s.workloads)) {
        const ports = w.ports.filter((p) => p.hostPort !== undefined);
        if (ports.length === 0) continue;
        const pod = (await workloadPod(kc, name, w.name)).metadata!.name!;
        for (const p of ports) {
          const f = await forwardPort(kc, name, pod, p.port);
          forwards.push(f);
          local.set(p.hostPort!, f.localPort);
        }
      }
    } catch (err) {
      await Promise.all(forwards.map((f) => f.close()));
      throw err;
    }
    for (const s of shadow.specs) {
      for (const e of s.endpoints) {
        if (!e.host) continue;
        hosts.set(`${s.service}.${e.name}`, e.host.replace(/127\.0\.0\.1:(\d+)/, (_m, p: string) => `127.0.0.1:${local.get(Number(p)) ?? p}`));
      }
    }
  }

  const secretValue = (v: EnvValue): string => {
    if (typeof v === "string") return v;
    if (v.secret === OBJECT_STORE_SECRET) return credentials.s3SecretKey ?? "";
    if (v.secret === OBJECT_STORE_ACCESS_SECRET) return credentials.s3AccessKey ?? "";
    if (v.secret === JUPYTER_TOKEN_SECRET) return credentials.jupyterToken ?? "";
    throw new Error(`unknown secret ${v.secret}`);
  };
  return {
    name,
    module: cfg.module,
    target: cfg.target === "aws" ? "kubernetes" : cfg.target,
    plan,
    credentials,
    ...(stood.kube ? { kube: stood.kube } : {}),
    hostEndpoint(service, endpoint) {
      const host = hosts.get(`${service}.${endpoint}`);
      if (!host) throw new Error(`lab ${name} exposes no ${service}.${endpoint} on this machine`);
      return host;
    },
    jobEnv() {
      const env: Record<string, string> = { PYTHONUNBUFFERED: "1" };
      for (const [k, v] of Object.entries(plan.clientEnv)) env[k] = secretValue(v);
      if (plan.spark) env["PYSPARK_SUBMIT_ARGS"] = pysparkSubmitArgs({ ...plan.spark.clientConf, "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false" });
      return env;
    },
    async close() {
      await Promise.all(forwards.map((f) => f.close()));
    },
  };
}
