/** Exit codes of labctl. */
export const EXIT = {
  ok: 0,
  /** A check or probe failed. */
  failed: 1,
  /** Bad arguments or configuration. */
  usage: 2,
  /** A prerequisite is missing (Docker, Pulumi CLI, memory). */
  environment: 3,
} as const;

/** An error shown to the user as one line, with a meaningful exit code. */
export class UserError extends Error {
  constructor(message: string, public readonly exitCode: number = EXIT.usage) {
    super(message);
    this.name = "UserError";
  }
}
