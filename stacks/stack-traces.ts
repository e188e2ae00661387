/**
 * Stack traces are most of the program's work in a large class: Pulumi takes
 * one for every resource and for every promise it wraps, and ts-node maps
 * each one through source maps. A class of 100 module-5 labs (3,905
 * resources, under mocks) took 23 s of CPU with them and 9 s without. The
 * program reports problems in one line anyway, so unless LABS_DEBUG=1 it
 * takes none: V8's own formatting, and no frames.
 */
export function lightStackTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env["LABS_DEBUG"] === "1") return false;
  delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  Error.stackTraceLimit = 0;
  return true;
}

lightStackTraces();
