/**
 * `labctl class <verb>`: a whole class on one cluster (one isolated lab per
 * student). Each verb lives in its own file; this only reads the arguments.
 */
import { parseArgs } from "util";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import { resolveModule } from "../command-args";
import { classCheck, intOption } from "./class-check";
import { classConnect } from "./class-connect";
import { classReset } from "./class-reset";
import { classStatus } from "./class-status";
import { classDown } from "./class-down";
import { classSleep } from "./class-sleep";
import { classWake } from "./class-wake";
import { classExtend } from "./class-extend";
import { classHandout } from "./class-handout";
import { classPreflightFromStack } from "./class-preflight";
import { classUp } from "./class-up";
import { Io } from "./shared";

export const CLASS_USAGE = `usage: labctl class <verb> [options]
  up <module> --roster FILE [--name NAME] [--target kubernetes|aws] [--kubeconfig FILE] [--context NAME]
     [--cpu-request-scale 0.05-1] [--allow-no-isolation] [--idle-after 45m] [--expires-after 4h] [--json]
                                       one isolated lab per student (roster: one name[,email] per line);
                                       with --idle-after/--expires-after a janitor puts idle or expired labs to sleep
  handout [--class NAME] --out DIR [--print] [--json]
                                       a folder per student (kubeconfig, credentials, how-to; files 0600) and roster.csv
  down [--class NAME] [--json]         destroy every lab of the class and verify nothing of it is left
  connect STUDENT [--class NAME]       course staff into a student's lab: JupyterLab (with the token) and UIs on 127.0.0.1
  sleep [--student NAME] [--class NAME]  scale a lab (or every lab) to zero, volumes kept
  wake [--student NAME] [--class NAME]   bring it back as it was stood up, with its data
  extend STUDENT DURATION [--class NAME] push a lab's expiry back, e.g. labctl class extend alice 1h
  status [--class NAME] [--deep] [--parallel K] [--json]
                                       a row per student: each service ok, failing or asleep, and when the lab was last used
  check [--class NAME] [--solutions DIR [--unsubmitted fail|reference]] [--timeout SECONDS] [--parallel K] [--seed N] [--out DIR] [--json]
                                       the module's checks in every lab (each student's files from DIR/<student>/),
                                       a grid, nbgrader.csv, canvas.csv and feedback/<student>.md (default .labs/grades/)
  reset [--student NAME] [--class NAME] [--json]
                                       every lab (or one) back to the module's start
  preflight STACK_FILE [--json]        AWS class: labs per node, nodes needed, hourly estimate (no AWS calls)`;

/** Runs `labctl class ...` with the arguments after `class`. */
export async function classCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      roster: { type: "string" },
      name: { type: "string" },
      class: { type: "string" },
      target: { type: "string", default: "kubernetes" },
      kubeconfig: { type: "string" },
      context: { type: "string" },
      "cpu-request-scale": { type: "string" },
      "allow-no-isolation": { type: "boolean", default: false },
      "idle-after": { type: "string" },
      "expires-after": { type: "string" },
      out: { type: "string" },
      student: { type: "string" },
      deep: { type: "boolean", default: false },
      solutions: { type: "string" },
      timeout: { type: "string" },
      parallel: { type: "string" },
      seed: { type: "string" },
      unsubmitted: { type: "string" },
      print: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [verb, arg, ...rest] = positionals;
  if (values.help || !verb) {
    io.out(CLASS_USAGE);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  if (rest.length > (verb === "extend" ? 1 : 0)) throw new UserError(`unexpected argument "${rest[0]}"; see labctl class --help`);
  const className = values.class;
  switch (verb) {
    case "up": {
      if (!values.roster) throw new UserError("class up needs --roster FILE (one student per line: name or name,email)");
      if (values.target !== "kubernetes" && values.target !== "aws") throw new UserError(`--target ${values.target}: a class runs on kubernetes or aws`);
      let scale: number | undefined;
      if (values["cpu-request-scale"] !== undefined) {
        scale = Number(values["cpu-request-scale"]);
        if (!Number.isFinite(scale)) throw new UserError(`--cpu-request-scale ${values["cpu-request-scale"]}: use a number from 0.05 to 1`);
      }
      return classUp(
        {
          module: resolveModule(arg),
          roster: values.roster,
          target: values.target,
          allowNoIsolation: values["allow-no-isolation"],
          json: values.json,
          ...(values.name ? { name: values.name } : {}),
          ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
          ...(values.context ? { context: values.context } : {}),
          ...(scale !== undefined ? { cpuRequestScale: scale } : {}),
          ...(values["idle-after"] ? { idleAfter: values["idle-after"] } : {}),
          ...(values["expires-after"] ? { expiresAfter: values["expires-after"] } : {}),
        },
        io,
      );
    }
    case "handout":
      if (!values.out) throw new UserError("class handout needs --out DIR");
      return classHandout({ out: values.out, print: values.print, json: values.json, ...(className ? { className } : {}) }, io);
    case "connect":
      if (!arg) throw new UserError("class connect needs a student's name, e.g. labctl class connect alice");
      return classConnect({ student: arg, json: values.json, ...(className ? { className } : {}) }, io);
    case "sleep":
      return classSleep({ json: values.json, ...(className ? { className } : {}), ...(values.student ? { student: values.student } : {}) }, io);
    case "wake":
      return classWake({ json: values.json, ...(className ? { className } : {}), ...(values.student ? { student: values.student } : {}) }, io);
    case "extend":
      if (!arg || !rest[0]) throw new UserError("class extend needs a student and a duration, e.g. labctl class extend alice 1h");
      return classExtend({ student: arg, duration: rest[0], json: values.json, ...(className ? { className } : {}) }, io);
    case "status": {
      const parallel = intOption("parallel", values.parallel, 1, 64);
      return classStatus({ json: values.json, deep: values.deep, ...(className ? { className } : {}), ...(parallel ? { parallel } : {}) }, io);
    }
    case "check": {
      const timeoutSeconds = intOption("timeout", values.timeout, 1, 86400);
      const parallel = intOption("parallel", values.parallel, 1, 64);
      const seed = intOption("seed", values.seed, 0, 2 ** 31 - 1);
      const unsubmitted = values.unsubmitted;
      if (unsubmitted !== undefined && unsubmitted !== "fail" && unsubmitted !== "reference") throw new UserError(`--unsubmitted ${unsubmitted}: use fail (a file not handed in fails its exercise) or reference (the reference solution runs)`);
      return classCheck(
        {
          json: values.json,
          ...(className ? { className } : {}),
          ...(values.solutions ? { solutions: values.solutions } : {}),
          ...(values.out ? { out: values.out } : {}),
          ...(timeoutSeconds ? { timeoutSeconds } : {}),
          ...(parallel ? { parallel } : {}),
          ...(seed !== undefined ? { seed } : {}),
          ...(unsubmitted ? { unsubmitted } : {}),
        },
        io,
      );
    }
    case "reset":
      return classReset({ json: values.json, ...(className ? { className } : {}), ...(values.student !== undefined ? { student: values.student } : {}) }, io);
    case "down":
      return classDown({ json: values.json, ...(className ? { className } : {}) }, io);
    case "preflight": {
      if (!arg) throw new UserError("class preflight needs a stack file, e.g. stacks/Pulumi.instructor-eks.yaml");
      return classPreflightFromStack(arg, values.json, io).go ? EXIT.ok : EXIT.environment;
    }
    default:
      throw new UserError(`unknown class verb "${verb}"; use up, handout, connect, sleep, wake, extend, status, check, reset, down or preflight (labctl class --help)`);
  }
}
