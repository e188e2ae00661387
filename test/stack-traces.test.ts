import { afterEach, describe, expect, it } from "vitest";
import { lightStackTraces } from "../stacks/stack-traces";

const saved = { prepare: Error.prepareStackTrace, limit: Error.stackTraceLimit };
afterEach(() => {
  if (saved.prepare) Error.prepareStackTrace = saved.prepare;
  else delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  Error.stackTraceLimit = saved.limit;
});

describe("the program's stack traces", () => {
  it("are left out unless LABS_DEBUG=1", () => {
    Error.prepareStackTrace = () => "mapped";
    expect(lightStackTraces({})).toBe(true);
    expect(Error.prepareStackTrace).toBeUndefined();
    expect(new Error("boom").stack).toBe("Error: boom");
  });
  it("are kept, with their frames, when LABS_DEBUG=1", () => {
    const prepare = () => "mapped";
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = 10;
    expect(lightStackTraces({ LABS_DEBUG: "1" })).toBe(false);
    expect(Error.prepareStackTrace).toBe(prepare);
    expect(Error.stackTraceLimit).toBe(10);
  });
});
