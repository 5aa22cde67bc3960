#!/usr/bin/env bash
# Checks that the published crates (piperpc, then pipecurl, which depends on
# it) package as a stranger will get them from crates.io:
#
# 1. `cargo package --list`: each package holds its README and licenses and
#    no junk (build output, editor and patch leftovers, sockets, logs).
# 2. `cargo package`, with its verify build: each .crate file, unpacked on
#    its own, builds (pipecurl against the packaged piperpc, through cargo's
#    local overlay registry: cargo 1.90 or later).
# 3. `cargo publish --dry-run`: what crates.io's side of cargo checks before
#    an upload (the packages once more, without a second verify build).
#
# Extra arguments go to every cargo command (`--allow-dirty` on a working
# tree with uncommitted changes). The .crate files are left in
# target/package/.
set -euo pipefail
cd "$(dirname "$0")/.."
crates=(-p piperpc -p pipecurl)
# The verify build uses the packaged crate's own profile, not the
# workspace's; the workspace's debug setting keeps its dependencies the
# same size as (and partly shared with) those of the other builds.
export CARGO_PROFILE_DEV_DEBUG=line-tables-only

echo "== cargo package --list"
for crate in piperpc pipecurl; do
    files="$(cargo package --list --locked -p "$crate" "$@")"
    for needed in Cargo.toml README.md LICENSE-MIT LICENSE-APACHE; do
        if ! grep -qx "$needed" <<<"$files"; then
            echo "error: the $crate package lacks $needed" >&2
            exit 1
        fi
    done
    junk="$(grep -E '(^|/)(target|node_modules|\.git|\.vscode|\.idea)/|\.(orig|rej|swp|bak|tmp|sock|log|profraw)$|~$|(^|/)\.DS_Store$' <<<"$files" |
        grep -vx 'Cargo.toml.orig' || true)"
    if [[ -n "$junk" ]]; then
        printf 'error: the %s package holds files it should not:\n%s\n' "$crate" "$junk" >&2
        exit 1
    fi
    echo "$crate: $(wc -l <<<"$files") files"
done

echo "== cargo package (with the verify build)"
cargo package --locked "${crates[@]}" "$@"

echo "== cargo publish --dry-run"
cargo publish --dry-run --no-verify --locked "${crates[@]}" "$@"
