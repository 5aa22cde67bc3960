#!/usr/bin/env bash
# Builds (or finds cached) every official interop program: build-cpp.sh,
# build-go.sh, build-java.sh, build-python.sh; with names, only those.
source "$(dirname "$0")/lib.sh"
for piece in "${@:-cpp go java python}"; do
    for p in $piece; do
        bash "$INTEROP_SCRIPTS/build-$p.sh"
    done
done
