#!/usr/bin/env bash
# Builds (or reuses) a local container registry from the Go module
# github.com/distribution/distribution/v3 (the CNCF Distribution registry), and packs it as the
# Docker image bigdata-labs/registry:<version>: a rootfs holding the static binary, its
# config file and an empty data directory owned by the non-root user it runs as (`docker import`).
# Called by scripts/toolchain.sh (cached: a second run reuses both); run it by hand with
#   bash scripts/registry/build.sh
# Start and stop the registry with scripts/registry/run.sh.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/common.sh
. "$REPO/scripts/lib/common.sh"
# shellcheck source=versions.sh
. "$REPO/scripts/registry/versions.sh"

RBIN=$ROOT/registry/bin
RSTAMPS=$ROOT/registry/stamps
mkdir -p "$RBIN" "$RSTAMPS" "$SRC" "$LOGS" "$TMPD"

rstamp_ok() { [[ -f $RSTAMPS/$1 ]] && [[ $(cat "$RSTAMPS/$1") == "$2" ]]; }
rstamp_set() { echo "$2" >"$RSTAMPS/$1"; }

step_binary() {
    local want="registry $REGISTRY_MODULE@v$REGISTRY_VERSION" w out
    if [[ -x $RBIN/registry ]] && rstamp_ok registry "$want"; then return 0; fi
    STATUS=built
    need_go
    w=$SRC/distribution-v$REGISTRY_VERSION
    log_header "$LOGS/registry-build.log" "$want"
    go_get "$REGISTRY_MODULE@v$REGISTRY_VERSION" "$w" "$LOGS/registry-build.log"
    out=$(mktemp "$TMPD/registry.XXXXXX")
    CLEANUP+=("$out")
    # The flags of the project's own release build (Dockerfile): static, trimmed, versioned.
    (cd "$w" && go build -trimpath \
        -ldflags "-s -w -X $REGISTRY_MODULE/version.version=v$REGISTRY_VERSION -X $REGISTRY_MODULE/version.mainpkg=$REGISTRY_MODULE" \
        -o "$out" ./cmd/registry) >>"$LOGS/registry-build.log" 2>&1 ||
        die "the registry v$REGISTRY_VERSION (build failed, see $LOGS/registry-build.log)" "fix the error in the log and rerun"
    chmod 0755 "$out"
    mv -f "$out" "$RBIN/registry"
    rstamp_set registry "$want"
}

# The registry's settings: filesystem storage in the volume, deletes allowed (so a test can
# clean up), no tracing exporter, health checks of the storage driver.
write_config() {
    cat >"$1" <<'EOF'
version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  cache:
    blobdescriptor: inmemory
  delete:
    enabled: true
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
}

step_image() {
    local dir key
    dir=$(mktemp -d "$TMPD/registry-rootfs.XXXXXX")
    CLEANUP+=("$dir")
    mkdir -p "$dir/etc/distribution" "$dir/tmp" "$dir/var/lib/registry"
    write_config "$dir/etc/distribution/config.yml"
    key="$REGISTRY_IMAGE $(cat "$RBIN/registry" "$dir/etc/distribution/config.yml" | sha256sum | cut -c1-16)"
    if docker image inspect "$REGISTRY_IMAGE" >/dev/null 2>&1 && rstamp_ok image "$key"; then return 0; fi
    STATUS=built
    cp "$RBIN/registry" "$dir/registry"
    echo "registry:x:$REGISTRY_UID:$REGISTRY_UID:registry:/var/lib/registry:/sbin/nologin" >"$dir/etc/passwd"
    echo "registry:x:$REGISTRY_UID:" >"$dir/etc/group"
    chmod 1777 "$dir/tmp"
    chmod 0644 "$dir/etc/distribution/config.yml"
    # A new named volume starts as a copy of this directory, owner included.
    chown "$REGISTRY_UID:$REGISTRY_UID" "$dir/var/lib/registry"
    chmod 0750 "$dir/var/lib/registry"
    tar -C "$dir" --numeric-owner -c . | docker import \
        -c "USER $REGISTRY_UID:$REGISTRY_UID" \
        -c 'ENV OTEL_TRACES_EXPORTER=none' \
        -c 'VOLUME ["/var/lib/registry"]' \
        -c 'EXPOSE 5000' \
        -c 'ENTRYPOINT ["/registry"]' \
        -c 'CMD ["serve", "/etc/distribution/config.yml"]' \
        - "$REGISTRY_IMAGE" >>"$LOGS/registry-build.log" 2>&1 ||
        die "image $REGISTRY_IMAGE (docker import failed, see $LOGS/registry-build.log)" "check the Docker engine"
    rstamp_set image "$key"
}

CLEANUP=()
cleanup() { if ((${#CLEANUP[@]})); then rm -rf "${CLEANUP[@]}"; fi; }
trap cleanup EXIT

docker info >/dev/null 2>&1 || die "a running Docker engine (the registry runs as a container)" "run npm run toolchain"
run_step "registry v$REGISTRY_VERSION" step_binary
run_step registry-image step_image
