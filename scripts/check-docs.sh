#!/usr/bin/env bash
# Builds the API docs of the published crates (piperpc, pipecurl) as a user
# and as docs.rs build them, and fails on any rustdoc warning: a broken or
# private intra-doc link, a bad code block attribute, an unclosed HTML tag.
#
# 1. Stable rustdoc, all features: what `cargo doc` gives a user.
# 2. The docs.rs form ([package.metadata.docs.rs] in each Cargo.toml): all
#    features and `--cfg docsrs`, under which each lib.rs turns on
#    `feature(doc_cfg)`, so gated items say "Available on crate feature
#    `tls` only". That needs RUSTC_BOOTSTRAP=1 on a stable toolchain; it is
#    given to rustdoc alone, through a wrapper, because build scripts
#    (proc-macro2, anyhow, thiserror) watch RUSTC_BOOTSTRAP: set for the
#    whole build, it would rebuild every dependency here and again in the
#    next ordinary build.
# 3. The docs.rs pages mark the `tls` items as such.
#
# The docs of the last build are in target/doc/ (the docs.rs form).
set -euo pipefail
cd "$(dirname "$0")/.."
crates=(-p piperpc -p pipecurl)
target="${CARGO_TARGET_DIR:-target}"

echo "== rustdoc, all features"
RUSTDOCFLAGS="-D warnings" cargo doc --locked "${crates[@]}" --all-features --no-deps

echo "== rustdoc as docs.rs runs it (--cfg docsrs)"
mkdir -p "$target"
wrapper="$(cd "$target" && pwd)/rustdoc-bootstrap"
printf '#!/bin/sh\nRUSTC_BOOTSTRAP=1 exec rustdoc "$@"\n' >"$wrapper"
chmod +x "$wrapper"
RUSTDOC="$wrapper" RUSTDOCFLAGS="-D warnings --cfg docsrs" \
    cargo doc --locked "${crates[@]}" --all-features --no-deps

echo "== feature badges"
for page in "$target"/doc/piperpc/tls/index.html "$target"/doc/pipecurl/harness/tls/index.html; do
    if ! grep -q 'crate feature <code>tls</code>' "$page"; then
        echo "error: $page does not say that it needs the crate feature tls" >&2
        exit 1
    fi
done
echo "ok: the tls items say they need the tls feature"
