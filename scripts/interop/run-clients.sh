#!/usr/bin/env bash
# Usage: scripts/interop/run-clients.sh [--clients=LIST] [--cases=LIST] SERVER TRANSPORT...
#
# Starts the interop server SERVER (cpp, go, java: the official ones; piperpc:
# piperpc-interop) on each TRANSPORT (unix, tcp, tls) and runs against it every
# client of LIST (default cpp,go,java,python: the official ones) with every
# case it has. Builds what it needs first (cached under target/interop/).
# Prints a line per case; writes target/interop/results.md and results.json;
# exits 1 when any case failed or did not run.
#
#   scripts/interop/run-clients.sh piperpc unix tcp tls    # the official clients against piperpc
#   scripts/interop/run-clients.sh --clients=piperpc go tcp tls   # piperpc's client against grpc-go
#   scripts/interop/run-clients.sh cpp tcp tls             # the harness against itself
source "$(dirname "$0")/lib.sh"

clients=cpp,go,java,python
extra=()
while [[ $# -gt 0 && $1 == --* ]]; do
    case $1 in
        --clients=*) clients=${1#--clients=} ;;
        --cases=*) extra+=("$1") ;;
        *) die "unknown option $1" ;;
    esac
    shift
done
(($# >= 2)) || die "usage: $0 [--clients=LIST] [--cases=LIST] SERVER TRANSPORT..."
server=$1
shift
transports=$(IFS=,; echo "$*")

pieces=()
for p in ${clients//,/ } "$server"; do
    case $p in
        cpp | go | java | python) [[ " ${pieces[*]} " == *" $p "* ]] || pieces+=("$p") ;;
        piperpc) ensure_piperpc_interop ;;
        *) die "unknown client or server $p" ;;
    esac
done
bash "$INTEROP_SCRIPTS/build-all.sh" "${pieces[*]}"
# The runner reads the test certificates from the grpc source (build-cpp/python fetch it).
fetch_grpc_source
exec python3 "$INTEROP_SCRIPTS/run.py" "${extra[@]}" --matrix "$server/$transports/$clients"
