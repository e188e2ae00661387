#!/usr/bin/env bash
# Offline toolchain for real `pulumi up` runs (invoked as `npm run toolchain`).
#
# Builds or reuses, under one cache root (default /var/cache/bigdata-labs):
#   1. a running Docker engine              (apt: docker.io, debootstrap, jq)
#   2. the base image debian:bookworm-slim   (debootstrap + docker import)
#   3. the Pulumi CLI                        (Go module proxy: pulumi/pkg + pulumi/sdk; one change)
#   4. the Node.js language host             (Go module proxy: pulumi/sdk v3.68.0)
#   5. the dynamic-provider plugin           (a small shell script)
#   6. the Kubernetes provider plugin        (Go module proxy: pulumi-kubernetes; with --kubernetes)
#   7. a single-node Kubernetes              (scripts/kube/build.sh; with --kubernetes)
# and writes $ROOT/env.sh. A second run reuses everything.
#
# Layout: $ROOT/bin (binaries), $ROOT/src (sources), $ROOT/logs (build logs),
#         $ROOT/go (Go module and build caches), $ROOT/pulumi-home (PULUMI_HOME).
#
# Knobs (environment):
#   BIGDATA_LABS_HOME      cache root
#   TOOLCHAIN_BASE_IMAGE   name of the base image (default debian:bookworm-slim)
#   TOOLCHAIN_FORCE        space-separated steps to rebuild: cli langhost dynamic kubernetes base-image
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
. "$REPO/scripts/lib/common.sh"

BASE_IMAGE=${TOOLCHAIN_BASE_IMAGE:-debian:bookworm-slim}
PULUMI_DEFAULT_VERSION=3.259.0
# The only pulumi-kubernetes provider commit the module proxy serves: the v4.25.0 release
# commit (tag v4.25.0; its sdk/v4.25.0 tag is the child commit that only touches sdk/).
K8S_VERSION=4.25.0
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4@v4.0.0-20260115033456-f47bc2d6f199
K8S_SDK_MODULE=github.com/pulumi/pulumi-kubernetes/sdk/v4@v${K8S_VERSION}
# The language host: the proxy refuses every version of the standalone module
# github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3. Up to v3.68.0 the host was a
# package inside the sdk module, and that host still drives CLI 3.259 with @pulumi/pulumi 3.259
# (the engine falls back from GetRequiredPackages to GetRequiredPlugins). It ignores
# `runtime.options` in Pulumi.yaml (TypeScript is always on).
# It is built with two changes: it takes an absolute run path as it is (tools/langhost/run-path.sh),
# and its walk for plugins leaves out folders that cannot hold one (tools/langhost/plugin-walk.sh).
LANGHOST_SDK_VERSION=v3.68.0

# ---------------------------------------------------------------- steps

step_docker() {
    if docker info >/dev/null 2>&1; then return 0; fi
    STATUS=built
    if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
        apt_install docker.io debootstrap jq
    fi
    is_root || die "a running Docker engine" "start Docker (or rerun as root so this script can start dockerd)"
    if ! pgrep -x dockerd >/dev/null; then
        # fd 9 holds the toolchain lock: dockerd must not inherit it, or every later run waits forever.
        nohup dockerd >>"$LOGS/dockerd.log" 2>&1 9>&- &
    fi
    local i
    for ((i = 0; i < 60; i++)); do
        docker info >/dev/null 2>&1 && return 0
        sleep 1
    done
    die "a running Docker engine (dockerd did not answer within 60 s, see $LOGS/dockerd.log)" "fix dockerd and rerun"
}

step_base_image() {
    if ! forced base-image && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return 0; fi
    STATUS=built
    command -v debootstrap >/dev/null || apt_install debootstrap
    is_root || die "image $BASE_IMAGE" "run 'docker pull $BASE_IMAGE' or rerun as root to build it with debootstrap"
    need_disk
    local dir
    dir=$(mktemp -d "$TMPD/rootfs.XXXXXX")
    CLEANUP+=("$dir")
    debootstrap --variant=minbase bookworm "$dir" "$DEBIAN_MIRROR" >"$LOGS/debootstrap.log" 2>&1 ||
        die "image $BASE_IMAGE (debootstrap failed, see $LOGS/debootstrap.log)" "check that $DEBIAN_MIRROR is reachable"
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
    tar -C "$dir" -c . | docker import -c 'CMD ["bash"]' - "$BASE_IMAGE" >>"$LOGS/debootstrap.log" 2>&1 ||
        die "image $BASE_IMAGE (docker import failed, see $LOGS/debootstrap.log)" "check the Docker engine"
    rm -rf "$dir"
}

