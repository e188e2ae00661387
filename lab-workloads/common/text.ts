/** Small text helpers shared by the command line, the drivers and the tests. */

/** The last non-empty line of a command's output, cut to `max` characters (for one-line reports). */
export function lastLine(text: string, max = 300): string {
  return (text.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? "").slice(0, max);
}
