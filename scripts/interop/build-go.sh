#!/usr/bin/env bash
# grpc-go's interop client and server (google.golang.org/grpc/interop/client
# and .../server at the version go/go.mod pins, checked against go/go.sum),
# built into $OUT/go/{interop_client,interop_server}. Module and build
# caches live under $OUT too. Cached: a second run only checks its stamp.
source "$(dirname "$0")/lib.sh"

dir=$INTEROP_SCRIPTS/go
recipe=$(hash_files "$dir/go.mod" "$dir/go.sum")
if stamp_ok go "$recipe" && [[ -x "$OUT/go/interop_client" && -x "$OUT/go/interop_server" ]]; then
    exit 0
fi
command -v go >/dev/null || die "needs Go (go.mod says which)"
start=$SECONDS
version=$(awk '$1 == "google.golang.org/grpc" { print $2 }' "$dir/go.mod")
log "building grpc-go $version's interop client and server"
mkdir -p "$OUT/go"
export GOPATH=$OUT/gopath GOCACHE=$OUT/gocache GOFLAGS=-mod=mod GOTOOLCHAIN=local
(cd "$dir" && go build -o "$OUT/go/client.tmp" google.golang.org/grpc/interop/client &&
    go build -o "$OUT/go/server.tmp" google.golang.org/grpc/interop/server) >"$OUT/go/build.log" 2>&1 ||
    { tail -30 "$OUT/go/build.log" >&2; die "go build failed (log: $OUT/go/build.log)"; }
mv "$OUT/go/client.tmp" "$OUT/go/interop_client"
mv "$OUT/go/server.tmp" "$OUT/go/interop_server"
stamp_set go "$recipe"
record_time go $((SECONDS - start))
log "grpc-go programs built in $((SECONDS - start)) s"