step_cli() {
    local v=v$PULUMI_VERSION want
    # The CLI is built with one change: it takes the stack's key labctl derived already
    # (tools/pulumi-cli/passphrase-key.sh), through a build overlay of one package.
    want="pulumi $v $(sha256sum <"$REPO/tools/pulumi-cli/passphrase-key.sh" | cut -c1-16)"
    if ! forced cli && stamp_ok pulumi "$want" && [[ $("$BIN/pulumi" version 2>/dev/null) == "$v" ]]; then
        return 0
    fi
    STATUS=built
    need_go
    local w=$SRC/pulumi-$v out build
    log_header "$LOGS/cli.log" "pulumi $v"
    go_get "github.com/pulumi/pulumi/pkg/v3@$v" "$w/pkg" "$LOGS/cli.log"
    go_get "github.com/pulumi/pulumi/sdk/v3@$v" "$w/sdk" "$LOGS/cli.log"
    out=$(mktemp "$TMPD/pulumi.XXXXXX")
    build=$(mktemp -d "$TMPD/cli-build.XXXXXX")
    CLEANUP+=("$out" "$build")
    mkdir -p "$build/secrets"
    cp -a "$w/pkg/secrets/passphrase" "$build/secrets/"
    . "$REPO/tools/pulumi-cli/passphrase-key.sh"
    patch_cli_passphrase_key "$build" 2>>"$LOGS/cli.log" ||
        die "the Pulumi CLI's passphrase key change (see $LOGS/cli.log)" "update tools/pulumi-cli/passphrase-key.sh for this CLI version"
    # The overlay: each file of the package's copy in place of the fetched one (and the added file).
    node -e '
        const [, from, to, out] = process.argv;
        const names = require("fs").readdirSync(to).filter((f) => f.endsWith(".go"));
        require("fs").writeFileSync(out, JSON.stringify({ Replace: Object.fromEntries(names.map((f) => [`${from}/${f}`, `${to}/${f}`])) }));
    ' "$w/pkg/secrets/passphrase" "$build/secrets/passphrase" "$build/overlay.json"
    (cd "$w/pkg" && go build -tags osusergo,grpcnotrace -overlay "$build/overlay.json" \
        -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" \
        -o "$out" ./cmd/pulumi) >>"$LOGS/cli.log" 2>&1 ||
        die "the Pulumi CLI $v (build failed, see $LOGS/cli.log)" "fix the error in the log and rerun"
    install_bin "$out" pulumi
    stamp_set pulumi "$want"
}

step_langhost() {
    local v=$LANGHOST_SDK_VERSION want out w build
    want="pulumi-language-nodejs sdk/v3@$v $(cat "$REPO/tools/langhost/run-path.sh" "$REPO/tools/langhost/plugin-walk.sh" | sha256sum | cut -c1-16)"
    if ! forced langhost && stamp_ok pulumi-language-nodejs "$want"; then return 0; fi
    STATUS=built
    need_go
    w=$SRC/pulumi-sdk-$v
    log_header "$LOGS/langhost.log" "pulumi-language-nodejs from sdk/v3@$v"
    go_get "github.com/pulumi/pulumi/sdk/v3@$v" "$w" "$LOGS/langhost.log"
    out=$(mktemp "$TMPD/langhost.XXXXXX")
    # Built from a scratch copy with two changes (tools/langhost/*.sh); $w stays as fetched.
    build=$(mktemp -d "$TMPD/langhost-build.XXXXXX")
    CLEANUP+=("$out" "$build")
    cp -a "$w"/. "$build"/
    . "$REPO/tools/langhost/run-path.sh"
    patch_langhost_run_path "$build" 2>>"$LOGS/langhost.log" ||
        die "the language host's run path change (see $LOGS/langhost.log)" "update tools/langhost/run-path.sh for this SDK version"
    . "$REPO/tools/langhost/plugin-walk.sh"
    patch_langhost_plugin_walk "$build" 2>>"$LOGS/langhost.log" ||
        die "the language host's plugin walk change (see $LOGS/langhost.log)" "update tools/langhost/plugin-walk.sh for this SDK version"
    (cd "$build" && go build \
        -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" \
        -o "$out" ./nodejs/cmd/pulumi-language-nodejs) >>"$LOGS/langhost.log" 2>&1 ||
        die "the Node.js language host (build failed, see $LOGS/langhost.log)" "fix the error in the log and rerun"
    install_bin "$out" pulumi-language-nodejs
    stamp_set pulumi-language-nodejs "$want"
}

# The dynamic-provider plugin. The engine starts resource plugins in the program's directory, so
# @pulumi/pulumi is resolved from there the way `require` would (walking up node_modules).
step_dynamic() {
    local tmp name=pulumi-resource-pulumi-nodejs
    tmp=$(mktemp "$TMPD/dynamic.XXXXXX")
    CLEANUP+=("$tmp")
    cat >"$tmp" <<'PLUGIN'
#!/bin/sh
# Dynamic-provider plugin for Node.js programs (pulumi.dynamic.Resource); written by scripts/toolchain.sh.
# Started by the Pulumi engine in the program directory with the engine address as its argument.
entry=$(node -e 'try { console.log(require.resolve("@pulumi/pulumi/cmd/dynamic-provider")); } catch (e) { process.exit(1); }') || {
    echo "pulumi-resource-pulumi-nodejs: @pulumi/pulumi not found from $(pwd); run npm install" >&2
    exit 1
}
exec node "$entry" "$@"
PLUGIN
    if ! forced dynamic && [[ -x $BIN/$name ]] && cmp -s "$tmp" "$BIN/$name"; then
        rm -f "$tmp"
        return 0
    fi
    STATUS=built
    install_bin "$tmp" "$name"
}

step_kubernetes() {
    local want="kubernetes $K8S_VERSION $K8S_PROVIDER_MODULE"
    if ! forced kubernetes && stamp_ok pulumi-resource-kubernetes "$want"; then return 0; fi
    STATUS=built
    need_go
    local w=$SRC/pulumi-kubernetes-v$K8S_VERSION out
    log_header "$LOGS/kubernetes.log" "pulumi-resource-kubernetes $K8S_VERSION"
    go_get "$K8S_PROVIDER_MODULE" "$w/provider" "$LOGS/kubernetes.log"
    go_get "$K8S_SDK_MODULE" "$w/sdk" "$LOGS/kubernetes.log"
    out=$(mktemp "$TMPD/kubernetes.XXXXXX")
    CLEANUP+=("$out")
    (cd "$w/provider" &&
        VERSION=$K8S_VERSION go generate ./cmd/pulumi-resource-kubernetes &&
        go build -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION" \
            -o "$out" ./cmd/pulumi-resource-kubernetes) >>"$LOGS/kubernetes.log" 2>&1 ||
        die "the Kubernetes provider $K8S_VERSION (build failed, see $LOGS/kubernetes.log)" "fix the error in the log and rerun"
    install_bin "$out" pulumi-resource-kubernetes
    stamp_set pulumi-resource-kubernetes "$want"
}

write_env() {
    local f=$ROOT/env.sh tmp
    tmp=$(mktemp "$TMPD/env.XXXXXX")
    CLEANUP+=("$tmp")
    if [[ -n $FOREIGN_PULUMI ]]; then
        cat >"$tmp" <<EOF
# Generated by scripts/toolchain.sh. Source it: . $f
# A pulumi CLI that this toolchain did not build was found ($FOREIGN_PULUMI);
# it keeps its own PULUMI_HOME and may download plugins.
export PATH="$BIN:\$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
EOF
    else
        cat >"$tmp" <<EOF
# Generated by scripts/toolchain.sh. Source it: . $f
export PATH="$BIN:\$PATH"
export PULUMI_HOME="$ROOT/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
EOF
    fi
    if [[ -f $f ]] && cmp -s "$tmp" "$f"; then
        rm -f "$tmp"
    else
        STATUS=built
        mv -f "$tmp" "$f"
    fi
}

# ---------------------------------------------------------------- main

CLEANUP=()
cleanup() { if ((${#CLEANUP[@]})); then rm -rf "${CLEANUP[@]}"; fi; }
trap cleanup EXIT

if ! mkdir -p "$BIN" "$SRC" "$LOGS" "$TMPD" "$STAMPS" "$ROOT/pulumi-home" 2>/dev/null; then
    die "a writable cache root $ROOT" "rerun as root, or set BIGDATA_LABS_HOME to a directory you own"
fi
command -v node >/dev/null || die "Node.js (node on PATH)" "install Node.js 20+ (apt-get install nodejs, or nvm)"

# The CLI's automatic debug log: every run writes one, at debug level, gzipped, into $PULUMI_HOME/logs
# (up to 500 MB kept). It took 21 of the CLI's 57 CPU seconds in a class of 100's preview. With a file
# where that folder would be, the CLI runs without one (it notes that only at debug level).
quiet_cli_logs() {
    local logs="$ROOT/pulumi-home/logs"
    [[ -f $logs ]] && return 0
    [[ -d $logs ]] && rm -rf "$logs"
    printf 'Not a folder on purpose: scripts/toolchain.sh turns off the Pulumi CLI'"'"'s automatic debug logs here.\nDebug one run with: pulumi <command> --logtostderr -v=9\n' >"$logs" 2>/dev/null ||
        die "a writable $ROOT/pulumi-home" "rerun as root, or set BIGDATA_LABS_HOME to a directory you own"
}

# One run at a time: a second concurrent run waits for the first, then reuses its results.
exec 9>"$ROOT/.lock"
if command -v flock >/dev/null && ! flock -n 9; then
    log "another toolchain run holds $ROOT/.lock; waiting"
    flock 9
fi
quiet_cli_logs

WITH_KUBERNETES=0
for arg in "$@"; do
    case $arg in
        --kubernetes) WITH_KUBERNETES=1 ;;
        *) die "an argument this script knows (got $arg)" "use: npm run toolchain [-- --kubernetes]" ;;
    esac
done

PULUMI_VERSION=$(locked_version @pulumi/pulumi)
PULUMI_VERSION=${PULUMI_VERSION:-$PULUMI_DEFAULT_VERSION}

# A pulumi CLI on PATH that is not ours (e.g. a laptop install): use it, build nothing Pulumi-related.
FOREIGN_PULUMI=
if p=$(PATH=$(echo "$PATH" | tr ':' '\n' | grep -vxF "$BIN" | paste -sd: -) command -v pulumi 2>/dev/null) &&
    [[ $(readlink -f "$p") != "$(readlink -f "$BIN/pulumi")" ]]; then
    FOREIGN_PULUMI=$p
fi

run_step docker-engine step_docker
run_step base-image step_base_image
if [[ -n $FOREIGN_PULUMI ]]; then
    log "using the pulumi CLI at $FOREIGN_PULUMI ($("$FOREIGN_PULUMI" version 2>/dev/null || echo '?')); skipping Pulumi builds"
else
    run_step "pulumi-cli v$PULUMI_VERSION" step_cli
    run_step language-host step_langhost
    run_step dynamic-provider step_dynamic
    . "$REPO/tools/docker-provider/build.sh" && run_step "docker-provider v$(locked_version @pulumi/docker)" step_docker_provider
    # The Kubernetes provider takes ~30 min to build on 2 cores and only the
    # kubernetes target needs it: built with --kubernetes, or kept once built.
    if [[ $WITH_KUBERNETES == 1 || -x $BIN/pulumi-resource-kubernetes ]]; then
        run_step "kubernetes-provider v$K8S_VERSION" step_kubernetes
    else
        log "kubernetes-provider: skipped (needed for the kubernetes target only; run npm run toolchain -- --kubernetes)"
    fi
    k8s_locked=$(locked_version @pulumi/kubernetes)
    if [[ -n $k8s_locked && $k8s_locked != "$K8S_VERSION" ]]; then
        log "note: package-lock.json has @pulumi/kubernetes $k8s_locked; the engine uses provider $K8S_VERSION from PATH"
    fi
fi
run_step env.sh write_env
# The single-node Kubernetes (binaries and system images; scripts/kube/build.sh): with
# --kubernetes, or kept up to date once built. Start it with `npm run kube -- start`.
if [[ $WITH_KUBERNETES == 1 || -x $ROOT/kube/bin/kubelet ]]; then
    # The local registry (scripts/registry/run.sh; labctl images push, npm run test:e2e:registry).
    bash "$REPO/scripts/registry/build.sh"
    bash "$REPO/scripts/kube/build.sh"
fi
