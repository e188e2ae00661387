/**
 * The benchmark's command line (pure): `--quick`, `--write`, `--runs`,
 * `--sections`, `--modules`, `--class-sizes`, `--idle-seconds`; each bad
 * value is an error naming the flag and the fix.
 */
import { parseArgs } from "util";
import { ModuleId } from "../../components/lab/modules";

export const SECTIONS = ["docker", "kube", "class", "status"] as const;
export type Section = (typeof SECTIONS)[number];

/** Parsed command line. */
export interface BenchArgs {
  readonly sections: Section[];
  readonly modules: ModuleId[];
  readonly runs: number;
  readonly classSizes: number[];
  readonly idleSeconds: number;
  readonly quick: boolean;
  readonly write: boolean;
}

/** Comma-separated whole numbers that pass `ok`, or an error naming the flag and the fix. */
function numbers(flag: string, text: string, ok: (n: number) => boolean, fix: string): number[] {
  const out = text.split(",").map((x) => Number(x.trim()));
  const bad = out.find((n) => !Number.isInteger(n) || !ok(n));
  if (bad !== undefined || out.length === 0) throw new Error(`--${flag} ${text}: ${fix}`);
  return out;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs & { explicitSections: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      runs: { type: "string" },
      sections: { type: "string" },
      modules: { type: "string", default: "1,2,3,4,5" },
      "class-sizes": { type: "string", default: "10,30,100" },
      "idle-seconds": { type: "string", default: "60" },
    },
  });
  const quick = values.quick === true;
  const runs = numbers("runs", values.runs ?? (quick ? "1" : "5"), (n) => n >= 1, "use a whole number from 1")[0]!;
  const sections = (values.sections ?? SECTIONS.join(",")).split(",") as Section[];
  const unknown = sections.find((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown) throw new Error(`--sections ${unknown}: use ${SECTIONS.join(", ")}`);
  return {
    quick,
    write: values.write === true || !quick,
    runs,
    sections,
    explicitSections: values.sections !== undefined,
    modules: numbers("modules", values.modules!, (n) => n >= 1 && n <= 5, "use module numbers 1-5, comma-separated") as ModuleId[],
    classSizes: numbers("class-sizes", values["class-sizes"]!, (n) => n >= 1 && n <= 500, "use class sizes from 1 to 500, comma-separated"),
    idleSeconds: numbers("idle-seconds", values["idle-seconds"]!, (n) => n >= 0, "use whole seconds")[0]!,
  };
}
