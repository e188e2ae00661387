/** Whether the project's Kubernetes node answers (`npm run kube -- start`). */
import * as fs from "fs";
import { StorageV1Api } from "@kubernetes/client-node";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { KUBECONFIG } from "./bad-inputs";

/** True when the project's Kubernetes node answers a list call within 8 s. */
export async function nodeAnswers(): Promise<boolean> {
  if (!fs.existsSync(KUBECONFIG)) return false;
  try {
    const kc = loadKubeConfig({ kubeconfig: KUBECONFIG });
    const ask = kc.makeApiClient(StorageV1Api).listStorageClass();
    return await Promise.race([ask.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 8000))]);
  } catch {
    return false;
  }
}
