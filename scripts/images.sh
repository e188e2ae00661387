#!/usr/bin/env bash
# Build the lab images listed in images/manifest.json (npm run images).
#
#   scripts/images.sh [--only spark,kafka] [--no-cache]
#
# An image is built only when its exact ref <registryPrefix>/<name>:<tag> is absent;
# otherwise it is reused. --no-cache rebuilds the selected images without the layer cache.
# Images are built in dependency order ("from" in the manifest), so asking for workspace
# also builds spark when spark's tag is missing. Build logs go to
# ${BIGDATA_LABS_HOME:-/var/cache/bigdata-labs}/logs/image-<name>.log.
#
# Environment:
#   BIGDATA_LABS_HOME           cache root (logs, Go build output)
#   BIGDATA_LABS_EXTRA_CA_DIR   extra CA certificates (*.crt) trusted by the builder stages only,
#                               for TLS-intercepting proxies; default /usr/local/share/ca-certificates
#   GO                          Go toolchain used for the MinIO binaries (default: go on PATH)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES_DIR="$ROOT/images"
MANIFEST="$IMAGES_DIR/manifest.json"
CACHE_ROOT="${BIGDATA_LABS_HOME:-/var/cache/bigdata-labs}"
LOG_DIR="$CACHE_ROOT/logs"
ORDER=(spark kafka hadoop minio dask workspace)

die() { echo "images: $1 — $2" >&2; exit 1; }
say() { echo "[images] $*"; }

only="" no_cache=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || die "--only needs a value" "use --only spark,kafka"; only="$2"; shift 2 ;;
    --only=*) only="${1#--only=}"; shift ;;
    --no-cache) no_cache=1; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1'" "use [--only spark,kafka] [--no-cache]" ;;
  esac
done

command -v node > /dev/null 2>&1 || die "node is not installed (needed to read images/manifest.json)" "run npm run toolchain"
[ -f "$MANIFEST" ] || die "$MANIFEST is missing" "restore images/manifest.json from git"

# Read the manifest once (node is there anyway: npm runs this script) into bash maps.
declare -A TAG=() FROM=() VERSIONS=() BUILDARGS=() SPEC=()
eval "$(node -e '
  const fs = require("fs");
  const q = (s) => "\x27" + String(s).replace(/\x27/g, "\x27\\\x27\x27") + "\x27";
  const kv = (o) => Object.entries(o || {}).map(([k, v]) => k + "=" + v).join("\n");
  let m;
  try { m = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); }
  catch (e) { console.log("die " + q("images/manifest.json is not valid JSON: " + e.message) + " " + q("fix the file")); process.exit(0); }
  console.log("PREFIX=" + q(m.registryPrefix || "bigdata-labs"));
  console.log("BASE_IMAGE=" + q(m.baseImage || "debian:bookworm-slim"));
  for (const [n, i] of Object.entries(m.images || {})) {
    console.log("TAG[" + n + "]=" + q(i.tag));
    console.log("FROM[" + n + "]=" + q(i.from || ""));
    console.log("VERSIONS[" + n + "]=" + q(kv(i.versions)));
    console.log("BUILDARGS[" + n + "]=" + q(kv(i.buildArgs)));
    console.log("SPEC[" + n + "]=" + q(JSON.stringify(i)));
  }' "$MANIFEST")"
ref_of() { echo "$PREFIX/$1:${TAG[$1]}"; }

# ---- preconditions
command -v docker > /dev/null 2>&1 || die "docker CLI is not installed" "run npm run toolchain"
docker info > /dev/null 2>&1 || die "docker is not reachable (docker info failed)" "start dockerd / check DOCKER_HOST, or run npm run toolchain"
docker image inspect "$BASE_IMAGE" > /dev/null 2>&1 || die "base image $BASE_IMAGE is missing" "run npm run toolchain"
mkdir -p "$LOG_DIR" 2> /dev/null && [ -w "$LOG_DIR" ] || die "cannot write build logs to $LOG_DIR" "set BIGDATA_LABS_HOME to a writable directory"

# ---- selection (+ dependencies whose tag is absent)
declare -A want=()
if [ -n "$only" ]; then
  IFS=',' read -r -a sel <<< "$only"
  for n in "${sel[@]}"; do
    n=$(echo "$n" | tr -d ' ')
    [ -n "${TAG[$n]:-}" ] || die "unknown image '$n'" "choose from: ${ORDER[*]}"
    want[$n]=1
  done
else
  for n in "${ORDER[@]}"; do [ -n "${TAG[$n]:-}" ] && want[$n]=1; done
fi
changed=1
while [ $changed = 1 ]; do
  changed=0
  for n in "${!want[@]}"; do
    p=${FROM[$n]}
    if [ -n "$p" ] && [ -z "${want[$p]:-}" ] && ! docker image inspect "$(ref_of "$p")" > /dev/null 2>&1; then
      want[$p]=1; changed=1
    fi
  done
done

