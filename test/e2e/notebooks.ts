/**
 * Runs a module's starter notebooks for real: inside the lab's JupyterLab
 * workspace (docker exec / kubectl exec), with a real Jupyter kernel
 * (nbclient, installed in the workspace image), on the copies the workspace
 * delivered to the student's folder. A notebook stops at its first failing
 * cell, which is named: notebook, cell index, the error's last line.
 */
import { ExecResult } from "../../lab-workloads/access/docker-host";
import { ModuleId } from "../../components/lab/modules";
import { SEED_DIR, WORK_DIR } from "../../components/services/workspace-spec";
import { starterNotebooks } from "../../lab-workloads/notebooks";

/**
 * Seconds a whole notebook may run: each cell gets what is left of it, so a
 * stuck cell is named before the exec (300 s in the e2e hosts) gives up.
 */
export const NOTEBOOK_BUDGET_SECONDS = 270;

/**
 * Python run in the workspace: argv = [folder, notebook]. Checks the copy in
 * the folder is byte for byte the seed original, then executes every code
 * cell in order in a fresh kernel (cwd = the folder) and prints one line
 * `NOTEBOOK {"name", "cells", "seconds", "delivered", "failed"}`; exit 1 when
 * a cell failed. Outputs are not written back: the student's file is unchanged.
 */
export const RUNNER = String.raw`
import json, os, sys, time
import nbformat
from nbclient import NotebookClient
folder, name = sys.argv[1], sys.argv[2]
path = os.path.join(folder, name)
seed = os.path.join(${JSON.stringify(SEED_DIR)}, name)
delivered = os.path.exists(path) and os.path.exists(seed) and open(path, "rb").read() == open(seed, "rb").read()
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, timeout=${NOTEBOOK_BUDGET_SECONDS}, kernel_name="python3", resources={"metadata": {"path": folder}})
cells, failed, start = 0, None, time.time()
with client.setup_kernel():
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cells += 1
        client.timeout = max(5, int(${NOTEBOOK_BUDGET_SECONDS} - (time.time() - start)))
        try:
            client.execute_cell(cell, index)
        except Exception as err:
            ename, evalue = getattr(err, "ename", ""), getattr(err, "evalue", "")
            # One line: the exception's name and message (a JVM error's message is its first lines).
            lines = [l.strip() for l in str(evalue).splitlines() if l.strip()][:2]
            last = f"{ename}: {' '.join(lines)}" if ename else (str(err).strip().splitlines() or [type(err).__name__])[-1]
            failed = {"cell": index, "error": last[:400]}
            break
print("NOTEBOOK " + json.dumps({"name": name, "cells": cells, "seconds": round(time.time() - start, 1), "delivered": delivered, "failed": failed}), flush=True)
sys.exit(1 if failed else 0)
`;

/** One notebook's run. */
export interface NotebookRun {
  readonly name: string;
  /** Code cells executed (the failing one included). */
  readonly cells: number;
  readonly seconds: number;
  /** The workspace's copy was the seed original, byte for byte (unknown when the runner did not report). */
  readonly delivered?: boolean;
  /** `<notebook> cell <i>: <last line of the error>` when a cell failed (or the run itself did). */
  readonly failure?: string;
}

/** The `NOTEBOOK {...}` line of a runner's output, as a run; a failure when it is missing. */
export function parseRunnerOutput(name: string, r: ExecResult): NotebookRun {
  const line = r.output.split("\n").reverse().find((l) => l.startsWith("NOTEBOOK "));
  if (!line) return { name, cells: 0, seconds: r.seconds, failure: `${name}: the runner did not finish (${r.line || "no output"})` };
  const o = JSON.parse(line.slice("NOTEBOOK ".length)) as { cells: number; seconds: number; delivered: boolean; failed: { cell: number; error: string } | null };
  return {
    name,
    cells: o.cells,
    seconds: o.seconds,
    delivered: o.delivered,
    ...(o.failed ? { failure: `${name} cell ${o.failed.cell}: ${o.failed.error}` } : !r.ok ? { failure: `${name}: ${r.line}` } : {}),
  };
}

/** A module's notebook run: each notebook in name order, stopping at the first failure. */
export interface ModuleNotebooks {
  readonly runs: NotebookRun[];
  readonly cells: number;
  readonly failed: number;
  /** `notebooks: module N: C cells, F failed`. */
  readonly summary: string;
}

/**
 * Executes the module's starter notebooks in the workspace through `exec`
 * (a command in the workspace container), one kernel per notebook.
 */
export async function runModuleNotebooks(module: ModuleId, exec: (command: readonly string[]) => Promise<ExecResult>, log: (l: string) => void): Promise<ModuleNotebooks> {
  const runs: NotebookRun[] = [];
  for (const nb of starterNotebooks(module)) {
    const run = parseRunnerOutput(nb.name, await exec(["python3", "-c", RUNNER, WORK_DIR, nb.name]));
    runs.push(run);
    log(`${run.name}: ${run.cells} cells, ${run.seconds.toFixed(1)} s${run.delivered === false ? ", NOT the delivered original" : ""}${run.failure ? `; FAILED ${run.failure}` : ""}`);
    if (run.failure) break;
  }
  const cells = runs.reduce((a, r) => a + r.cells, 0);
  const failed = runs.filter((r) => r.failure).length;
  return { runs, cells, failed, summary: `notebooks: module ${module}: ${cells} cells, ${failed} failed` };
}
