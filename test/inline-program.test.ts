import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as grpc from "@grpc/grpc-js";
import { LanguageRuntimeClient } from "@pulumi/pulumi/proto/language_grpc_pb";
import { RunRequest } from "@pulumi/pulumi/proto/language_pb";
import { runStackUpdate } from "../lab-workloads/access/stack-run";
import { serveProgram } from "../lab-workloads/access/inline-program";
import { toolchainHome } from "../lab-workloads/access/checkout";

/** The toolchain's CLI (scripts/toolchain.sh); where it has not been built yet, these runs are left to the end-to-end tests. */
const CLI = path.join(toolchainHome(), "bin");
const HAS_CLI = fs.existsSync(path.join(CLI, "pulumi"));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-inline-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A new stack of a project with no program of its own (a Node.js runtime the CLI would have to start). */
async function newStack(name: string): Promise<Stack> {
  const root = fs.mkdtempSync(path.join(dir, "project-"));
  fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: inline-test\nruntime: nodejs\n");
  fs.mkdirSync(path.join(root, "state"));
  const ws = await LocalWorkspace.create({
    workDir: root,
    envVars: { PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`, PULUMI_CONFIG_PASSPHRASE: "inline-test", PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_HOME: path.join(root, "home") },
    pulumiCommand: await PulumiCommand.get({ root: path.dirname(CLI), skipVersionCheck: true }),
  });
  const stack = await Stack.create(name, ws);
  await stack.setConfig("inline-test:greeting", { value: "grüß dich" });
  return stack;
}

describe("serveProgram", () => {
  it("listens on 127.0.0.1, answers the first Run only, and never runs the program when its checks fail", async () => {
    let ran = false;
    const server = await serveProgram({
      ready: () => Promise.reject(new Error("port 127.0.0.1:30020 is taken\nmore")),
      main: () => {
        ran = true;
        return {};
      },
    });
    const client = new LanguageRuntimeClient(server.address, grpc.credentials.createInsecure());
    const run = () => new Promise<grpc.ServiceError | null>((resolve) => client.run(new RunRequest(), (err) => resolve(err)));
    try {
      expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
      const first = await run();
      expect(first?.code).toBe(grpc.status.ABORTED);
      expect(first?.details).toBe("labctl stopped before the program ran: port 127.0.0.1:30020 is taken");
      expect((server.stoppedBy()?.error as Error).message).toMatch(/^port 127\.0\.0\.1:30020 is taken/);
      // Another caller finding the port: refused, whatever the first run did.
      const second = await run();
      expect(second?.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(ran).toBe(false);
    } finally {
      client.close();
      server.close();
    }
  });
});

describe.skipIf(!HAS_CLI)("runStackUpdate with a program in this process (the toolchain's CLI)", () => {
  it("runs the program once its checks passed, with the stack's settings, and keeps its outputs", async () => {
    const stack = await newStack("runs");
    const order: string[] = [];
    await runStackUpdate(stack, "up", {
      program: {
        // Checks that end after the CLI has asked for the program (it asks about 0.3 s after its start).
        ready: async () => {
          order.push("checks start");
          await new Promise((resolve) => setTimeout(resolve, 1500));
          order.push("checks end");
        },
        main: () => {
          order.push("main");
          return { greeting: new pulumi.Config().require("greeting"), answer: 42 };
        },
      },
    });
    expect(order).toEqual(["checks start", "checks end", "main"]);
    const outputs = await stack.outputs();
    expect(outputs["greeting"]?.value).toBe("grüß dich");
    expect(outputs["answer"]?.value).toBe(42);
  }, 120_000);

  it("does not run the program when its checks fail: the checks' error, and nothing registered", async () => {
    const stack = await newStack("stopped");
    let ran = false;
    const failure = new Error("port 127.0.0.1:30020 is taken");
    const err = await runStackUpdate(stack, "up", {
      program: {
        ready: () => new Promise((_, reject) => setTimeout(() => reject(failure), 300)),
        main: () => {
          ran = true;
          return {};
        },
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(failure);
    expect(ran).toBe(false);
    const state = await stack.exportStack();
    expect(state.deployment?.resources ?? []).toEqual([]);
    // Nothing holds the stack: it can go at once.
    await stack.workspace.removeStack(stack.name);
  }, 120_000);

  it("stops the checks when the CLI ends before it asks for the program, and reports the CLI's error", async () => {
    const stack = await newStack("cli-fails");
    // The CLI refuses the stack's passphrase before it asks for the program.
    (stack.workspace as LocalWorkspace).envVars["PULUMI_CONFIG_PASSPHRASE"] = "not-the-passphrase";
    let aborted: boolean | undefined;
    let ran = false;
    const err = (await runStackUpdate(stack, "up", {
      program: {
        ready: async (signal) => {
          await new Promise((resolve) => setTimeout(resolve, 2000));
          aborted = signal.aborted;
        },
        main: () => {
          ran = true;
          return {};
        },
      },
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/incorrect passphrase/);
    // The checks had settled, told to stop, before the run ended.
    expect(aborted).toBe(true);
    expect(ran).toBe(false);
  }, 120_000);

  it("reports a program's own failure as the CLI's", async () => {
    const stack = await newStack("fails");
    const err = (await runStackUpdate(stack, "up", {
      program: {
        main: () => {
          throw new pulumi.RunError("lab.spark.workers: 100 is more than 8");
        },
      },
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/up failed with exit code/);
    expect(err.message).toContain("lab.spark.workers: 100 is more than 8");
  }, 120_000);
});
