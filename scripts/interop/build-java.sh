#!/usr/bin/env bash
# grpc-java's interop client and server: io.grpc:grpc-interop-testing at the
# version java/pom.xml pins, with its runtime dependencies copied into $OUT/java/lib; run with
# java -cp "$OUT/java/lib/*" io.grpc.testing.integration.TestServiceClient.
# Nothing is compiled. Cached: a second run only checks its stamp.
source "$(dirname "$0")/lib.sh"

dir=$INTEROP_SCRIPTS/java
recipe=$(hash_files "$dir/pom.xml")
if stamp_ok java "$recipe" && compgen -G "$OUT/java/lib/grpc-interop-testing-*.jar" >/dev/null; then
    exit 0
fi
command -v mvn >/dev/null || die "needs Maven (and a JDK 8+)"
start=$SECONDS
log "fetching grpc-java's interop programs (Maven Central)"
rm -rf "$OUT/java/lib"
mkdir -p "$OUT/java"
mvn -B -f "$dir/pom.xml" -Dmaven.repo.local="$OUT/m2" dependency:copy-dependencies \
    -DoutputDirectory="$OUT/java/lib" -DincludeScope=runtime >"$OUT/java/mvn.log" 2>&1 ||
    { tail -30 "$OUT/java/mvn.log" >&2; die "mvn failed (log: $OUT/java/mvn.log)"; }
stamp_set java "$recipe"
record_time java $((SECONDS - start))
log "grpc-java programs fetched in $((SECONDS - start)) s"
