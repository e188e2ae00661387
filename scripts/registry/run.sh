#!/usr/bin/env bash
# The local registry (image from scripts/registry/build.sh) as a container on 127.0.0.1 only.
#
#   scripts/registry/run.sh start     start (or keep) it; waits until GET /v2/ answers
#   scripts/registry/run.sh stop      stop and remove the container (the data volume is kept)
#   scripts/registry/run.sh status    one line: running or not, address, image
#   scripts/registry/run.sh reset     stop, then delete the data volume (every pushed image)
#   scripts/registry/run.sh logs      the container's log (access log included)
#
# It runs as an unprivileged user, read-only root filesystem, no capabilities, storage in the
# named volume $REGISTRY_VOLUME. Push with `labctl images push --registry 127.0.0.1:5000/PREFIX`.
# Environment: BIGDATA_LABS_REGISTRY_ADDR (default 127.0.0.1:5000; must be a loopback address),
# BIGDATA_LABS_REGISTRY_CONTAINER, BIGDATA_LABS_REGISTRY_VOLUME.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/common.sh
. "$REPO/scripts/lib/common.sh"
# shellcheck source=versions.sh
. "$REPO/scripts/registry/versions.sh"

reg_die() { echo "registry: $1 — $2" >&2; exit 1; }
say() { echo "[registry] $*"; }

running() { [[ $(docker inspect -f '{{.State.Running}}' "$REGISTRY_CONTAINER" 2>/dev/null) == true ]]; }
answers() { curl -fsS -o /dev/null --max-time 2 "http://$REGISTRY_ADDR/v2/" 2>/dev/null; }

cmd_start() {
    local t0=${EPOCHREALTIME/./} i
    case $REGISTRY_ADDR in
        127.*:* | localhost:*) ;;
        *) reg_die "a loopback address (got $REGISTRY_ADDR)" "set BIGDATA_LABS_REGISTRY_ADDR to 127.0.0.1:PORT: the registry has no authentication" ;;
    esac
    docker info >/dev/null 2>&1 || reg_die "a running Docker engine" "run npm run toolchain"
    docker image inspect "$REGISTRY_IMAGE" >/dev/null 2>&1 ||
        reg_die "the image $REGISTRY_IMAGE" "build it: bash scripts/registry/build.sh (or npm run toolchain)"
    if running && [[ $(docker inspect -f '{{.Config.Image}}' "$REGISTRY_CONTAINER") == "$REGISTRY_IMAGE" ]]; then
        say "already running on http://$REGISTRY_ADDR (container $REGISTRY_CONTAINER)"
        return 0
    fi
    docker rm -f "$REGISTRY_CONTAINER" >/dev/null 2>&1 || true
    docker volume create --label io.bigdata-labs.registry=1 "$REGISTRY_VOLUME" >/dev/null
    docker run -d --name "$REGISTRY_CONTAINER" \
        --label io.bigdata-labs.registry=1 \
        --restart unless-stopped \
        --user "$REGISTRY_UID:$REGISTRY_UID" \
        --read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m \
        --cap-drop ALL --security-opt no-new-privileges \
        --memory 256m --pids-limit 256 \
        -p "$REGISTRY_ADDR:5000" \
        -v "$REGISTRY_VOLUME:/var/lib/registry" \
        "$REGISTRY_IMAGE" >/dev/null ||
        reg_die "the registry container (docker run failed)" "free $REGISTRY_ADDR or see: docker logs $REGISTRY_CONTAINER"
    for ((i = 0; i < 60; i++)); do
        if answers; then
            local dt=$(((${EPOCHREALTIME/./} - t0) / 100000))
            say "running on http://$REGISTRY_ADDR (container $REGISTRY_CONTAINER, volume $REGISTRY_VOLUME; ready in $((dt / 10)).$((dt % 10))s)"
            return 0
        fi
        running || break
        sleep 0.5
    done
    reg_die "the registry answering on http://$REGISTRY_ADDR/v2/" "see: docker logs $REGISTRY_CONTAINER ($(docker logs --tail 2 "$REGISTRY_CONTAINER" 2>&1 | tr '\n' ' ' | cut -c1-200))"
}

cmd_stop() {
    if docker inspect "$REGISTRY_CONTAINER" >/dev/null 2>&1; then
        docker rm -f "$REGISTRY_CONTAINER" >/dev/null
        say "stopped (volume $REGISTRY_VOLUME kept; reset deletes it)"
    else
        say "not running"
    fi
}

cmd_status() {
    if running && answers; then
        say "running on http://$REGISTRY_ADDR (container $REGISTRY_CONTAINER, image $(docker inspect -f '{{.Config.Image}}' "$REGISTRY_CONTAINER"))"
    elif running; then
        say "container $REGISTRY_CONTAINER runs but http://$REGISTRY_ADDR/v2/ does not answer"
        return 1
    else
        say "not running"
        return 1
    fi
}

cmd_reset() {
    cmd_stop
    docker volume rm "$REGISTRY_VOLUME" >/dev/null 2>&1 || true
    say "volume $REGISTRY_VOLUME deleted"
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    logs) docker logs "$REGISTRY_CONTAINER" ;;
    *) reg_die "a command (got '${1:-}')" "use: start | stop | status | reset | logs" ;;
esac
