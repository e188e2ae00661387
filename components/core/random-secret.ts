import * as pulumi from "@pulumi/pulumi";

/** Untyped property bag the dynamic-provider protocol hands over. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

/** Inputs of a {@link RandomSecret}. */
export interface RandomSecretArgs {
  /** Number of characters. @default 32 */
  readonly length?: number;
}

const randomSecretProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Props) {
    const crypto = require("crypto") as typeof import("crypto");
    const length = inputs["length"] as number;
    // base64url of enough random bytes, cut to length: letters, digits, '-' and '_'.
    const value = crypto.randomBytes(Math.ceil((length * 3) / 4) + 3).toString("base64url").slice(0, length);
    return { id: crypto.randomUUID(), outs: { length, value } };
  },
  async diff(_id: string, olds: Props, news: Props) {
    const changed = olds["length"] !== news["length"];
    return { changes: changed, replaces: changed ? ["length"] : [] };
  },
};

/**
 * A random string generated once and kept, encrypted, in the stack's state:
 * lab passwords and tokens. A later `pulumi up` keeps the same value.
 */
export class RandomSecret extends pulumi.dynamic.Resource {
  /** The generated value, a Pulumi secret. */
  declare public readonly value: pulumi.Output<string>;

  constructor(name: string, args: RandomSecretArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const length = args.length ?? 32;
    if (!Number.isInteger(length) || length < 16 || length > 128) {
      throw new Error(`RandomSecret ${name}: length must be an integer from 16 to 128 (got ${length})`);
    }
    super(randomSecretProvider, name, { length, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] }, "random", "Secret");
  }
}
