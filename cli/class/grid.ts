/**
 * A class at a glance: a row per student, a column per service or exercise,
 * as a text table and as JSON. Pure: no I/O, the clock is passed in.
 */

/**
 * State of one service of a lab. `asleep`: its workloads are scaled to 0
 * (`class sleep`); `expired`: its time is over (reserved for class expiry);
 * `unknown`: it could not be read.
 */
export type ServiceState = "ok" | "failing" | "asleep" | "expired" | "unknown";

/** A column: a short header for the table, the full title for the legend. */
export interface GridColumn {
  readonly key: string;
  readonly header: string;
  /** Printed under the table as `header  title`. @default none */
  readonly title?: string;
}

/** One cell: what the table shows and, for problems, why. */
export interface GridCell {
  readonly text: string;
  /** Printed under the table as `! row column: detail`. @default none */
  readonly detail?: string;
}

export interface GridRow {
  readonly key: string;
  readonly cells: Readonly<Record<string, GridCell>>;
}

/** Rows × columns; `corner` heads the row keys. */
export interface Grid {
  readonly corner: string;
  readonly columns: readonly GridColumn[];
  readonly rows: readonly GridRow[];
}

/** Shown for a cell a row does not have. */
export const NO_CELL = "-";

/** The grid as aligned text: header, one line per row, the legend, then the details. */
export function renderGrid(g: Grid): string {
  const header = [g.corner, ...g.columns.map((c) => c.header)];
  const body = g.rows.map((r) => [r.key, ...g.columns.map((c) => r.cells[c.key]?.text ?? NO_CELL)]);
  const width = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]!))).join("  ");
  const out = [line(header), ...body.map(line)];
  const legend = g.columns.filter((c) => c.title !== undefined);
  if (legend.length > 0) {
    const w = Math.max(...legend.map((c) => c.header.length));
    out.push("", ...legend.map((c) => `${c.header.padEnd(w)}  ${c.title}`));
  }
  const details = g.rows.flatMap((r) => g.columns.filter((c) => r.cells[c.key]?.detail).map((c) => `! ${r.key} ${c.header}: ${r.cells[c.key]!.detail}`));
  if (details.length > 0) out.push("", ...details);
  return out.join("\n");
}

/** The grid as one JSON-ready value; a missing cell is null. */
export function gridJson(g: Grid): { corner: string; columns: GridColumn[]; rows: { key: string; cells: Record<string, GridCell | null> }[] } {
  return {
    corner: g.corner,
    columns: g.columns.map((c) => ({ ...c })),
    rows: g.rows.map((r) => ({ key: r.key, cells: Object.fromEntries(g.columns.map((c) => [c.key, r.cells[c.key] ? { ...r.cells[c.key]! } : null])) })),
  };
}

// ---------------------------------------------------------------- class status

/** One service of a lab. */
export interface ServiceStatus {
  readonly state: ServiceState;
  /** Why it is not ok (a pod's reason, a probe's last line). @default none */
  readonly detail?: string;
}

/** What `class status` learned about one student's lab. */
export interface LabStatus {
  readonly student: string;
  readonly lab: string;
  readonly services: Readonly<Record<string, ServiceStatus>>;
  /**
   * Newest Jupyter activity (ISO 8601): the server's own `last_activity` or
   * a kernel's. `null`: nothing happened since the server started;
   * undefined: it could not be read (asleep, failing).
   */
  readonly lastUsed?: string | null;
  /** When the janitor will put the lab to sleep, or why it sleeps. @default none (no janitor) */
  readonly schedule?: LabSchedule;
}

/** A lab's sleep schedule as the status shows it (ISO times). */
export interface LabSchedule {
  /** The next time the janitor puts it to sleep, and why. @default none */
  readonly next?: { readonly at: string; readonly reason: "idle" | "expired" };
  /** Present when it sleeps. @default none */
  readonly asleep?: { readonly since: string; readonly reason: string };
}

const SEVERITY: Record<ServiceState, number> = { failing: 4, unknown: 3, expired: 2, asleep: 1, ok: 0 };

/** A lab's state: its worst service (failing before unknown, expired, asleep, ok). */
export function labState(lab: LabStatus): ServiceState {
  const states = Object.values(lab.services).map((s) => s.state);
  if (states.length === 0) return "unknown";
  return states.reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a));
}

