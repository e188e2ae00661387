# One image inspect instead of a list of every local image, applied at build time to a copy of
# the Terraform Docker provider's module (like waits.sh; nothing of upstream is kept here).
#
# kreuzwerker's provider finds an image by inspecting it by name and then looking its ID up in a
# list of all local images (ImageList), which it fetches again for every image resource and before
# every container's create: two lists per image and one per container in a fresh `up`. dockerd
# builds that list in 60-100 ms with 25-30 images here, longer with the hundreds of images a
# developer's laptop keeps, and answers parallel lists one after another, so a lab's containers
# were created up to 0.45 s after their create began. The inspect alone says everything the
# provider reads from the list entry (ID, tags and digests), so here the list is left empty and the
# entry is made from the inspect. An image the inspect does not find is still pulled, as before.
#
#   patch_docker_provider_image_lookup <module dir>   edits the copy in place; fails unless both
#                                                     lines were found once and changed
patch_docker_provider_image_lookup() {
    local file=$1/internal/provider/resource_docker_image_funcs.go n m
    local list='^\simages, err := client\.ImageList\(ctx, image\.ListOptions\{All: false\}\)$'
    # searchLocalImages' last line, reached when the inspected image is not in the (now empty) list.
    local search='/^func searchLocalImages\(/,/^}/'
    n=$(grep -cE "$list" "$file") || true
    m=$(sed -n -E "${search}p" "$file" | grep -cE '^\sreturn nil, nil$') || true
    [[ $n == 1 && $m == 1 ]] || { echo "docker provider image lookup: fetchLocalImages' ImageList call (found $n) or searchLocalImages' final 'return nil, nil' (found $m) not found once in $file; update tools/docker-provider/image-lookup.sh for this provider version" >&2; return 1; }
    sed -i -E -e "s/$list/\timages, err := []image.Summary(nil), error(nil) \/\/ bigdata-labs: searchLocalImages inspects instead/" \
        -e "${search} s/^\sreturn nil, nil$/\treturn \&image.Summary{ID: imageInspect.ID, RepoTags: imageInspect.RepoTags, RepoDigests: imageInspect.RepoDigests}, nil/" "$file"
}
