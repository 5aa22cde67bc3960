#!/usr/bin/env bash
# Builds the workspace for Windows (x86_64-pc-windows-gnu) and runs its tests
# under Wine, against the real Win32 named-pipe API.
#
#   bash scripts/test-windows.sh                          # whole workspace
#   bash scripts/test-windows.sh -p piperpc     # one package
#   bash scripts/test-windows.sh -p piperpc --test pipe_roundtrip
#   bash scripts/test-windows.sh --clippy                 # clippy -D warnings instead
#
# Extra arguments go to `cargo test` as they are. Exits with cargo's status.
#
# How it works (see windows-under-wine.md in the shared notes):
# - Debian's rustc-web (a second rustc at /usr/bin/rustc, with its std source
#   in rust-web-src) builds the Windows std with -Zbuild-std, since rustup
#   cannot download the Windows target here; rustup's cargo drives it.
# - mingw links; .cargo/config.toml sets the linker and the runner,
#   scripts/wine/run.sh, which runs each test .exe under Wine.
# - Wine 8 lacks bcryptprimitives.dll's ProcessPrng, which Rust's std
#   imports: a small shim DLL (scripts/wine/bcryptprimitives.c) goes into the
#   prefix's system32.
# - The Wine prefix is the project's own, target/wine-prefix, made once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target=x86_64-pc-windows-gnu
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver

# A caller may pick another prefix: one run's `wineserver -k` at its end
# kills every Wine process of its prefix, another run's too.
export WINEPREFIX="${WINEPREFIX:-$root/target/wine-prefix}"
export WINEDEBUG=-all
# No Mono / Gecko install prompts while the prefix is created.
export WINEDLLOVERRIDES="mscoree=;mshtml="

# --- 1. packages -------------------------------------------------------------
apt_packages=(wine64 gcc-mingw-w64-x86-64 rustc-web rust-web-src rust-web-clippy)
missing=()
for package in "${apt_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$package")
    fi
done
if ((${#missing[@]})); then
    echo "test-windows: installing ${missing[*]}" >&2
    sudo=()
    if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
command -v cargo >/dev/null || {
    echo "test-windows: cargo (rustup's) is not on PATH" >&2
    exit 1
}

# From here on, no Wine process may outlive the run, whatever happens.
stop_wine() {
    local status=$?
    if [[ -d $WINEPREFIX ]]; then
        "$wineserver" -k 2>/dev/null || true
        "$wineserver" -w 2>/dev/null || true
    fi
    exit "$status"
}
trap stop_wine EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 2. Wine prefix and the bcryptprimitives shim ----------------------------
if [[ ! -f $WINEPREFIX/system.reg ]]; then
    echo "test-windows: creating the Wine prefix $WINEPREFIX" >&2
    mkdir -p "$WINEPREFIX"
    # Without a display Wine may complain about one, and wine64 alone reports
    # "failed to open ...syswow64\rundll32.exe: c0000135" (no 32-bit Wine):
    # both harmless, the prefix is made anyway.
    DISPLAY= "$wine" wineboot -i
    "$wineserver" -w
fi

shim_src="$root/scripts/wine/bcryptprimitives.c"
shim_dll="$root/target/wine-shim/bcryptprimitives.dll"
if [[ ! -f $shim_dll || $shim_src -nt $shim_dll ]]; then
    mkdir -p "$(dirname "$shim_dll")"
    x86_64-w64-mingw32-gcc -O2 -shared -o "$shim_dll" "$shim_src" -ladvapi32
fi
system32="$WINEPREFIX/drive_c/windows/system32"
if ! cmp -s "$shim_dll" "$system32/bcryptprimitives.dll"; then
    cp "$shim_dll" "$system32/bcryptprimitives.dll"
fi

# --- 3. build and test -------------------------------------------------------
# --clippy: Windows-only code gets lints too. Debian's rust-web-clippy matches
# the rustc-web that builds the Windows target (rustup's clippy does not).
if [[ ${1:-} == --clippy ]]; then
    shift
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
        /usr/bin/cargo-clippy clippy -Zbuild-std=std,panic_abort --target "$target" \
        --target-dir "$root/target/windows" --workspace --all-targets "$@" -- -D warnings
    exit
fi

# Doc tests run too, under Wine: cargo (>= 1.89) cross-compiles doctests and
# hands rustdoc the runner as --test-runtool. RUSTDOC must be the rustdoc that
# matches /usr/bin/rustc (rustup's would reject the std built here).
#
# The whole workspace unless the caller picked packages (cargo ignores -p
# when --workspace is given too).
packages=(--workspace)
for arg in "$@"; do
    case $arg in
    --) break ;;
    -p | -p* | --package | --package=* | --workspace | --all | --exclude | --exclude=*)
        packages=()
        ;;
    esac
done

# A target dir of its own. Sharing target/ would be safe (measured: neither
# build dirties the other's fingerprints) but gains nothing, as this build's
# other rustc shares no artifact with the host build, host-side build scripts
# and proc macros included; and a separate dir keeps the two builds from
# waiting on each other's target-dir lock.
status=0
RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    cargo test -Zbuild-std=std,panic_abort --target "$target" \
    --target-dir "$root/target/windows" "${packages[@]}" "$@" ||
    status=$?
exit "$status"
