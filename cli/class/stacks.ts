/**
 * Class stacks: one Pulumi stack per class, `class-<name>`, in this
 * checkout's local state. Every class command reads the class back from its
 * stack (settings, outputs, recorded cluster), never from defaults.
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { labWorkspace, selectLabStack } from "../../lab-workloads/access/automation";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { labInstances } from "../../components/config/schema";
import { readStack, StoodUp } from "../../lab-workloads/access/stack-lab";

/** The stack name of class `name`. */
export function classStackName(name: string): string {
  return `class-${name}`;
}

/** Names of the classes of this checkout (stacks `class-<name>`). */
export async function classNames(ws: LocalWorkspace): Promise<string[]> {
  return (await ws.listStacks()).map((s) => /^class-(.+)$/.exec(s.name)?.[1]).filter((n): n is string => n !== undefined);
}

/**
 * The stood-up class `name` (or the only class of this checkout). A missing
 * class, or a stack that is not a class, is one line and changes nothing.
 */
export async function openClass(name: string | undefined): Promise<StoodUp> {
  const names = await classNames(await labWorkspace());
  const chosen = name ?? (names.length === 1 ? names[0] : undefined);
  if (!chosen) {
    throw new UserError(names.length === 0 ? "no class has been stood up from this checkout; start one with labctl class up <module> --roster FILE" : `which class? Use --class with one of: ${names.join(", ")}`);
  }
  if (!names.includes(chosen)) throw new UserError(`no class "${chosen}" in this checkout${names.length ? ` (classes: ${names.join(", ")})` : ""}`);
  const stood = await readStack(await selectLabStack(classStackName(chosen)));
  if (stood.cfg.students.length === 0) throw new UserError(`stack ${classStackName(chosen)} is not a class (it has no students)`, EXIT.usage);
  return stood;
}

/** The labs a command acts on: one student's, or every lab of the class. */
export function labsOf(stood: StoodUp, student: string | undefined): string[] {
  return student ? [studentLab(stood, student)] : labInstances(stood.cfg).map((l) => l.name);
}

/** The lab of `student` in a class; an unknown student is one line. */
export function studentLab(stood: StoodUp, student: string): string {
  const entry = stood.classroom?.students.find((s) => s.name === student);
  if (!entry) throw new UserError(`no student "${student}" in class ${stood.cfg.name} (students: ${stood.cfg.students.join(", ")})`);
  return entry.lab;
}
