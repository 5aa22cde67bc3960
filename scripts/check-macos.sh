#!/usr/bin/env bash
# Type-checks the whole workspace for macOS (x86_64-apple-darwin): no macOS
# machine is needed for a check, only a std built from source by Debian's
# rustc-web (installed by scripts/test-windows.sh, or here if missing).
# C in dependencies is not compiled for the target (there is no macOS SDK):
# see below.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for package in rustc-web rust-web-src; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
        sudo=()
        if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
        "${sudo[@]}" apt-get update
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y rustc-web rust-web-src
        break
    fi
done
# Every feature, TLS included. Crates with C in them (ring for TLS, zstd-sys
# for zstd compression) build it in their build scripts, and no Linux
# machine has Apple's SDK headers to build it for macOS; but a check links
# nothing, so a compiler and archiver that do nothing (`true`) stand in for
# the target's, and only the Rust is checked, which is the point.
CC_x86_64_apple_darwin=true AR_x86_64_apple_darwin=true \
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    cargo check --all-features -Zbuild-std=std,panic_abort --target x86_64-apple-darwin \
    --target-dir "$root/target/macos" --workspace --all-targets "$@"
