import * as path from "path";
import { ImageManifest } from "../../components/config/schema";
import { SpecContext } from "../../components/core/context";
import { loadImageManifest } from "../../components/config/stack-values";

/** The repository's real image manifest. */
export const manifest: ImageManifest = loadImageManifest(path.join(__dirname, "..", ".."));

/** A spec context with the manifest's images and ports from 30000. */
export function context(overrides: Partial<SpecContext> = {}): SpecContext {
  const images = Object.fromEntries(
    Object.entries(manifest.images).map(([k, v]) => [k, `${manifest.registryPrefix}/${k}:${v.tag}`]),
  ) as unknown as SpecContext["images"];
  return { images, hostPortBase: 30000, fieldPrefix: "lab:services", ...overrides };
}
