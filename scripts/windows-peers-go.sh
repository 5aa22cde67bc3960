#!/usr/bin/env bash
# grpc-go on go-winio named pipes against piperpc, both ways, under Wine:
#
# 1. grpc-go's client (winio.DialPipe through grpc.WithContextDialer) calls
#    `piperpc serve` (message-type pipes) with all four RPC kinds;
# 2. a grpc-go server on winio.ListenPipe, once a byte-type pipe (go-winio's
#    default) and once a message-type pipe (PipeConfig.MessageMode), is
#    called by `piperpc call` (each RPC kind) and by `pipecurl` (by
#    reflection, and from the .proto file).
#
#   bash scripts/windows-peers-go.sh
#
# The Go program is tests/windows-peers/go (versions locked by its go.mod
# and go.sum; stubs generated from proto/ and committed, see its README),
# cross-compiled with GOOS=windows into target/windows-peers/go. The piperpc
# side is built and the Wine prefix set up by scripts/test-windows.sh, so
# after the Windows suite this only builds the Go program. Every check
# prints PASS or FAIL; a peer that cannot run is a FAIL with its log, and
# the script exits non-zero on any FAIL.
#
# What Wine 8 does not model, and how this script deals with it:
# - go-winio's pipes are all message-type under Wine (its
#   NtCreateNamedPipeFile takes any non-zero pipe type, go-winio's
#   FILE_PIPE_REJECT_REMOTE_CLIENTS included, as message type), so the run
#   on go-winio's default pipe is not a byte-type run here: each check names
#   the type the client's end reports, and a NOTE line says so. Byte-type
#   pipes under Wine: transport/tests/byte_type_pipe.rs (CreateNamedPipeW
#   with PIPE_TYPE_BYTE) and the Node peer.
# - go-winio's first pipe instance only reserves the name (Windows leaves it
#   disconnected); Wine leaves it listening, so the first client would hang
#   on it. The Go server claims it once under Wine before its ready line
#   (tests/windows-peers/go/main.go, claimReservation).
#
# Measured on 2 cores after the Windows suite: about 40 s to build the Go
# program on a fresh clone (module downloads included; the whole script took
# 50 s), seconds after; the runs under Wine take about 5 s.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS

out=$root/target/windows-peers/go
source scripts/wine/peers-lib.sh

log() { printf 'windows-peers-go: %s\n' "$*" >&2; }
die() {
    log "$*"
    exit 1
}

# --- 1. the Go program, for Windows ------------------------------------------
command -v go >/dev/null || die "needs Go (tests/windows-peers/go/go.mod says which)"
mkdir -p "$out"
log "building the grpc-go peer ($(awk '$1 == "google.golang.org/grpc" { print $2 }' tests/windows-peers/go/go.mod), go-winio $(awk '$1 == "github.com/Microsoft/go-winio" { print $2 }' tests/windows-peers/go/go.mod))"
(
    cd tests/windows-peers/go
    export GOPATH=$out/gopath GOCACHE=$out/gocache GOTOOLCHAIN=local GOFLAGS=-mod=readonly
    GOOS=windows GOARCH=amd64 go build -o "$out/peer.exe" .
) >"$out/build.log" 2>&1 || {
    tail -30 "$out/build.log" >&2
    die "go build failed (log: $out/build.log)"
}

# --- 2. piperpc.exe, pipecurl.exe and the Wine prefix ------------------------
log "building piperpc.exe and pipecurl.exe (scripts/test-windows.sh --no-run)"
bash scripts/test-windows.sh -p piperpc-demo -p pipecurl --no-run >"$out/cargo.log" 2>&1 || {
    tail -30 "$out/cargo.log" >&2
    die "the Windows build failed (log: $out/cargo.log)"
}
for exe in piperpc.exe pipecurl.exe; do
    [[ -x $bin/$exe ]] || die "$bin/$exe was not built"
done

# --- 3. runs under Wine ------------------------------------------------------

passed=0
failed=0
pass() {
    printf 'PASS  %s\n' "$1"
    passed=$((passed + 1))
}
fail() {
    printf 'FAIL  %s\n' "$1"
    shift
    for file in "$@"; do
        [[ -s $file ]] && sed 's/^/      | /' "$file" | tail -20
    done
    failed=$((failed + 1))
}

