import { pollingWatch, Watch } from "./watch";
import { LabHandle } from "./lab";

/** What the standalone master's `/json/` page says about its workers. */
interface MasterState {
  readonly aliveworkers?: number;
  readonly workers?: readonly { readonly host?: string; readonly state?: string }[];
}

/**
 * Watches the lab's Spark workers while a check runs: every 2 s the master's
 * `/json/` page (on its UI port) must list as many ALIVE workers as the lab
 * plans. A check that fails meanwhile says so, e.g. `the Spark worker
 * (spark-worker) stopped answering during the run: no answer from ... until
 * ...: the master lists 0 of 1 workers alive`. The master drops a worker as
 * soon as its connection breaks, so a killed worker shows at the next probe.
 */
export function sparkWorkerWatch(lab: LabHandle): Watch {
  const spec = lab.plan.specs.find((s) => s.service === "spark");
  const worker = spec?.workloads.find((w) => /^spark-worker/.test(w.name));
  if (!spec || !worker) throw new Error(`lab ${lab.name} has no Spark worker to watch`);
  const url = `${lab.hostEndpoint("spark", "ui").replace(/\/$/, "")}/json/`;
  const want = worker.replicas;
  return pollingWatch(`the Spark worker (${worker.name})`, async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`the Spark master's ${url} answered HTTP ${res.status}`);
    const state = (await res.json()) as MasterState;
    const alive = state.aliveworkers ?? (state.workers ?? []).filter((w) => w.state === "ALIVE").length;
    if (alive < want) throw new Error(`the master lists ${alive} of ${want} workers alive`);
  });
}
