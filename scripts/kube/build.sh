#!/usr/bin/env bash
# Builds (or reuses) everything a single-node Kubernetes needs on a machine that can reach
# only Debian's mirror and the Go module proxy (invoked by `npm run toolchain -- --kubernetes`):
#   - Debian packages: containerd 1.6, runc, the CNI plugins, conntrack, iptables, ipset, openssl
#   - Kubernetes v1.33 control plane, kubelet, kube-proxy and kubectl (k8s.io/kubernetes module)
#   - etcd v3.5 (go.etcd.io/etcd/server/v3), CoreDNS and the local-path provisioner
#   - kube-router v2.1 (its network-policy controller enforces NetworkPolicies)
#   - images made from those binaries by `docker import`: pause, CoreDNS, local-path
# Binaries go to $ROOT/kube/bin, stamped with their versions; a second run reuses them.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/common.sh
. "$REPO/scripts/lib/common.sh"
# shellcheck source=versions.sh
. "$REPO/scripts/kube/versions.sh"

KBIN=$ROOT/kube/bin
KSTAMPS=$ROOT/kube/stamps
mkdir -p "$KBIN" "$KSTAMPS" "$SRC" "$LOGS" "$TMPD"

kstamp_ok() { [[ -f $KSTAMPS/$1 ]] && [[ $(cat "$KSTAMPS/$1") == "$2" ]]; }
kstamp_set() { echo "$2" >"$KSTAMPS/$1"; }
kinstall() { chmod 0755 "$1" && mv -f "$1" "$KBIN/$2"; }

step_packages() {
    local have=1 p
    for p in containerd runc containernetworking-plugins conntrack iptables ipset openssl jq; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || have=0
    done
    ((have)) && return 0
    STATUS=built
    apt_install containerd runc containernetworking-plugins conntrack iptables ipset openssl jq
}

# The k8s.io/kubernetes module replaces ~30 staging modules with ./staging paths that are not in
# its zip: point them at their published versions. The sample-* modules are not published.
prepare_kubernetes_source() {
    local w=$1 m
    go_get "k8s.io/kubernetes@v$KUBE_VERSION" "$w" "$LOGS/kube-build.log"
    [[ -f $w/.prepared ]] && return 0
    rm -rf "$w/vendor"
    for m in $(cd "$w" && go mod edit -json | jq -r '.Replace[]? | select(.New.Path | startswith("./staging")) | .Old.Path'); do
        case $m in
            k8s.io/sample-*) (cd "$w" && go mod edit -dropreplace="$m" -droprequire="$m") ;;
            *) (cd "$w" && go mod edit -replace="$m=$m@v$KUBE_STAGING_VERSION") ;;
        esac
    done
    touch "$w/.prepared"
}

step_kubernetes() {
    local want="kubernetes v$KUBE_VERSION" c missing=0
    for c in $KUBE_COMPONENTS; do [[ -x $KBIN/$c ]] || missing=1; done
    if ((missing == 0)) && kstamp_ok kubernetes "$want"; then return 0; fi
    STATUS=built
    need_go
    local w=$SRC/kubernetes-v$KUBE_VERSION out ld pkgs=()
    log_header "$LOGS/kube-build.log" "$want"
    prepare_kubernetes_source "$w"
    out=$(mktemp -d "$TMPD/kube.XXXXXX")
    CLEANUP+=("$out")
    ld="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=v$KUBE_VERSION"
    for c in $KUBE_COMPONENTS; do pkgs+=("./cmd/$c"); done
    (cd "$w" && go build -ldflags "$ld" -o "$out/" "${pkgs[@]}") >>"$LOGS/kube-build.log" 2>&1 ||
        die "Kubernetes v$KUBE_VERSION (build failed, see $LOGS/kube-build.log)" "fix the error in the log and rerun"
    for c in $KUBE_COMPONENTS; do kinstall "$out/$c" "$c"; done
    kstamp_set kubernetes "$want"
}