# Starts a server .exe under Wine (output to files: Wine programs and pipes
# for stdio do not always mix) and waits for its "listening on" line.
# Sets server_pid.
start_server() {
    local name=$1
    shift
    "$wine" "$@" >"$out/$name.out" 2>"$out/$name.err" &
    server_pid=$!
    background+=("$server_pid")
    local waited=0
    until grep -q 'listening on' "$out/$name.out" 2>/dev/null; do
        if ! kill -0 "$server_pid" 2>/dev/null || ((waited >= 600)); then
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

# check NAME EXPECTED-REGEX COMMAND...: runs COMMAND under Wine; passes when
# it exits 0 and its output matches every line of EXPECTED-REGEX.
check() {
    local name=$1 expected=$2
    shift 2
    local file=$out/${name//[^A-Za-z0-9_.-]/_}
    local status=0
    timeout 120 "$wine" "$@" >"$file.out" 2>"$file.err" || status=$?
    if ((status != 0)); then
        fail "$name (exit status $status)" "$file.out" "$file.err"
        return
    fi
    local pattern
    while IFS= read -r pattern; do
        if ! grep -qE -- "$pattern" "$file.out"; then
            fail "$name (no line matches '$pattern')" "$file.out" "$file.err"
            return
        fi
    done <<<"$expected"
    pass "$name"
}

pipe() { printf '\\\\.\\pipe\\piperpc-go-%s-%s' "$1" "$$"; }

# 3a. grpc-go's client -> piperpc serve (message-type pipe).
name=$(pipe piperpc)
if start_server piperpc-serve "$bin/piperpc.exe" serve --listen "$name"; then
    check "grpc-go client (winio.DialPipe) -> piperpc serve, message-type pipe: unary, server, client and bidi streaming" \
        'client: all four RPC kinds passed' \
        "$out/peer.exe" client "$name"
    stop_server
else
    fail "piperpc serve did not start on $name" "$out/piperpc-serve.out" "$out/piperpc-serve.err"
fi

# 3b. piperpc call and pipecurl -> a grpc-go server on go-winio, both pipe types.
for type in byte message; do
    name=$(pipe "$type")
    flag=()
    [[ $type == message ]] && flag=(--message)
    if ! start_server "go-server-$type" "$out/peer.exe" server "$name" "${flag[@]}"; then
        fail "grpc-go server (winio.ListenPipe, $type-type) did not start" \
            "$out/go-server-$type.out" "$out/go-server-$type.err"
        continue
    fi
    # What the client's end of the pipe reports (GetNamedPipeInfo) is what
    # was tested, whatever was asked for: Wine 8 makes every pipe that
    # go-winio creates message-type (its NtCreateNamedPipeFile takes any
    # non-zero pipe type, FILE_PIPE_REJECT_REMOTE_CLIENTS included, as
    # message type), while Windows makes go-winio's default byte-type.
    reported=$(timeout 60 "$wine" "$out/peer.exe" pipetype "$name" 2>&1 | tr -d '\r' | tail -1) || true
    case $reported in
    "$type") ;;
    byte | message)
        printf 'NOTE  go-winio %s pipe: Wine reports it as %s-type; byte-type pipes are covered by transport/tests/byte_type_pipe.rs and the Node peer instead\n' \
            "$([[ $type == byte ]] && echo "default (byte-type on Windows)" || echo "MessageMode")" "$reported"
        ;;
    *)
        fail "the type of the grpc-go server's pipe could not be read: $reported"
        reported=unknown
        ;;
    esac
    what="-> grpc-go server (winio.ListenPipe, $([[ $type == byte ]] && echo default || echo MessageMode)), $reported-type pipe as reported"
    check "piperpc call echo $what" $'^hello$\n^\\(300000 payload bytes\\)$' \
        "$bin/piperpc.exe" call --connect "$name" echo hello --size 300000
    check "piperpc call count $what" $'^1$\n^2$\n^3$' \
        "$bin/piperpc.exe" call --connect "$name" count 3 --size 100000
    check "piperpc call collect $what" '^count=3 total_bytes=6$' \
        "$bin/piperpc.exe" call --connect "$name" collect a bb ccc
    check "piperpc call chat $what" $'you said: hi\nyou said: there' \
        "$bin/piperpc.exe" call --connect "$name" chat hi there
    check "pipecurl list (reflection) $what" '^piperpc\.demo\.v1\.Echo$' \
        "$bin/pipecurl.exe" "$name" list
    check "pipecurl Echo/Echo (reflection) $what" '"message": "from pipecurl"' \
        "$bin/pipecurl.exe" -d '{"message": "from pipecurl"}' "$name" piperpc.demo.v1.Echo/Echo
    check "pipecurl Echo/Chat (--proto) $what" $'you said: a\nyou said: b' \
        "$bin/pipecurl.exe" --proto piperpc/demo/v1/echo.proto --import-path proto \
        -d '{"text": "a"} {"text": "b"}' "$name" piperpc.demo.v1.Echo/Chat
    stop_server
done

log "done in $((SECONDS - started)) s"
printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
