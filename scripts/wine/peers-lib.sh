# Sourced (with $root set to the repository) by the scripts that run other
# programs under Wine against piperpc's Windows build: windows-peers-node.sh,
# windows-peers-go.sh and check-recipes.sh. What they share: Wine's paths and
# settings, one prefix for all their processes (a named pipe exists only
# within one wineserver), the demo's piperpc.exe, and a cleanup at exit.

target=x86_64-pc-windows-gnu
bin="$root/target/windows/$target/debug"
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver
# A prefix apart from the Windows suite's: the suite ends with
# `wineserver -k`, which would kill the servers of a run sharing its prefix.
# scripts/test-windows.sh (which these call to build) makes it, shim included.
export WINEPREFIX="$root/target/wine-prefix-peers"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree=;mshtml="

# The demo's piperpc.exe, built with the Windows suite's compiler settings
# (call scripts/test-windows.sh --no-run first: it installs what is needed).
build_piperpc_exe() {
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
        cargo build -Zbuild-std=std,panic_abort --target "$target" \
        --target-dir "$root/target/windows" -p piperpc-demo --bin piperpc
}

# Processes started in the background, to be killed at exit; then every
# Wine process of the prefix goes, so that none outlives the run.
background=()
stop_wine() {
    local status=$?
    for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
    "$wineserver" -k 2>/dev/null || true
    "$wineserver" -w 2>/dev/null || true
    exit "$status"
}
trap stop_wine EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
