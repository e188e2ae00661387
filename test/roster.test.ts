import { describe, expect, it } from "vitest";
import { parseRoster } from "../cli/class/roster";

describe("roster files", () => {
  it("reads names with optional e-mails, skipping a header, comments and blank lines", () => {
    const text = "name,email\n# section A\nalice,alice@example.org\n\nbob\n  carol , carol@example.org \r\n";
    expect(parseRoster(text, "students.csv")).toEqual([
      { name: "alice", email: "alice@example.org" },
      { name: "bob" },
      { name: "carol", email: "carol@example.org" },
    ]);
  });

  it.each([
    ["a bad name, by its line number", "alice\nBad Name\n", /^students\.csv line 2: "Bad Name" is not a DNS label/],
    ["a duplicate, with both lines", "alice\nbob\nalice,a@example.org\n", /^students\.csv line 3: "alice" is listed twice \(first on line 1\)/],
    ["a bad e-mail", "alice,not-an-address\n", /^students\.csv line 1: "not-an-address" is not an e-mail address/],
    ["too many fields", "alice,a@example.org,extra\n", /^students\.csv line 1: 3 fields; write name or name,email/],
    ["a name too long for a lab name", `${"a".repeat(21)}\n`, /^students\.csv line 1: "a{21}" is not a DNS label\. Use at most 20/],
    ["no student at all", "# nobody\n\n", /^students\.csv: no students/],
  ])("refuses %s in one line", (_what, text, message) => {
    expect(() => parseRoster(text, "students.csv")).toThrow(message);
  });
});
