#!/usr/bin/env bash
# Checks that the workspace's `rust-version` (the MSRV) is true for the
# published crates, piperpc and pipecurl:
#
# 1. no dependency they resolve to (Cargo.lock, all features, normal and
#    build dependencies) declares a higher `rust-version`;
# 2. that Rust release builds them, for Linux with every feature and for
#    Windows (x86_64-pc-windows-gnu) without TLS, whose C would need the
#    target's C compiler for rustup's std as well.
#
# Newer standard-library APIs are caught earlier too, by clippy's
# `incompatible_msrv` lint (denied in the workspace's lints); a newer
# language feature (let-chains, say) only by the build in 2.
#
#   scripts/check-msrv.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
crates=(piperpc pipecurl)

msrv="$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
[[ -n $msrv ]] || { echo "no rust-version in Cargo.toml's [workspace.package]" >&2; exit 1; }
echo "declared rust-version: $msrv"

# Every crate each published one resolves to, and the highest rust-version
# among them.
highest_needed=$(cat <<'PYTHON'
import json, sys
msrv, crates = sys.argv[1], sys.argv[2:]
version = lambda text: tuple(int(part) for part in (text.split(".") + ["0", "0"])[:3])
shown = lambda version: ".".join(map(str, version))
meta = json.load(sys.stdin)
packages = {package["id"]: package for package in meta["packages"]}
nodes = {node["id"]: node for node in meta["resolve"]["nodes"]}
failed = False
for crate in crates:
    [root] = [id for id, package in packages.items()
              if package["name"] == crate and package["source"] is None]
    seen, todo = set(), [root]
    while todo:
        id = todo.pop()
        if id not in seen:
            seen.add(id)
            todo += [dep["pkg"] for dep in nodes[id]["deps"]
                     if any(kind["kind"] in (None, "build") for kind in dep["dep_kinds"])]
    needs = sorted((version(packages[id]["rust_version"]), packages[id]["name"], packages[id]["version"])
                   for id in seen if packages[id].get("rust_version"))
    highest = needs[-1]
    print(f"{crate}: {len(seen)} crates; the highest rust-version among them is "
          f"{highest[1]} {highest[2]}: {shown(highest[0])}")
    for need, name, number in needs:
        if need > version(msrv):
            print(f"  {name} {number} needs Rust {shown(need)}, above {msrv}", file=sys.stderr)
            failed = True
sys.exit(1 if failed else 0)
PYTHON
)
cargo metadata --locked --format-version 1 --all-features |
    python3 -c "$highest_needed" "$msrv" "${crates[@]}"

# The build itself, with that release from rustup. Where rustup's host is
# out of reach the check cannot be made: say so loudly rather than pass.
if ! rustup toolchain install "$msrv" --profile minimal --target x86_64-pc-windows-gnu; then
    echo "MSRV BUILD NOT CHECKED: rustup could not install Rust $msrv here" >&2
    echo "(the dependency check above passed)" >&2
    exit 0
fi
packages=()
for crate in "${crates[@]}"; do packages+=(-p "$crate"); done
# A target dir of its own: another rustc's artifacts would only evict the
# stable ones from target/debug.
export CARGO_TARGET_DIR="$root/target/msrv"
cargo "+$msrv" check --locked "${packages[@]}" --all-features
cargo "+$msrv" check --locked "${packages[@]}" --target x86_64-pc-windows-gnu
echo "Rust $msrv builds ${crates[*]}"
