#!/usr/bin/env bash
# gRPC's own C++ interop client and server (test/cpp/interop of Debian's grpc
# source package, $GRPC_DEB_VERSION), built against Debian's libgrpc++-dev
# into $OUT/cpp/{interop_client,interop_server}. Cached: a second run only
# checks its stamp.
source "$(dirname "$0")/lib.sh"

recipe=$(printf '%s %s' "$GRPC_DEB_VERSION" "$(hash_files "$INTEROP_SCRIPTS/cpp/CMakeLists.txt")")
if stamp_ok cpp "$recipe" && [[ -x "$OUT/cpp/interop_client" && -x "$OUT/cpp/interop_server" ]]; then
    exit 0
fi
start=$SECONDS
# shellcheck disable=SC2086
apt_need $CPP_APT_PACKAGES
# The programs must be built from the source of the very libgrpc they link.
have=$(dpkg-query -W -f='${source:Version}' libgrpc++-dev)
[[ $have == "$GRPC_DEB_VERSION" ]] ||
    die "libgrpc++-dev comes from grpc $have, the pinned source is $GRPC_DEB_VERSION: change GRPC_DEB_VERSION in lib.sh"
fetch_grpc_source

log "building the C++ interop client and server (gRPC $GRPC_DEB_VERSION)"
build=$OUT/cpp-build
mkdir -p "$build" "$OUT/cpp"
cmake -S "$INTEROP_SCRIPTS/cpp" -B "$build" -DGRPC_SRC="$GRPC_SRC" >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; die "cmake failed"; }
cmake --build "$build" -j "${INTEROP_JOBS:-2}" >"$build/build.log" 2>&1 ||
    { tail -40 "$build/build.log" >&2; die "the C++ build failed (log: $build/build.log)"; }
cp "$build/interop_client" "$build/interop_server" "$OUT/cpp/"
stamp_set cpp "$recipe"
record_time cpp $((SECONDS - start))
log "C++ programs built in $((SECONDS - start)) s"
