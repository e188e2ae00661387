import { beforeAll, describe, expect, it } from "vitest";
import { parseLabConfig } from "../components/config/schema";
import { createLabs } from "../stacks/program";
import { manifest } from "./helpers/fixtures";
import { installMocks, ofType, settle } from "./helpers/mocks";

beforeAll(installMocks);

/** Whether Node has loaded any file of package `name` (an npm package: Node's own loader, which vitest leaves them to). */
const loaded = (name: string) => Object.keys(require.cache).some((f) => f.includes(`/node_modules/${name}/`));

describe("the program on Docker", () => {
  it("loads neither the Kubernetes nor the AWS SDK (0.2 s of every up), and they load on their targets", async () => {
    await createLabs(parseLabConfig({ module: 2 }, manifest));
    await settle();
    expect(ofType("docker:index/container:Container").length).toBeGreaterThan(0);
    expect(loaded("@pulumi/kubernetes")).toBe(false);
    expect(loaded("@pulumi/aws")).toBe(false);
    await createLabs(parseLabConfig({ module: 1, target: "kubernetes", kubernetes: { context: "kind-labs" } }, manifest));
    expect(loaded("@pulumi/kubernetes")).toBe(true);
  });
});
