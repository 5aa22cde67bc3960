# Shared by the scripts in scripts/interop/ (sourced, not run).
#
# Everything fetched or built lives under $PIPERPC_INTEROP_DIR (default
# target/interop/ of the repository), so a second run reuses it.

set -euo pipefail

INTEROP_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$INTEROP_SCRIPTS/../.." && pwd)
OUT=${PIPERPC_INTEROP_DIR:-$ROOT/target/interop}
mkdir -p "$OUT/stamps" "$OUT/times"

# The locked versions. Debian's grpc source package is the one bookworm's
# libgrpc++-dev / python3-grpcio are built from; the C++ programs and the
# Python client come from it. grpc-go's version is in go/go.mod (go.sum
# beside it), grpc-java's in java/pom.xml, grpcio's in python/requirements.txt.
GRPC_DEB_VERSION=1.51.1-3
GRPC_UPSTREAM_VERSION=${GRPC_DEB_VERSION%-*}
GRPC_SRC=$OUT/src/grpc-$GRPC_UPSTREAM_VERSION
CPP_APT_PACKAGES="libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
libabsl-dev libre2-dev libc-ares-dev libssl-dev zlib1g-dev cmake g++ make pkgconf dpkg-dev"

log() { printf '[interop] %s\n' "$*" >&2; }
die() { printf '[interop] error: %s\n' "$*" >&2; exit 1; }

# A stamp records what a cached piece was built from; a piece is rebuilt
# when its stamp's text changes (a new pinned version, an edited recipe).
stamp_ok() { [[ -f "$OUT/stamps/$1" && "$(cat "$OUT/stamps/$1")" == "$2" ]]; }
stamp_set() { printf '%s' "$2" >"$OUT/stamps/$1"; }

# record_time PIECE SECONDS: how long a piece's last build took, kept for the
# summary (a cached run builds nothing and leaves it).
record_time() { printf '%s\n' "$2" >"$OUT/times/$1"; }

hash_files() { cat "$@" | sha256sum | cut -c1-16; }

# The machine's Debian packages named, installed if any is missing.
apt_need() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    [[ $(id -u) == 0 ]] || die "needs Debian packages: ${missing[*]} (run as root, or apt-get install them)"
    log "apt-get install ${missing[*]}"
    if [[ ! -f "$OUT/stamps/apt-updated" ]]; then
        apt-get update -q >&2 && touch "$OUT/stamps/apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# Debian's grpc source package at $GRPC_DEB_VERSION, unpacked at $GRPC_SRC
# (test/cpp/interop for the C++ programs, src/python/grpcio_tests for the
# Python client, src/core/tsi/test_creds for the test certificates).
fetch_grpc_source() {
    [[ -f "$GRPC_SRC/test/cpp/interop/interop_client.cc" ]] && stamp_ok grpc-src "$GRPC_DEB_VERSION" && return 0
    apt_need dpkg-dev
    if ! apt-cache showsrc grpc 2>/dev/null | grep -qx "Version: $GRPC_DEB_VERSION"; then
        [[ $(id -u) == 0 ]] || die "apt has no deb-src entry for grpc $GRPC_DEB_VERSION; add one (as root)"
        log "adding a deb-src entry (/etc/apt/sources.list.d/piperpc-interop-src.sources)"
        cat >/etc/apt/sources.list.d/piperpc-interop-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
        apt-get update -q >&2
        apt-cache showsrc grpc | grep -qx "Version: $GRPC_DEB_VERSION" ||
            die "Debian no longer has the grpc source $GRPC_DEB_VERSION; pin the one it has (apt-cache showsrc grpc)"
    fi
    mkdir -p "$OUT/src"
    rm -rf "$GRPC_SRC"
    (cd "$OUT/src" && apt-get source -q --download-only "grpc=$GRPC_DEB_VERSION" >&2 &&
        dpkg-source -x "grpc_$GRPC_DEB_VERSION.dsc" "grpc-$GRPC_UPSTREAM_VERSION" >&2)
    stamp_set grpc-src "$GRPC_DEB_VERSION"
}

# piperpc-interop, built by cargo unless PIPERPC_INTEROP_BIN names a binary.
ensure_piperpc_interop() {
    if [[ -n ${PIPERPC_INTEROP_BIN:-} ]]; then
        [[ -x $PIPERPC_INTEROP_BIN ]] || die "PIPERPC_INTEROP_BIN=$PIPERPC_INTEROP_BIN is not an executable"
        return 0
    fi
    log "cargo build -p piperpc-interop"
    (cd "$ROOT" && cargo build -q -p piperpc-interop) || die "cargo build -p piperpc-interop failed"
    export PIPERPC_INTEROP_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/piperpc-interop
}
