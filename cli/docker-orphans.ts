/**
 * Docker objects an interrupted `pulumi up` left behind: created by the
 * provider (labelled with the lab and managed-by pulumi-docker) but never
 * recorded in the stack, because the run was killed between Docker's answer
 * and the checkpoint. They block the next run: a container keeps its name
 * (`up` fails with "name already in use") and its volumes (`destroy` times
 * out waiting for them to be free).
 */
import { execFile } from "child_process";
import { promisify } from "util";
import { MANAGED_BY } from "../components/platform/docker/render";
import { LABEL } from "../components/platform/platform";
import type { StateResource } from "../lab-workloads/access/stack-state";

const run = promisify(execFile);

/** Docker object kinds the renderer creates, by provider type. */
const KINDS = [
  { type: "docker:index/container:Container", list: ["ps", "-a", "--format", "{{.Names}}"], rm: ["rm", "-f"] },
  { type: "docker:index/network:Network", list: ["network", "ls", "--format", "{{.Name}}"], rm: ["network", "rm"] },
  { type: "docker:index/volume:Volume", list: ["volume", "ls", "--format", "{{.Name}}"], rm: ["volume", "rm", "-f"] },
] as const;

/**
 * Removes lab `lab`'s objects that the provider created but the stack does
 * not know (containers first, then networks and volumes); returns their
 * names. Objects the stack records, and anything else labelled with the lab
 * (a running check's job containers), stay.
 */
export async function removeOrphans(lab: string, resources: readonly StateResource[]): Promise<string[]> {
  const removed: string[] = [];
  for (const kind of KINDS) {
    const tracked = new Set(resources.filter((r) => r.type === kind.type).map((r) => String(r.outputs?.["name"] ?? "")));
    const filters = ["--filter", `label=${LABEL.lab}=${lab}`, "--filter", `label=${LABEL.managedBy}=${MANAGED_BY}`];
    const names = (await run("docker", [...kind.list, ...filters])).stdout.split("\n").filter((n) => n !== "" && !tracked.has(n));
    for (const n of names) {
      await run("docker", [...kind.rm, n]);
      removed.push(n);
    }
  }
  return removed;
}
