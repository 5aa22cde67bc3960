#!/usr/bin/env bash
# The public API of the published libraries, kept in the repository so that
# every change to it is deliberate and shows in review:
#
#   transport/public-api.txt   piperpc
#   pipecurl/public-api.txt    pipecurl's library (the test harness)
#
# Each is cargo-public-api's listing (one line per public item, sorted) of
# the crate with all features, as built for x86_64 Linux: Windows-only items
# are not in it, Unix-only ones are. Blanket impls (`impl<T> From<T> for T`
# and the like) are left out; auto traits (Send, Sync, Unpin, the unwind
# safety ones) stay, since losing one breaks users.
#
# Without arguments the listings are regenerated and compared: a difference
# fails, printing the diff. After an intended API change, run
#
#   bash scripts/check-public-api.sh --bless
#
# and commit the updated listings with the change.
#
# cargo-public-api reads rustdoc JSON, which stable rustdoc writes only with
# RUSTC_BOOTSTRAP=1. It is given to rustdoc alone, through a wrapper (as in
# scripts/check-docs.sh): build scripts watch RUSTC_BOOTSTRAP, and set for
# the whole build it would rebuild every dependency. The rustdoc JSON format
# changes with the Rust version; cargo-public-api is pinned to the release
# that reads what this toolchain writes (format 57: Rust 1.95 stable and the
# nightlies around it, cargo-public-api 0.50 to 0.52). A toolchain update
# that changes the format needs a matching cargo-public-api here.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" != Linux ]; then
    echo "error: the listings are of the Linux build (cfg(unix) items in, Windows-only ones out); run this on Linux" >&2
    exit 2
fi

version=0.52.0
bless=false
case "${1:-}" in
    "") ;;
    --bless) bless=true ;;
    *)
        echo "usage: $0 [--bless]" >&2
        exit 2
        ;;
esac

# Installed once per machine (about three minutes of compiling), then kept.
if [ "$(cargo public-api --version 2>/dev/null)" != "cargo-public-api $version" ]; then
    echo "== installing cargo-public-api $version"
    cargo install --locked cargo-public-api --version "$version"
fi

mkdir -p target
wrapper="$PWD/target/rustdoc-json-bootstrap"
printf '#!/bin/sh\nRUSTC_BOOTSTRAP=1 exec rustdoc "$@"\n' >"$wrapper"
chmod +x "$wrapper"

failed=()
for entry in piperpc:transport pipecurl:pipecurl; do
    crate=${entry%%:*}
    listing=${entry#*:}/public-api.txt
    echo "== public API of $crate ($listing)"
    RUSTDOC="$wrapper" cargo rustdoc --locked --quiet -p "$crate" --lib --all-features \
        -- -Z unstable-options --output-format json
    current="target/public-api-$crate.txt"
    # Freeze and UnsafeUnpin are the compiler's internal auto traits: no
    # user names them, and which of them rustdoc lists changes with Rust.
    cargo public-api --rustdoc-json "target/doc/$crate.json" --omit blanket-impls |
        grep -v -E '^impl(<[^>]*>)? !?core::marker::(Freeze|UnsafeUnpin) for ' >"$current"
    if $bless; then
        cp "$current" "$listing"
        echo "updated $listing ($(wc -l <"$listing") items)"
    elif ! diff -u "$listing" "$current"; then
        failed+=("$listing")
    else
        echo "ok: unchanged ($(wc -l <"$listing") items)"
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    cat >&2 <<EOF

error: the public API differs from ${failed[*]} (the diff above: - listed,
+ as the code is now). If the change is intended, run

    bash scripts/check-public-api.sh --bless

and commit the updated listing with it (and say in CHANGELOG.md what users
must change). If not, the diff names the item that became public or changed.
EOF
    exit 1
fi
