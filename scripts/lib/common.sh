# Shared by scripts/toolchain.sh and scripts/kube/*.sh: the cache layout and small helpers.
# Source it after `set -euo pipefail`; it expects REPO to be set by the caller.
# dockerd, iptables and friends live in sbin, which a non-login shell may not have on PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ROOT=${BIGDATA_LABS_HOME:-/var/cache/bigdata-labs}
BIN=$ROOT/bin
SRC=$ROOT/src
LOGS=$ROOT/logs
TMPD=$ROOT/tmp
STAMPS=$ROOT/stamps
DEBIAN_MIRROR=http://deb.debian.org/debian
MIN_FREE_GB=10
MIN_GO_MINOR=25

# ---------------------------------------------------------------- helpers

die() { # die <what is missing> <how to fix>
    echo "toolchain: $1 — $2" >&2
    exit 1
}

log() { echo "[toolchain] $*"; }

# run_step <name> <function>: the function sets STATUS=built|reused.
run_step() {
    local name=$1 fn=$2 t0 dt
    STATUS=reused
    t0=${EPOCHREALTIME/./}
    "$fn"
    dt=$(((${EPOCHREALTIME/./} - t0) / 100000)) # tenths of a second
    echo "[toolchain] $name: $STATUS ($((dt / 10)).$((dt % 10))s)"
}

forced() { [[ " ${TOOLCHAIN_FORCE:-} " == *" $1 "* ]]; }

is_root() { [[ $(id -u) -eq 0 ]]; }

DISK_CHECKED=
need_disk() {
    [[ -n $DISK_CHECKED ]] && return 0
    local avail_kb
    avail_kb=$(df -Pk "$ROOT" | awk 'NR==2 {print $4}')
    if ((avail_kb < MIN_FREE_GB * 1024 * 1024)); then
        die "${MIN_FREE_GB} GB free disk at $ROOT (have $((avail_kb / 1024 / 1024)) GB)" \
            "free space or set BIGDATA_LABS_HOME to a larger disk"
    fi
    DISK_CHECKED=1
}

APT_UPDATED=
apt_install() { # apt_install <pkg>... (installs only what is missing)
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    is_root || die "root to install ${missing[*]}" "rerun as root (sudo npm run toolchain) or install them yourself"
    command -v apt-get >/dev/null || die "apt-get to install ${missing[*]}" "install ${missing[*]} with your package manager"
    need_disk
    if [[ -z $APT_UPDATED ]]; then
        apt-get update >>"$LOGS/apt.log" 2>&1 ||
            die "the Debian package registry (apt-get update failed, see $LOGS/apt.log)" "check network/proxy settings for deb.debian.org"
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$LOGS/apt.log" 2>&1 ||
        die "packages ${missing[*]} (apt-get install failed, see $LOGS/apt.log)" "fix apt and rerun"
}

# Go: a toolchain new enough for the modules, and a reachable module proxy.
GO_READY=
need_go() {
    [[ -n $GO_READY ]] && return 0
    local cand v minor found=
    for cand in "$(command -v go || true)" /usr/local/go/bin/go; do
        [[ -n $cand && -x $cand ]] || continue
        v=$("$cand" env GOVERSION 2>/dev/null || true) # e.g. go1.26.8
        minor=$(echo "$v" | sed -nE 's/^go1\.([0-9]+).*/\1/p')
        if [[ -n $minor ]] && ((minor >= MIN_GO_MINOR)); then
            found=$cand
            break
        fi
    done
    [[ -n $found ]] || die "Go 1.${MIN_GO_MINOR}+ (found: ${v:-none})" "install it from https://go.dev/dl into /usr/local/go"
    PATH=$(dirname "$found"):$PATH
    export GOFLAGS="-mod=mod -modcacherw" GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOSUMDB=off
    # Keep the module and build caches under the cache root unless the user chose their own.
    export GOMODCACHE=${GOMODCACHE:-$ROOT/go/mod}
    export GOCACHE=${GOCACHE:-$ROOT/go/cache}
    export GOPATH=${GOPATH:-$ROOT/go/path}
    local proxy
    proxy=$(go env GOPROXY | tr '|' ',' | cut -d, -f1)
    if [[ $proxy == http* ]] && command -v curl >/dev/null; then
        curl -fsS -o /dev/null --max-time 30 "$proxy/github.com/pulumi/pulumi/sdk/v3/@v/list" 2>/dev/null ||
            die "the Go module proxy $proxy (unreachable)" "check network/proxy settings or set GOPROXY"
    fi
    need_disk
    GO_READY=1
}

# go_get <module@version> <dir> <log>: copy a module's source tree out of the module cache.
go_get() {
    local mod=$1 dest=$2 logf=$3 dir
    if [[ -f $dest/.toolchain-complete ]] && [[ $(cat "$dest/.toolchain-complete") == "$mod" ]]; then
        return 0
    fi
    dir=$(cd "$TMPD" && GOFLAGS=-modcacherw go mod download -json "$mod" | node -e '
        let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
            const j = JSON.parse(s);
            if (j.Error || !j.Dir) { console.error(j.Error || "no Dir"); process.exit(1); }
            console.log(j.Dir);
        });' 2>>"$logf") || die "module $mod from the Go module proxy (see $logf)" "check GOPROXY and the log"
    rm -rf "$dest"
    mkdir -p "$dest"
    cp -a "$dir"/. "$dest"/
    chmod -R u+w "$dest"
    echo "$mod" >"$dest/.toolchain-complete"
}

# log_header <log> <what>: separate runs inside a build log.
log_header() { echo "=== $(date -u '+%Y-%m-%dT%H:%M:%SZ') building $2" >>"$1"; }

# install_bin <built file> <name>: atomically put a finished binary into bin/.
install_bin() {
    chmod 0755 "$1"
    mv -f "$1" "$BIN/$2"
}

stamp_ok() { [[ -f $STAMPS/$1 ]] && [[ $(cat "$STAMPS/$1") == "$2" ]] && [[ -x $BIN/$1 ]]; }
stamp_set() { echo "$2" >"$STAMPS/$1"; }

# Version of an npm package as locked by the project, or empty.
locked_version() {
    local lock=$REPO/package-lock.json
    [[ -f $lock ]] || return 0
    node -e '
        const l = require(process.argv[1]);
        const p = (l.packages || {})["node_modules/" + process.argv[2]] || (l.dependencies || {})[process.argv[2]];
        if (p && p.version) console.log(p.version);' "$lock" "$1" 2>/dev/null || true
}
