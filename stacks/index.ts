import * as pulumi from "@pulumi/pulumi";
import { isLabConfigError } from "../components/core/errors";
import { LabConfig } from "../components/config/schema";
import { clusterEndpoint, isClass, loadConfig, verifyCluster } from "./config";
import { createLabs, StackOutputs } from "./program";

/** A configuration problem as one line (LABS_DEBUG=1 keeps the stack trace). */
function oneLine(err: unknown): unknown {
  return isLabConfigError(err) && process.env["LABS_DEBUG"] !== "1" ? new pulumi.RunError(err.message) : err;
}

/**
 * The Pulumi program: read and validate `lab:*` config (and, on Kubernetes,
 * ask the cluster whether it answers and can bind volumes), then create the
 * module's lab(s). A problem is one line and no resource.
 */
function main(): StackOutputs | Promise<StackOutputs> {
  let cfg: LabConfig;
  try {
    cfg = loadConfig();
  } catch (err) {
    throw oneLine(err);
  }
  if (cfg.target !== "kubernetes") {
    try {
      return createLabs(cfg);
    } catch (err) {
      throw oneLine(err);
    }
  }
  return verifyCluster(cfg)
    .then(() => createLabs(cfg, isClass(cfg) ? { clusterEndpoint: clusterEndpoint(cfg) } : {}))
    .catch((err: unknown) => {
      throw oneLine(err);
    });
}

const result = main();
const pick = <K extends keyof StackOutputs>(k: K) => (result instanceof Promise ? pulumi.output(result.then((o) => o[k])) : result[k]);
export const labs = pick("labs");
export const credentials = pick("credentials");
export const kubeconfig = pick("kubeconfig");
export const access = pick("access");
export const classroom = pick("classroom");
export const staffKubeconfig = pick("staffKubeconfig");
export const registry = pick("registry");