# go_binary <stamp name> <module@version> <package dir> <binary> [prep function] [extra ldflags]
go_binary() {
    local name=$1 mod=$2 pkg=$3 bin=$4 prep=${5:-} ldx=${6:-}
    local want="$name $mod"
    if [[ -x $KBIN/$bin ]] && kstamp_ok "$name" "$want"; then return 0; fi
    STATUS=built
    need_go
    local w=$SRC/$name-${mod##*@} out
    log_header "$LOGS/kube-build.log" "$want"
    go_get "$mod" "$w" "$LOGS/kube-build.log"
    [[ -n $prep ]] && (cd "$w" && "$prep")
    out=$(mktemp "$TMPD/$bin.XXXXXX")
    CLEANUP+=("$out")
    (cd "$w" && go build -ldflags "-s -w $ldx" -o "$out" "$pkg") >>"$LOGS/kube-build.log" 2>&1 ||
        die "$name (build failed, see $LOGS/kube-build.log)" "fix the error in the log and rerun"
    kinstall "$out" "$bin"
    kstamp_set "$name" "$want"
}

# etcd's server module replaces its sibling modules with ../ paths; they are all published.
etcd_prep() {
    local m
    for m in api/v3 client/pkg/v3 client/v2 client/v3 pkg/v3 raft/v3; do go mod edit -dropreplace="go.etcd.io/etcd/$m"; done
}

# kube-router's go.mod needs nothing (no replaces). Its health server listens on every address
# (":<port>", no flag to choose): bind it to 127.0.0.1 instead. Idempotent (the source is kept).
kube_router_prep() {
    local f=pkg/healthcheck/health_controller.go
    sed -i 's|Addr: *":" + strconv.Itoa(int(hc.HealthPort)),|Addr: "127.0.0.1:" + strconv.Itoa(int(hc.HealthPort)),|' "$f"
    grep -qF 'Addr: "127.0.0.1:" + strconv.Itoa(int(hc.HealthPort)),' "$f" ||
        die "kube-router's health server on 127.0.0.1 (the patch of $f no longer applies)" "update kube_router_prep in scripts/kube/build.sh"
}

step_etcd() { go_binary etcd "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" . etcd etcd_prep; }
step_coredns() { go_binary coredns "github.com/coredns/coredns@v$COREDNS_VERSION" . coredns; }
step_kube_router() {
    go_binary kube-router "github.com/cloudnativelabs/kube-router/v2@v$KUBE_ROUTER_VERSION" ./cmd/kube-router kube-router \
        kube_router_prep "-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v$KUBE_ROUTER_VERSION"
}
step_local_path() { go_binary local-path-provisioner "github.com/rancher/local-path-provisioner@v$LOCAL_PATH_VERSION" . local-path-provisioner; }

step_pause() {
    local want="pause $PAUSE_VERSION from kubernetes v$KUBE_VERSION"
    if [[ -x $KBIN/pause ]] && kstamp_ok pause "$want"; then return 0; fi
    STATUS=built
    command -v gcc >/dev/null || apt_install gcc libc6-dev
    local w=$SRC/kubernetes-v$KUBE_VERSION out
    need_go
    go_get "k8s.io/kubernetes@v$KUBE_VERSION" "$w" "$LOGS/kube-build.log"
    out=$(mktemp "$TMPD/pause.XXXXXX")
    CLEANUP+=("$out")
    gcc -Os -static -DVERSION="v$PAUSE_VERSION" -o "$out" "$w/build/pause/linux/pause.c" >>"$LOGS/kube-build.log" 2>&1 ||
        die "the pause binary (gcc failed, see $LOGS/kube-build.log)" "install gcc and libc6-dev"
    kinstall "$out" pause
    kstamp_set pause "$want"
}

# import_image <image> <entrypoint JSON> <binary>... : a rootfs holding static binaries, as an image.
import_image() {
    local image=$1 entry=$2
    shift 2
    if docker image inspect "$image" >/dev/null 2>&1 && kstamp_ok "image-${image//[\/:]/_}" "$image $(sha256sum "$@" | sha256sum | cut -c1-16)"; then
        return 0
    fi
    STATUS=built
    local dir b
    dir=$(mktemp -d "$TMPD/rootfs.XXXXXX")
    CLEANUP+=("$dir")
    mkdir -p "$dir/etc" "$dir/tmp"
    for b in "$@"; do cp "$b" "$dir/"; done
    echo "nobody:x:65534:65534:nobody:/:/sbin/nologin" >"$dir/etc/passwd"
    tar -C "$dir" -c . | docker import -c "ENTRYPOINT $entry" - "$image" >>"$LOGS/kube-build.log" 2>&1 ||
        die "image $image (docker import failed, see $LOGS/kube-build.log)" "check the Docker engine"
    kstamp_set "image-${image//[\/:]/_}" "$image $(sha256sum "$@" | sha256sum | cut -c1-16)"
}

step_images() {
    import_image "$PAUSE_IMAGE" '["/pause"]' "$KBIN/pause"
    import_image "$COREDNS_IMAGE" '["/coredns"]' "$KBIN/coredns"
    import_image "$LOCAL_PATH_IMAGE" '["/local-path-provisioner"]' "$KBIN/local-path-provisioner"
}

CLEANUP=()
cleanup() { if ((${#CLEANUP[@]})); then rm -rf "${CLEANUP[@]}"; fi; }
trap cleanup EXIT

run_step kube-packages step_packages
run_step "kubernetes v$KUBE_VERSION" step_kubernetes
run_step "etcd v$ETCD_VERSION" step_etcd
run_step "coredns v$COREDNS_VERSION" step_coredns
run_step "local-path-provisioner v$LOCAL_PATH_VERSION" step_local_path
run_step "kube-router v$KUBE_ROUTER_VERSION" step_kube_router
run_step "pause $PAUSE_VERSION" step_pause
run_step kube-images step_images
