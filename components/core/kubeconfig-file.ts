import * as fs from "fs";

/** The parts of a kubeconfig file the program and labctl read. */
export interface KubeconfigDoc {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string; "certificate-authority"?: string; "insecure-skip-tls-verify"?: boolean } }[];
  users?: { name: string; user: { "client-certificate-data"?: string; "client-key-data"?: string; "client-certificate"?: string; "client-key"?: string; token?: string; exec?: unknown } }[];
}

/**
 * A kubeconfig file, parsed ({} when empty). The YAML parser is loaded on the
 * first read: a lab on Docker never reads a kubeconfig, and its program and
 * `labctl up` start 0.05 s sooner without it. Read errors are thrown as they are.
 */
export function readKubeconfig(file: string): KubeconfigDoc {
  const text = fs.readFileSync(file, "utf8");
  const YAML = require("yaml") as typeof import("yaml");
  return (YAML.parse(text) as KubeconfigDoc | null) ?? {};
}
