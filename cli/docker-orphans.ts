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
import { MANAGED_BY } from "../components/platform/docker/naming";
import { LABEL } from "../components/platform/platform";
import type { StateResource } from "../lab-workloads/access/stack-state";

const run = promisify(execFile);

/** Docker object kinds the renderer creates, by provider type. */
const KINDS = [
  { type: "docker:index/container:Container", list: ["ps", "-a", "--format", "{{.Names}}"], rm: ["rm", "-f"] },
  { type: "docker:index/network:Network", list: ["network", "ls", "--format", "{{.Name}}"], rm: ["network", "rm"] },
  { type: "docker:index/volume:Volume", list: ["volume", "ls", "--format", "{{.Name}}"], rm: ["volume", "rm", "-f"] },
] as const;

/** Names of lab `lab`'s objects the provider created, per provider type (the three listings run side by side). */
export type LabObjects = ReadonlyMap<string, readonly string[]>;

/** Lists lab `lab`'s objects the provider created; see {@link removeOrphans}. */
export async function providerObjects(lab: string): Promise<LabObjects> {
  const filters = ["--filter", `label=${LABEL.lab}=${lab}`, "--filter", `label=${LABEL.managedBy}=${MANAGED_BY}`];
  const lists = await Promise.all(KINDS.map(async (kind) => (await run("docker", [...kind.list, ...filters])).stdout.split("\n").filter((n) => n !== "")));
  return new Map(KINDS.map((kind, i) => [kind.type, lists[i]!]));
}

/**
 * Removes lab `lab`'s objects that the provider created but the stack does
 * not know (containers first, then networks and volumes); returns their
 * names. Objects the stack records, and anything else labelled with the lab
 * (a running check's job containers), stay. `objects` may be a listing
 * started earlier (`up` lists while the stack opens). Callers first check
 * that no run holds the stack's lock (`stackLocked`): a run in flight
 * creates objects it has not recorded yet.
 */
export async function removeOrphans(lab: string, resources: readonly StateResource[], objects: LabObjects | Promise<LabObjects> = providerObjects(lab)): Promise<string[]> {
  const listed = await objects;
  const removed: string[] = [];
  for (const kind of KINDS) {
    const tracked = new Set(resources.filter((r) => r.type === kind.type).map((r) => String(r.outputs?.["name"] ?? "")));
    for (const n of (listed.get(kind.type) ?? []).filter((name) => !tracked.has(name))) {
      // Gone already (another labctl removed it meanwhile): nothing to do.
      const gone = await run("docker", [...kind.rm, n]).then(() => false, (err: unknown) => {
        if (/No such|not found/i.test(String((err as { stderr?: string }).stderr ?? ""))) return true;
        throw err;
      });
      if (!gone) removed.push(n);
    }
  }
  return removed;
}
