/**
 * A Pulumi program run in labctl's own process: the CLI is started with
 * `--client <address>` and asks this process's language server to run it,
 * as the Automation API does for an inline program. Neither the language
 * host nor a Node.js process for the program is started, the program's
 * modules load while the CLI starts, and the program can wait for checks
 * labctl runs meanwhile (see InlineProgram.ready).
 *
 * The server is @pulumi/pulumi's own (`automation/server`, internal to the
 * SDK, whose version package-lock.json pins); it listens on 127.0.0.1 only,
 * on a port of the system's choosing, until the CLI is done, and runs the
 * program once, for the first `Run` call (the CLI's). Like the CLI's own
 * language host and engine, it trusts the machine's loopback.
 */
import type * as grpc from "@grpc/grpc-js";

/** A program's outputs: the stack's. */
export type ProgramOutputs = Readonly<Record<string, unknown>>;

/** A program for {@link serveProgram}. */
export interface InlineProgram {
  /** Registers the program's resources; its outputs are the stack's. */
  readonly main: () => ProgramOutputs | Promise<ProgramOutputs>;
  /**
   * Called once the CLI has started (see ProgramServer.start); the program
   * runs when its promise resolves. When it rejects, the program does not run
   * and nothing is registered (not even the stack's own resource): the CLI's
   * update fails, and the run reports this rejection instead. Work that can
   * overlap the CLI's start, such as loading the program's modules and
   * checks that must pass before anything is created, goes here. `signal`
   * aborts when the CLI ends without asking for the program (it failed on its
   * own): return then, before any further step that changes anything. @default none: the program runs when the CLI asks
   */
  readonly ready?: (signal: AbortSignal) => Promise<unknown>;
}

/** A language server for one CLI run. */
export interface ProgramServer {
  /** For the CLI's `--client`: 127.0.0.1 and the server's port. */
  readonly address: string;
  /** Starts the program's `ready` (once the CLI has started; at the latest when the CLI asks for the program). */
  start(): void;
  /**
   * Once the CLI has ended: aborts a `ready` the CLI never waited for (see
   * InlineProgram.ready) and waits for it to settle, so that no check is left
   * running and a check's failure is known.
   */
  settle(): Promise<void>;
  /** The rejection of the program's `ready`, once it has rejected. */
  stoppedBy(): { readonly error: unknown } | undefined;
  /** Stops the server (once the CLI is done). */
  close(): void;
}

type Handler = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => void;

/** What labctl uses of the SDK's language server. */
interface SdkLanguageServer {
  run: Handler;
  getRequiredPlugins: Handler;
  getPluginInfo: Handler;
}

/** Starts a language server that runs `program` once the CLI asks (see ProgramServer). */
export async function serveProgram(program: InlineProgram): Promise<ProgramServer> {
  const grpcJs = await import("@grpc/grpc-js");
  // The SDK's internal modules, which have no type declarations.
  const { LanguageServer } = require("@pulumi/pulumi/automation/server") as { LanguageServer: new (program: () => Promise<ProgramOutputs>) => SdkLanguageServer };
  const { LanguageRuntimeService } = require("@pulumi/pulumi/proto/language_grpc_pb") as { LanguageRuntimeService: grpc.ServiceDefinition };
  const { grpcChannelOptions } = require("@pulumi/pulumi/runtime/settings") as { grpcChannelOptions: grpc.ChannelOptions };
  let stopped: { error: unknown } | undefined;
  let ready: Promise<unknown> | undefined;
  const abort = new AbortController();
  const start = (): Promise<unknown> => {
    if (!ready) {
      ready = Promise.resolve()
        .then(() => program.ready?.(abort.signal))
        .catch((error: unknown) => {
          stopped = { error };
          throw error;
        });
      ready.catch(() => undefined);
    }
    return ready;
  };
  const sdk = new LanguageServer(async () => program.main());
  let asked = false;
  const service: Record<keyof SdkLanguageServer, Handler> = {
    getRequiredPlugins: (call, callback) => sdk.getRequiredPlugins(call, callback),
    getPluginInfo: (call, callback) => sdk.getPluginInfo(call, callback),
    run: (call, callback) => {
      // One run per server, the first caller's (the CLI's, which asks once): a later call is refused. Like the
      // CLI's own language host and engine, the server trusts the machine's loopback.
      if (asked) return callback({ code: grpcJs.status.FAILED_PRECONDITION, details: "this program runs once, for the CLI that labctl started" }, null);
      asked = true;
      start().then(
        () => sdk.run(call, callback),
        (error: unknown) => callback({ code: grpcJs.status.ABORTED, details: `labctl stopped before the program ran: ${String((error as Error)?.message ?? error).split("\n")[0]}` }, null),
      );
    },
  };
  const server = new grpcJs.Server({ ...grpcChannelOptions });
  server.addService(LanguageRuntimeService, service);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpcJs.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    address: `127.0.0.1:${port}`,
    start: () => void start(),
    settle: async () => {
      if (!asked) abort.abort();
      await ready?.catch(() => undefined);
    },
    stoppedBy: () => stopped,
    close: () => server.forceShutdown(),
  };
}
