import * as fs from "fs";
import * as path from "path";
import { openClass } from "../class/stacks";
import { UserError } from "../../lab-workloads/access/errors";
import { Io } from "./shared";

/** Options of `labctl class handout`. */
export interface HandoutOptions {
  readonly className?: string;
  /** Folder to write into (created, mode 0700). */
  readonly out: string;
  /** Also print each student's files to the terminal. @default false */
  readonly print: boolean;
  readonly json: boolean;
}

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** A student's how-to, with nothing secret in it. */
function howTo(student: string, lab: string, module: number): string {
  return `# Your lab: ${lab} (module ${module})

This folder is yours alone: keep it private (the files are readable only by you).

- \`kubeconfig\`: reaches your lab and nothing else on the class cluster.
- \`credentials.env\`: your lab's S3 keys and Jupyter token (the lab's services already know them).

## Open your lab

    labctl connect --kubeconfig kubeconfig

prints JupyterLab's address with your token, and the Spark, MinIO, Dask or
HDFS UIs your module has, all on 127.0.0.1; leave it running while you work
(Ctrl-C stops it). Without labctl, kubectl does the same for JupyterLab:

    kubectl --kubeconfig kubeconfig port-forward statefulset/workspace 8888:8888

then open http://127.0.0.1:8888/lab?token=<JUPYTER_TOKEN from credentials.env>.

## Look around

    kubectl --kubeconfig kubeconfig get pods
    kubectl --kubeconfig kubeconfig logs statefulset/spark-master
    kubectl --kubeconfig kubeconfig exec -it statefulset/workspace -- bash

Student: ${student}
`;
}

/**
 * `labctl class handout --out DIR`: one folder per student (kubeconfig,
 * credentials, a how-to), every file 0600 in 0700 folders, and a roster CSV
 * for the instructor. Nothing secret is printed unless `--print`.
 */
export async function classHandout(opts: HandoutOptions, io: Io): Promise<number> {
  const stood = await openClass(opts.className);
  const students = stood.classroom?.students ?? [];
  if (students.length === 0) throw new UserError(`class ${stood.cfg.name} has no labs up; run labctl class up first`);
  fs.mkdirSync(opts.out, { recursive: true, mode: 0o700 });
  fs.chmodSync(opts.out, 0o700);
  const write = (file: string, text: string) => {
    fs.writeFileSync(file, text, { mode: 0o600 });
    fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
  };
  const rows = ["student,email,lab,folder"];
  for (const s of students) {
    const kubeconfig = stood.access[s.lab];
    if (!kubeconfig) throw new UserError(`lab ${s.lab} has no student kubeconfig in the stack's outputs; run labctl class up again`);
    const creds = stood.credentials[s.lab] ?? {};
    const dir = path.join(opts.out, s.name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    write(path.join(dir, "kubeconfig"), kubeconfig);
    const env = [
      `LAB=${s.lab}`,
      ...(creds.jupyterToken ? [`JUPYTER_TOKEN=${creds.jupyterToken}`] : []),
      ...(creds.s3AccessKey ? [`AWS_ACCESS_KEY_ID=${creds.s3AccessKey}`, `AWS_SECRET_ACCESS_KEY=${creds.s3SecretKey ?? ""}`] : []),
    ].join("\n");
    write(path.join(dir, "credentials.env"), `${env}\n`);
    write(path.join(dir, "README.md"), howTo(s.name, s.lab, stood.cfg.module));
    rows.push([s.name, s.email ?? "", s.lab, dir].map(csvField).join(","));
    if (opts.print) io.out(`--- ${s.name} (${s.lab})\n${env}\n${kubeconfig}`);
  }
  write(path.join(opts.out, "roster.csv"), `${rows.join("\n")}\n`);
  if (opts.json) io.out(JSON.stringify({ class: stood.cfg.name, out: path.resolve(opts.out), students: students.map((s) => ({ ...s, folder: path.join(path.resolve(opts.out), s.name) })) }, null, 2));
  else io.out(`Wrote ${students.length} handouts and roster.csv to ${path.resolve(opts.out)} (files 0600). Give each student their own folder only.`);
  return 0;
}
