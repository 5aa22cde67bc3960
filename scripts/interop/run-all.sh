#!/usr/bin/env bash
# The whole interop matrix, for CI:
#  - the official C++, Go, Java and Python clients against piperpc-interop's
#    server on a Unix socket, TCP loopback and TLS;
#  - piperpc-interop's client against the official C++, Go and Java servers
#    (TCP and TLS: none of them can listen on a Unix socket).
# Builds what it needs (cached under target/interop/), writes
# target/interop/results.md and results.json, exits 1 when any case failed.
source "$(dirname "$0")/lib.sh"

start=$SECONDS
bash "$INTEROP_SCRIPTS/build-all.sh"
ensure_piperpc_interop
log "toolchains ready in $((SECONDS - start)) s"
status=0
python3 "$INTEROP_SCRIPTS/run.py" \
    --matrix piperpc/unix,tcp,tls/cpp,go,java,python \
    --matrix cpp/tcp,tls/piperpc \
    --matrix go/tcp,tls/piperpc \
    --matrix java/tcp,tls/piperpc || status=$?
log "interop: $((SECONDS - start)) s in all"
exit $status
