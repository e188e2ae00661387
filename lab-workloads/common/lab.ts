import { Target } from "../../components/config/schema";
import { ModuleId } from "../../components/lab/modules";
import { LabPlan } from "../../components/lab/plan";
import { LabCredentials } from "../../components/lab/lab";
import { EnvValue } from "../../components/core/spec";
import { OBJECT_STORE_ACCESS_SECRET, OBJECT_STORE_SECRET } from "../../components/services/object-store-spec";
import { pysparkSubmitArgs } from "../../components/services/workspace-spec";
import { JUPYTER_TOKEN_SECRET } from "../../components/services/workspace-spec";
import { openLabStack } from "../../cli/automation";
import { kubeTargetOf, planModuleLab } from "../../cli/lab-args";

/** A running lab as a driver sees it: its plan, endpoints and credentials. */
export interface LabHandle {
  readonly name: string;
  readonly module: ModuleId;
  readonly target: Target;
  readonly plan: LabPlan;
  readonly credentials: LabCredentials;
  /** On Kubernetes: the cluster (kubeconfig file, context) whose namespace `name` holds the lab. */
  readonly kube?: { readonly kubeconfig?: string; readonly context?: string };
  /** Endpoint of a service on this machine (`minio`, `s3` → `http://127.0.0.1:30020`). */
  hostEndpoint(service: string, endpoint: string): string;
  /** Env for a job container in the lab: every service endpoint and credential, Spark client settings. */
  jobEnv(): Record<string, string>;
}

/** Reads a running lab's stack (module on target) and returns its handle. */
export async function openLab(module: ModuleId, target: Target): Promise<LabHandle> {
  const stack = await openLabStack({ module, target });
  const outputs = await stack.outputs();
  const labs = (outputs["labs"]?.value ?? {}) as Record<string, { endpoints: Record<string, Record<string, { host?: string; inLab: string }>> }>;
  const [name, lab] = Object.entries(labs)[0] ?? [];
  if (!name || !lab) throw new Error(`no running lab for module ${module} on ${target}; start it with labctl up ${module}`);
  const credentials = ((outputs["credentials"]?.value ?? {}) as Record<string, LabCredentials>)[name] ?? {};
  const plan = planModuleLab(module, target, name);

  const secretValue = (v: EnvValue): string => {
    if (typeof v === "string") return v;
    if (v.secret === OBJECT_STORE_SECRET) return credentials.s3SecretKey ?? "";
    if (v.secret === OBJECT_STORE_ACCESS_SECRET) return credentials.s3AccessKey ?? "";
    if (v.secret === JUPYTER_TOKEN_SECRET) return credentials.jupyterToken ?? "";
    throw new Error(`unknown secret ${v.secret}`);
  };
  return {
    name,
    module,
    target,
    plan,
    credentials,
    ...(target === "kubernetes" ? { kube: kubeTargetOf(module) } : {}),
    hostEndpoint(service, endpoint) {
      const ep = lab.endpoints[service]?.[endpoint];
      if (!ep?.host) throw new Error(`lab ${name} exposes no ${service}.${endpoint} on this machine`);
      return ep.host;
    },
    jobEnv() {
      const env: Record<string, string> = { PYTHONUNBUFFERED: "1" };
      for (const [k, v] of Object.entries(plan.clientEnv)) env[k] = secretValue(v);
      if (plan.spark) env["PYSPARK_SUBMIT_ARGS"] = pysparkSubmitArgs({ ...plan.spark.clientConf, "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false" });
      return env;
    },
  };
}
