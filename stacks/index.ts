import * as pulumi from "@pulumi/pulumi";
import { isLabConfigError } from "../components/core/errors";
import { loadConfig } from "./config";
import { createLabs, StackOutputs } from "./program";

/**
 * The Pulumi program: read and validate `lab:*` config, then create the
 * module's lab(s). A configuration problem is one line and no resource;
 * LABS_DEBUG=1 shows the stack trace as well.
 */
function main(): StackOutputs {
  try {
    return createLabs(loadConfig());
  } catch (err) {
    if (isLabConfigError(err) && process.env["LABS_DEBUG"] !== "1") throw new pulumi.RunError(err.message);
    throw err;
  }
}

const outputs = main();
export const labs = outputs.labs;
export const credentials = outputs.credentials;
export const kubeconfig = outputs.kubeconfig;
