import * as pulumi from "@pulumi/pulumi";

/** A resource the mock engine was asked to create. */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly urn: string;
}

/** Every resource registered since the last {@link resetRecorded}. */
export const recorded: Recorded[] = [];

/** Empties the record between tests. */
export function resetRecorded(): void {
  recorded.length = 0;
}

/**
 * Installs Pulumi mocks that record each resource's inputs and echo them
 * back as outputs (filling `metadata.name` the way auto-naming would).
 */
export async function installMocks(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, urn: `urn:pulumi:test::bigdata-labs::${args.type}::${args.name}` });
        const state: Record<string, any> = { ...args.inputs };
        if (args.type.startsWith("kubernetes:")) state["metadata"] = { name: args.name, ...(args.inputs["metadata"] ?? {}) };
        if (args.type === "pulumi-nodejs:dynamic/random:Secret") state["value"] = `mock-secret-${args.name}`;
        // The token controller fills a ServiceAccount token Secret; the mock does it at once.
        if (args.type === "kubernetes:core/v1:Secret" && args.inputs["type"] === "kubernetes.io/service-account-token") {
          state["data"] = { token: Buffer.from(`mock-token-${args.name}`).toString("base64") };
        }
        if (args.type === "aws:eks/cluster:Cluster") state["certificateAuthority"] = { data: "Q0E=" };
        if (args.type === "aws:eks/cluster:Cluster") state["endpoint"] = "https://eks.example";
        if (args.type === "aws:ecr/repository:Repository") state["repositoryUrl"] = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${args.inputs["name"] ?? args.name}`;
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") return { names: ["eu-west-1a", "eu-west-1b"], zoneIds: ["a", "b"] };
        return args.inputs;
      },
    },
    "bigdata-labs",
    "test",
    false,
  );
}

/** The value of an output, awaited. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Recorded resources of one type. */
export function ofType(type: string): Recorded[] {
  return recorded.filter((r) => r.type === type);
}

/** Waits until the mock engine has seen every registration queued so far. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 20));
}

/** Pulumi's marker for a secret value in mock inputs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** True when a mock input arrived as a Pulumi secret. */
export function isSecret(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270";
}

/** The plain value of a possibly secret mock input. */
export function unsecret<T = any>(v: unknown): T {
  return (isSecret(v) ? (v as { value: unknown }).value : v) as T;
}
