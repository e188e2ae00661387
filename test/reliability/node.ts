/** The project's Kubernetes node (`npm run kube -- start`): where its kubeconfig is, and whether it answers. */
import * as fs from "fs";
import * as path from "path";
import { StorageV1Api } from "@kubernetes/client-node";
import { toolchainHome } from "../../lab-workloads/access/automation";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";

/** The node's admin kubeconfig, where scripts/kube/node.sh writes it (`node.sh kubeconfig` prints it); context `bigdata-labs`. */
export const NODE_KUBECONFIG = path.join(toolchainHome(), "kube", "admin.kubeconfig");

/** True when the project's Kubernetes node answers a list call within 8 s. */
export async function nodeAnswers(): Promise<boolean> {
  if (!fs.existsSync(NODE_KUBECONFIG)) return false;
  try {
    const kc = loadKubeConfig({ kubeconfig: NODE_KUBECONFIG });
    const ask = kc.makeApiClient(StorageV1Api).listStorageClass();
    return await Promise.race([ask.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 8000))]);
  } catch {
    return false;
  }
}