/** `5 min ago`, `3 h ago`, `2 d ago`; `never` for null, `?` when unknown. */
export function ago(iso: string | null | undefined, now: Date): string {
  if (iso === null) return "never";
  if (iso === undefined) return "?";
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "?";
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Key of the last-used column. */
export const LAST_USED = "last used";
/** Key of the sleep-schedule column. */
export const SLEEPS = "sleeps";

/** `in 38 min (idle)`, `due (expired)`, `asleep (idle)`; `-` without a schedule. */
export function sleepsText(s: LabSchedule | undefined, now: Date): string {
  if (s?.asleep) return `asleep (${s.asleep.reason})`;
  if (!s?.next) return NO_CELL;
  const left = Math.round((Date.parse(s.next.at) - now.getTime()) / 1000);
  if (left <= 0) return `due (${s.next.reason})`;
  const span = left < 3600 ? `${Math.max(1, Math.floor(left / 60))} min` : left < 86400 ? `${Math.floor(left / 3600)} h ${Math.floor((left % 3600) / 60)} min` : `${Math.floor(left / 86400)} d`;
  return `in ${span} (${s.next.reason})`;
}

/** The status grid: a row per student, a column per service, then `last used` and (with a janitor) `sleeps`. */
export function statusGrid(services: readonly string[], labs: readonly LabStatus[], now: Date): Grid {
  const scheduled = labs.some((l) => l.schedule !== undefined);
  return {
    corner: "STUDENT",
    columns: [...services.map((s) => ({ key: s, header: s })), { key: LAST_USED, header: LAST_USED }, ...(scheduled ? [{ key: SLEEPS, header: SLEEPS }] : [])],
    rows: labs.map((l) => ({
      key: l.student,
      cells: {
        ...Object.fromEntries(Object.entries(l.services).map(([name, s]) => [name, { text: s.state, ...(s.detail && s.state !== "ok" ? { detail: s.detail } : {}) }])),
        [LAST_USED]: { text: ago(l.lastUsed, now) },
        ...(scheduled ? { [SLEEPS]: { text: sleepsText(l.schedule, now) } } : {}),
      },
    })),
  };
}

/** Labs per state, every state listed. */
export function stateCounts(labs: readonly LabStatus[]): Record<ServiceState, number> {
  const counts: Record<ServiceState, number> = { ok: 0, failing: 0, asleep: 0, expired: 0, unknown: 0 };
  for (const l of labs) counts[labState(l)]++;
  return counts;
}

/** The `class status --json` document. */
export function statusDocument(className: string, module: number, services: readonly string[], labs: readonly LabStatus[], now: Date) {
  return {
    class: className,
    module,
    at: now.toISOString(),
    services: [...services],
    counts: stateCounts(labs),
    students: labs.map((l) => ({ student: l.student, lab: l.lab, state: labState(l), services: l.services, lastUsed: l.lastUsed ?? null, lastUsedKnown: l.lastUsed !== undefined, ...(l.schedule ? { schedule: l.schedule } : {}) })),
  };
}

// ---------------------------------------------------------------- class check

/** One exercise of one student: passed, failed, or not graded (no submission). */
export type ExerciseMark = "pass" | "fail" | "none";

/** A student's row of the check grid. */
export interface CheckRow {
  readonly student: string;
  /** One mark per exercise, in the order of the exercises. */
  readonly marks: readonly ExerciseMark[];
  /** Why the whole lab failed (timed out, no lab), shown under the table. @default none */
  readonly note?: string;
}

/** Key of the check grid's total column. */
export const TOTAL = "passed";

/** The check grid: a row per student, a numbered column per exercise (titles in the legend), then the total. */
export function checkGrid(exercises: readonly string[], rows: readonly CheckRow[]): Grid {
  const cols: GridColumn[] = exercises.map((e, i) => ({ key: `e${i + 1}`, header: `E${i + 1}`, title: e }));
  return {
    corner: "STUDENT",
    columns: [...cols, { key: TOTAL, header: TOTAL }],
    rows: rows.map((r) => ({
      key: r.student,
      cells: {
        ...Object.fromEntries(cols.map((c, i) => [c.key, { text: r.marks[i] ?? "none" }])),
        [TOTAL]: { text: `${r.marks.filter((m) => m === "pass").length}/${exercises.length}`, ...(r.note ? { detail: r.note } : {}) },
      },
    })),
  };
}