# ---- consistency checks (pins in requirements files must match the manifest; dask == workspace)
req_pin() { # <file> <package> -> version or empty
  local norm; norm=$(echo "$2" | tr 'A-Z_.' 'a-z--')
  [ -f "$1" ] || return 0
  sed -e 's/[[:space:]]*#.*//' "$1" | awk -F'==' -v p="$norm" 'NF==2 { n=tolower($1); gsub(/[_.]/,"-",n); sub(/\[.*\]/,"",n); if (n==p) print $2 }' | head -n 1
}
for n in "${ORDER[@]}"; do
  while IFS='=' read -r k v; do
    [ -n "$k" ] || continue
    pin=$(req_pin "$IMAGES_DIR/$n/requirements.txt" "$k")
    if [ -n "$pin" ] && [ "$pin" != "$v" ]; then
      die "images/$n: manifest says $k $v but requirements.txt pins $pin" "make images/manifest.json and images/$n/requirements.txt agree"
    fi
  done <<< "${VERSIONS[$n]:-}"
done
for p in dask distributed cloudpickle msgpack toolz tornado numpy pandas lz4 pyarrow; do
  a=$(req_pin "$IMAGES_DIR/dask/requirements.txt" $p); b=$(req_pin "$IMAGES_DIR/workspace/requirements.txt" $p)
  if [ "$a" != "$b" ]; then
    die "dask pins $p=${a:-none} but workspace pins $p=${b:-none} (client and cluster must match)" "align images/dask/requirements.txt and images/workspace/requirements.txt"
  fi
done

human() { awk -v b="$1" 'BEGIN { if (b >= 1e9) printf "%.2f GB", b/1e9; else printf "%.0f MB", b/1e6 }'; }

context_hash() { # hash of the build context files (without generated dirs) + build args
  (cd "$IMAGES_DIR/$1" && find . -type f ! -path './.build-ca/*' ! -path './.bin/*' -print0 | sort -z | xargs -0 sha256sum; echo "$2") | sha256sum | cut -c1-16
}

prepare_ca() { # builder-stage CA certificates
  local d="$IMAGES_DIR/$1/.build-ca" src="${BIGDATA_LABS_EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"
  rm -rf "$d"; mkdir -p "$d"
  echo "Generated by scripts/images.sh: extra CAs trusted only by builder stages." > "$d/README"
  if [ -d "$src" ]; then
    find "$src" -type f -name '*.crt' -print0 | while IFS= read -r -d '' f; do cp "$f" "$d/$(basename "$f")"; done
  fi
}

