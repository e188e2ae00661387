// First: every later module loads, and every resource registers, without costly stack traces.
import "./stack-traces";
import { labProgram } from "./lab-program";

/** The Pulumi program (see labProgram): its outputs are the stack's. */
const outputs = labProgram();
export const labs = outputs.labs;
export const credentials = outputs.credentials;
export const kubeconfig = outputs.kubeconfig;
export const access = outputs.access;
export const classroom = outputs.classroom;
export const staffKubeconfig = outputs.staffKubeconfig;
export const registry = outputs.registry;
