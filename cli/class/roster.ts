import * as fs from "fs";
import * as path from "path";
import { EMAIL, MAX_STUDENT_NAME } from "../../components/config/schema";
import { LabConfigError } from "../../components/core/errors";
import { requireDnsLabel } from "../../components/core/names";
import { UserError } from "../../lab-workloads/access/errors";

/** One student of a roster. */
export interface RosterEntry {
  /** Login id: a DNS label, the suffix of the student's lab name. */
  readonly name: string;
  readonly email?: string;
}


/**
 * Parses a roster: one student per line, `name[,email]`; blank lines and
 * lines starting with `#` are skipped, and so is a first line whose first
 * field is a header word (`name`, `student`, `login`, `id`). Every problem is
 * one line naming the file and line number. Pure.
 */
export function parseRoster(text: string, file = "roster"): RosterEntry[] {
  const out: RosterEntry[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(",").map((f) => f.trim().replace(/^"(.*)"$/, "$1"));
    if (out.length === 0 && firstLine.size === 0 && /^(name|student|login|id|student_id)$/i.test(fields[0] ?? "")) continue;
    const where = `${path.basename(file)} line ${n}`;
    if (fields.length > 2) throw new UserError(`${where}: ${fields.length} fields; write name or name,email`);
    let name: string;
    try {
      name = requireDnsLabel(where, fields[0], MAX_STUDENT_NAME);
    } catch (err) {
      if (err instanceof LabConfigError) throw new UserError(err.message);
      throw err;
    }
    const email = fields[1];
    if (email !== undefined && email !== "" && !EMAIL.test(email)) throw new UserError(`${where}: "${email}" is not an e-mail address; write name@example.org or leave it out`);
    const seen = firstLine.get(name);
    if (seen !== undefined) throw new UserError(`${where}: "${name}" is listed twice (first on line ${seen}); give every student a unique login`);
    firstLine.set(name, n);
    out.push({ name, ...(email ? { email } : {}) });
  }
  if (out.length === 0) throw new UserError(`${path.basename(file)}: no students; write one login per line (name or name,email)`);
  return out;
}

/** Reads and parses a roster file. */
export function readRoster(file: string): RosterEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`--roster ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  return parseRoster(text, file);
}
