#!/usr/bin/env bash
# Cargo runner for x86_64-pc-windows-gnu (see .cargo/config.toml): runs a
# cross-compiled test or binary under Wine, in the project's own prefix.
#
# Cargo starts the runner with the package directory as cwd, so the prefix is
# found from this script's own path unless WINEPREFIX is already set (which
# scripts/test-windows.sh does, and cargo passes through).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export WINEPREFIX="${WINEPREFIX:-$here/../../target/wine-prefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
exec /usr/lib/wine/wine64 "$@"
