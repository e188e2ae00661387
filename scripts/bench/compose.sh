#!/usr/bin/env bash
# Builds (or reuses) Docker Compose v2 from its Go module, github.com/docker/compose/v2, as the
# benchmark's baseline tool (`npm run bench` compares `labctl up` with `docker compose up --wait`
# of the same containers). Bench-only: labs never use it. Prints the binary's path on stdout.
#   bash scripts/bench/compose.sh
# Cached under $BIGDATA_LABS_HOME/bench (a second run reuses the binary); TOOLCHAIN_FORCE=compose rebuilds.
# v2.40.3 is the newest v2 release; v5 needs Go >= 1.26.10, newer than the toolchain's Go.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/common.sh
. "$REPO/scripts/lib/common.sh"

COMPOSE_MODULE=github.com/docker/compose/v2
COMPOSE_VERSION=2.40.3
CBIN=$ROOT/bench/bin
CSTAMPS=$ROOT/bench/stamps
mkdir -p "$CBIN" "$CSTAMPS" "$SRC" "$LOGS" "$TMPD"
CLEANUP=()
trap 'rm -rf "${CLEANUP[@]}"' EXIT

want="compose $COMPOSE_MODULE@v$COMPOSE_VERSION"
if [[ -x $CBIN/docker-compose ]] && [[ -f $CSTAMPS/compose ]] && [[ $(cat "$CSTAMPS/compose") == "$want" ]] && ! forced compose; then
    echo "$CBIN/docker-compose"
    exit 0
fi
t0=$(date +%s)
need_go >&2
w=$SRC/compose-v$COMPOSE_VERSION
log_header "$LOGS/compose-build.log" "$want"
go_get "$COMPOSE_MODULE@v$COMPOSE_VERSION" "$w" "$LOGS/compose-build.log"
out=$(mktemp "$TMPD/compose.XXXXXX")
CLEANUP+=("$out")
# In its own module tree, so its go.mod (and replace directives) apply; flags of its release build.
(cd "$w" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X $COMPOSE_MODULE/internal.Version=v$COMPOSE_VERSION" \
    -o "$out" ./cmd) >>"$LOGS/compose-build.log" 2>&1 ||
    die "Docker Compose v$COMPOSE_VERSION (build failed, see $LOGS/compose-build.log)" "fix the error in the log and rerun"
chmod 0755 "$out"
mv -f "$out" "$CBIN/docker-compose"
echo "$want" >"$CSTAMPS/compose"
log "compose v$COMPOSE_VERSION: built ($(( $(date +%s) - t0 ))s)" >&2
echo "$CBIN/docker-compose"
