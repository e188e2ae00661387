# The Pulumi Docker provider plugin (pulumi-resource-docker), built from this folder's Go module
# (the Terraform Docker provider behind pulumi-terraform-bridge; see main.go).
#
# Sourced by scripts/toolchain.sh, which runs `run_step docker-provider step_docker_provider`;
# uses its helpers (scripts/lib/common.sh) and variables (REPO, BIN, LOGS, TMPD, CLEANUP).
# The plugin goes into $BIN, which env.sh and labctl put on PATH, where the Pulumi CLI looks for
# plugins before its plugin cache (no download). Its version is the @pulumi/docker version that
# package-lock.json locks. Rebuilt when that version or a file of this folder changes, or with
# TOOLCHAIN_FORCE=docker-provider; otherwise reused (the ~80 MB binary and the Go caches stay).
# The Terraform provider's module is built from a copy with shorter fixed waits (waits.sh) and
# an image lookup by inspect alone (image-lookup.sh).
#
# By hand, outside the toolchain (without the shorter waits):
#   cd tools/docker-provider && CGO_ENABLED=0 go build -tags no_compose \
#       -ldflags "-X main.version=5.2.0" -o ~/.local/bin/pulumi-resource-docker .

step_docker_provider() {
    local dir=$REPO/tools/docker-provider version want out build tf
    version=$(locked_version @pulumi/docker)
    [[ -n $version ]] || die "@pulumi/docker in package-lock.json" "run npm install"
    want="docker $version $(cat "$dir/go.mod" "$dir/go.sum" "$dir/main.go" "$dir/waits.sh" "$dir/image-lookup.sh" | sha256sum | cut -c1-16)"
    if ! forced docker-provider && stamp_ok pulumi-resource-docker "$want"; then return 0; fi
    STATUS=built
    need_go
    log_header "$LOGS/docker-provider.log" "pulumi-resource-docker $version"
    out=$(mktemp "$TMPD/docker-provider.XXXXXX")
    build=$(mktemp -d "$TMPD/docker-provider-build.XXXXXX")
    CLEANUP+=("$out" "$build")
    # This module in a scratch folder, its Terraform provider replaced by a patched copy of the cached one.
    tf=$(cd "$dir" && go mod download -json github.com/terraform-providers/terraform-provider-docker | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
    [[ -d $tf ]] || die "the Terraform Docker provider's module (go mod download failed, see $LOGS/docker-provider.log)" "check the Go module proxy and rerun"
    cp "$dir/go.mod" "$dir/go.sum" "$dir/main.go" "$build/"
    cp -r "$tf" "$build/tf" && chmod -R u+w "$build/tf"
    . "$dir/waits.sh"
    patch_docker_provider_waits "$build/tf" 2>>"$LOGS/docker-provider.log" ||
        die "the Docker provider's shorter waits (see $LOGS/docker-provider.log)" "update tools/docker-provider/waits.sh for this provider version"
    . "$dir/image-lookup.sh"
    patch_docker_provider_image_lookup "$build/tf" 2>>"$LOGS/docker-provider.log" ||
        die "the Docker provider's image lookup (see $LOGS/docker-provider.log)" "update tools/docker-provider/image-lookup.sh for this provider version"
    (cd "$build" && go mod edit -replace github.com/terraform-providers/terraform-provider-docker=./tf)
    # no_compose: leaves out the docker_compose resource, which needs cgo (kreuzwerker's build tag).
    (cd "$build" && go build -tags no_compose -ldflags "-s -w -X main.version=$version" -o "$out" .) \
        >>"$LOGS/docker-provider.log" 2>&1 ||
        die "the Docker provider plugin $version (build failed, see $LOGS/docker-provider.log)" "fix the error in the log and rerun"
    install_bin "$out" pulumi-resource-docker
    stamp_set pulumi-resource-docker "$want"
}
