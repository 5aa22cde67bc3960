#!/usr/bin/env bash
# Type-checks the whole workspace for macOS (x86_64-apple-darwin): no macOS
# machine is needed for a check, only a std built from source by Debian's
# rustc-web (installed by scripts/test-windows.sh, or here if missing).
# Features that compile C for the target (TLS, later) must stay off here:
# there is no macOS SDK.
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
# --no-default-features: TLS off. ring (rustls's crypto) compiles C that
# needs Apple's SDK headers, which no Linux machine has; the Rust code
# behind the `tls` feature is the same on every Unix.
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    cargo check --no-default-features -Zbuild-std=std,panic_abort --target x86_64-apple-darwin \
    --target-dir "$root/target/macos" --workspace --all-targets "$@"
