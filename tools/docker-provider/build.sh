# The Pulumi Docker provider plugin (pulumi-resource-docker), built from this folder's Go module
# (the Terraform Docker provider behind pulumi-terraform-bridge; see main.go).
#
# Sourced by scripts/toolchain.sh, which runs `run_step docker-provider step_docker_provider`;
# uses its helpers (scripts/lib/common.sh) and variables (REPO, BIN, LOGS, TMPD, CLEANUP).
# The plugin goes into $BIN, which env.sh and labctl put on PATH, where the Pulumi CLI looks for
# plugins before its plugin cache (no download). Its version is the @pulumi/docker version that
# package-lock.json locks. Rebuilt when that version or a file of this folder changes, or with
# TOOLCHAIN_FORCE=docker-provider; otherwise reused (the ~80 MB binary and the Go caches stay).
#
# By hand, outside the toolchain:
#   cd tools/docker-provider && CGO_ENABLED=0 go build -tags no_compose \
#       -ldflags "-X main.version=5.2.0" -o ~/.local/bin/pulumi-resource-docker .

step_docker_provider() {
    local dir=$REPO/tools/docker-provider version want out
    version=$(locked_version @pulumi/docker)
    [[ -n $version ]] || die "@pulumi/docker in package-lock.json" "run npm install"
    want="docker $version $(cat "$dir/go.mod" "$dir/go.sum" "$dir/main.go" | sha256sum | cut -c1-16)"
    if ! forced docker-provider && stamp_ok pulumi-resource-docker "$want"; then return 0; fi
    STATUS=built
    need_go
    log_header "$LOGS/docker-provider.log" "pulumi-resource-docker $version"
    out=$(mktemp "$TMPD/docker-provider.XXXXXX")
    CLEANUP+=("$out")
    # no_compose: leaves out the docker_compose resource, which needs cgo (kreuzwerker's build tag).
    (cd "$dir" && go build -tags no_compose -ldflags "-s -w -X main.version=$version" -o "$out" .) \
        >>"$LOGS/docker-provider.log" 2>&1 ||
        die "the Docker provider plugin $version (build failed, see $LOGS/docker-provider.log)" "fix the error in the log and rerun"
    install_bin "$out" pulumi-resource-docker
    stamp_set pulumi-resource-docker "$want"
}
