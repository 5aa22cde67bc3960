#!/usr/bin/env bash
# Fuzzes the :authority rewriter for SECONDS (default 60) with cargo-fuzz
# (fuzz/README.md): installs cargo-fuzz if missing, builds the target (in
# fuzz/target, apart from the workspace's target/), runs it from the corpus
# in fuzz/corpus (seeded from the committed fuzz/seeds/), and exits non-zero
# on a finding, which libFuzzer saves under fuzz/artifacts/authority_rewriter/.
#
#   scripts/fuzz.sh [SECONDS]
#
# Only stable Rust is needed: cargo-fuzz passes nightly flags (-Z
# sanitizer=address and others), which stable rustc takes with
# RUSTC_BOOTSTRAP=1; libFuzzer itself is C++, built with the system's c++.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-60}"
cargo_fuzz_version=0.13.1

if ! cargo fuzz --version 2>/dev/null | grep -qF "cargo-fuzz $cargo_fuzz_version"; then
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

export RUSTC_BOOTSTRAP=1
cd fuzz
mkdir -p corpus/authority_rewriter
# The seeds: a long run's corpus, minimized (files are named by their hash,
# so unpacking them again changes nothing).
tar -xzf seeds/authority_rewriter.tar.gz -C corpus/authority_rewriter
# Built first, so that the time given is all fuzzing.
cargo fuzz build authority_rewriter
# -timeout: an input that takes 10 s is a hang, and a finding.
cargo fuzz run authority_rewriter corpus/authority_rewriter -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1
