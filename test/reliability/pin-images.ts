/**
 * When images/manifest.json names a tag that is not built on this machine
 * (another change bumped it and its image is still to be built), a lab can
 * still be stood up from the newest local build of that image: this writes
 * `lab:images.tags` for those images into labctl's stack of the module
 * before `labctl up` (labctl keeps stack settings it does not set itself).
 * Every substitution is printed; nothing is written when every tag is built.
 *
 *   ts-node test/reliability/pin-images.ts <module> [docker|kubernetes]
 */
import { execFileSync } from "child_process";
import { openLabStack } from "../../lab-workloads/access/automation";
import { Target } from "../../components/config/schema";
import { ModuleId, moduleImages } from "../../components/lab/modules";
import { loadImageManifest } from "../../components/config/stack-values";

/** Image tags to use instead of unbuilt manifest tags, for the module's images. */
export function missingImageTags(module: ModuleId): Record<string, string> {
  const manifest = loadImageManifest();
  const tags: Record<string, string> = {};
  for (const image of moduleImages(module)) {
    const want = manifest.images[image as keyof typeof manifest.images]?.tag;
    if (!want) continue;
    const repo = `${manifest.registryPrefix}/${image}`;
    const local = execFileSync("docker", ["images", "--format", "{{.Tag}}", repo], { encoding: "utf8" }).split("\n").filter(Boolean);
    if (local.includes(want) || local.length === 0) continue;
    tags[image] = local.sort().pop()!;
  }
  return tags;
}

/** Writes the substitutions into labctl's stack of the module; returns them. */
export async function pinImages(module: ModuleId, log: (l: string) => void, target: Target = "docker"): Promise<Record<string, string>> {
  const tags = missingImageTags(module);
  if (Object.keys(tags).length === 0) return tags;
  for (const [image, tag] of Object.entries(tags)) log(`note: ${image}'s manifest tag is not built here; the lab uses the local build ${image}:${tag}`);
  await openLabStack({ module, target, config: { images: { tags } } });
  return tags;
}

if (require.main === module) {
  pinImages(Number(process.argv[2]) as ModuleId, (l) => process.stderr.write(`${l}\n`), (process.argv[3] ?? "docker") as Target).catch((err: unknown) => {
    process.stderr.write(`pin-images: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
