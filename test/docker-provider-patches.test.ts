import { describe, expect, it } from "vitest";
import { runPatchScript } from "./helpers/patch-script";

/** A stand-in of the Terraform provider's module with `source` as resource_docker_image_funcs.go; runs the patch on it. */
const patch = (source: string) =>
  runPatchScript("docker-provider/image-lookup.sh", "patch_docker_provider_image_lookup", "internal/provider/resource_docker_image_funcs.go", source);

const LIST = "\timages, err := client.ImageList(ctx, image.ListOptions{All: false})";
// The two functions as the provider (kreuzwerker, 2026-09) writes them, shortened.
const SOURCE = `func searchLocalImages(ctx context.Context, client *client.Client, data Data, imageName string) (*image.Summary, error) {
\timageInspect, err := client.ImageInspect(ctx, imageName)
\tif err != nil {
\t\tif errdefs.IsNotFound(err) {
\t\t\treturn nil, nil
\t\t}
\t\treturn nil, fmt.Errorf("unable to inspect image %s: %w", imageName, err)
\t}
\tif apiImage, ok := data.DockerImages[imageInspect.ID]; ok {
\t\treturn apiImage, nil
\t}
\treturn nil, nil
}

func fetchLocalImages(ctx context.Context, data *Data, client *client.Client) error {
${LIST}
\tif err != nil {
\t\treturn fmt.Errorf("unable to list Docker images: %w", err)
\t}
\treturn nil
}

func other() (*image.Summary, error) {
\treturn nil, nil
}
`;

describe("tools/docker-provider/image-lookup.sh", () => {
  it("lists no images and makes the found image's entry from its inspect; an image not found stays not found", () => {
    const r = patch(SOURCE);
    expect(r.code).toBe(0);
    expect(r.text).not.toContain("client.ImageList(");
    expect(r.text).toContain("\timages, err := []image.Summary(nil), error(nil)");
    const search = r.text.slice(0, r.text.indexOf("func fetchLocalImages"));
    expect(search).toContain("\t\t\treturn nil, nil\n");
    expect(search).toContain("\treturn &image.Summary{ID: imageInspect.ID, RepoTags: imageInspect.RepoTags, RepoDigests: imageInspect.RepoDigests}, nil\n}");
    expect(r.text.slice(r.text.indexOf("func other"))).toContain("\treturn nil, nil\n");
  });

  it("fails, changing nothing, unless it finds each line once", () => {
    for (const source of [SOURCE.replace(LIST, LIST.replace("All: false", "All: true")), SOURCE.replace("\treturn nil, nil\n}\n\nfunc fetch", "\treturn nil, errNotFound\n}\n\nfunc fetch"), SOURCE + LIST + "\n"]) {
      const r = patch(source);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^docker provider image lookup: .*update tools\/docker-provider\/image-lookup\.sh/);
      expect(r.text).toBe(source);
    }
  });
});