build_minio_binaries() { # host Go build of minio + mc into images/minio/.bin (CGO off, static)
  local log=$1 go=${GO:-go} out="$IMAGES_DIR/minio/.bin" mv mcv
  command -v "$go" > /dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; } || true
  command -v "$go" > /dev/null 2>&1 || die "Go is not installed (needed to build MinIO from its Go module)" "run npm run toolchain, or set GO=/path/to/go"
  mv=$(sed -n 's/^minio=//p' <<< "${VERSIONS[minio]}"); mcv=$(sed -n 's/^mc=//p' <<< "${VERSIONS[minio]}")
  if [ -x "$out/minio" ] && [ -x "$out/mc" ] && [ "$(cat "$out/VERSIONS" 2>/dev/null)" = "$mv $mcv" ] && [ $no_cache = 0 ]; then
    echo "minio/mc binaries already built for $mv $mcv" >> "$log"; return 0
  fi
  rm -rf "$out"; mkdir -p "$out"
  local force=(); [ $no_cache = 1 ] && force=(-a)   # --no-cache: ignore Go's build cache too
  # "v0.0.0-20260212201848-7aac2a2c5b7c" -> release tag RELEASE.2026-02-12T20-18-48Z
  local ts=${mv#v0.0.0-}; ts=${ts%%-*}; local commit=${mv##*-}
  local iso="${ts:0:4}-${ts:4:2}-${ts:6:2}T${ts:8:2}:${ts:10:2}:${ts:12:2}Z"
  local tag="RELEASE.${ts:0:4}-${ts:4:2}-${ts:6:2}T${ts:8:2}-${ts:10:2}-${ts:12:2}Z"
  local mcts=${mcv#v0.0.0-}; mcts=${mcts%%-*}; local mccommit=${mcv##*-}
  local mctag="RELEASE.${mcts:0:4}-${mcts:4:2}-${mcts:6:2}T${mcts:8:2}-${mcts:10:2}-${mcts:12:2}Z"
  local mciso="${mcts:0:4}-${mcts:4:2}-${mcts:6:2}T${mcts:8:2}:${mcts:10:2}:${mcts:12:2}Z"
  {
    echo "== $("$go" version)"
    # The module proxy is the only source; its checksum database may be unreachable (GOSUMDB=off).
    # Dependencies are still verified against the go.sum inside the minio/mc modules.
    env GOBIN="$out" CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" GOTOOLCHAIN=local \
        GOSUMDB="${GOSUMDB_OVERRIDE:-off}" GOWORK=off GO111MODULE=on \
      "$go" install "${force[@]}" -ldflags "-s -w \
        -X github.com/minio/minio/cmd.Version=$iso -X github.com/minio/minio/cmd.CopyrightYear=${ts:0:4} \
        -X github.com/minio/minio/cmd.ReleaseTag=$tag -X github.com/minio/minio/cmd.CommitID=$commit \
        -X github.com/minio/minio/cmd.ShortCommitID=${commit:0:12}" \
        "github.com/minio/minio@$mv"
    env GOBIN="$out" CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" GOTOOLCHAIN=local \
        GOSUMDB="${GOSUMDB_OVERRIDE:-off}" GOWORK=off GO111MODULE=on \
      "$go" install "${force[@]}" -ldflags "-s -w \
        -X github.com/minio/mc/cmd.Version=$mciso -X github.com/minio/mc/cmd.ReleaseTag=$mctag \
        -X github.com/minio/mc/cmd.CommitID=$mccommit -X github.com/minio/mc/cmd.ShortCommitID=${mccommit:0:12}" \
        "github.com/minio/mc@$mcv"
  } >> "$log" 2>&1 || return 1
  chmod 0755 "$out/minio" "$out/mc"
  echo "$mv $mcv" > "$out/VERSIONS"
}

build_one() {
  local n=$1 ref log start args=() hash parent
  ref=$(ref_of "$n"); log="$LOG_DIR/image-$n.log"
  if [ $no_cache = 0 ] && docker image inspect "$ref" > /dev/null 2>&1; then
    local size; size=$(docker image inspect -f '{{.Size}}' "$ref")
    local old; old=$(docker image inspect -f '{{ index .Config.Labels "org.bigdata-labs.context" }}' "$ref" 2>/dev/null || true)
    local now; now=$(context_hash "$n" "${SPEC[$n]}")
    if [ -n "$old" ] && [ "$old" != "$now" ]; then
      say "$n: reused (0s, $(human "$size")) — note: images/$n changed since $ref was built; bump its tag in images/manifest.json or use --no-cache"
    else
      say "$n: reused (0s, $(human "$size"))"
    fi
    return 0
  fi
  start=$SECONDS
  : > "$log"
  echo "== $(date -u +%FT%TZ) building $ref" >> "$log"
  prepare_ca "$n"
  if [ "$n" = minio ]; then
    build_minio_binaries "$log" || die "building the MinIO binaries failed" "see $log"
  fi
  # Build args: each manifest version whose derived NAME_VERSION is declared as ARG in the
  # Dockerfile (hadoopAws -> HADOOP_AWS_VERSION), plus the manifest's buildArgs.
  local declared; declared=$(sed -n 's/^ARG \([A-Z0-9_]*\).*/\1/p' "$IMAGES_DIR/$n/Dockerfile" | sort -u)
  while IFS='=' read -r k v; do
    [ -n "$k" ] || continue
    local a; a=$(echo "$k" | sed -e 's/\([a-z0-9]\)\([A-Z]\)/\1_\2/g' -e 's/[-.]/_/g' | tr 'a-z' 'A-Z')_VERSION
    if echo "$declared" | grep -qx "$a"; then args+=(--build-arg "$a=$v"); fi
  done <<< "${VERSIONS[$n]}"
  while IFS='=' read -r k v; do [ -n "$k" ] && args+=(--build-arg "$k=$v"); done <<< "${BUILDARGS[$n]}"
  args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
  parent=${FROM[$n]}
  if [ -n "$parent" ]; then
    args+=(--build-arg "$(echo "$parent" | tr 'a-z' 'A-Z')_IMAGE=$(ref_of "$parent")")
  fi
  hash=$(context_hash "$n" "${SPEC[$n]}")
  [ $no_cache = 1 ] && args+=(--no-cache)
  echo "== docker build ${args[*]}" >> "$log"
  say "$n: building $ref (log: $log)"
  DOCKER_BUILDKIT=0 docker build --force-rm "${args[@]}" \
        --label "org.opencontainers.image.title=$n" \
        --label "org.opencontainers.image.version=${TAG[$n]}" \
        --label "org.bigdata-labs.context=$hash" \
        -t "$ref" "$IMAGES_DIR/$n" >> "$log" 2>&1 &
  local pid=$! last="" now
  # Live progress: the Dockerfile step in progress and the time so far, when the step changes
  # or every 30 s.
  local ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    ticks=$((ticks + 1))
    now=$(grep -E '^Step [0-9]+/[0-9]+ : ' "$log" | tail -n 1 | cut -c1-110)
    if [ -n "$now" ] && { [ "$now" != "$last" ] || [ $((ticks % 15)) = 0 ]; }; then
      say "$n: $now ($((SECONDS - start))s)"
      last=$now
    fi
  done
  wait "$pid" || die "building $ref failed" "see $log (last lines: $(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-300))"
  local size; size=$(docker image inspect -f '{{.Size}}' "$ref")
  say "$n: built ($((SECONDS - start))s, $(human "$size"))"
}

for n in "${ORDER[@]}"; do
  [ -n "${want[$n]:-}" ] || continue
  build_one "$n"
done
