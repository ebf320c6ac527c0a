#!/usr/bin/env bash
# Builds the example, starts EchoServer (shared memory + TCP) in the background, runs EchoClient against both, stops
# the server. Usage: examples/thrift-echo/run.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
(cd "$ROOT" && mvn -B -q -DskipTests -pl examples/thrift-echo -am package)
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
FLAGS=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED)
CP="$HERE/target/classes:$(cat "$HERE/target/classpath.txt")"
DIR=$(mktemp -d)
SOCKET="$DIR/echo.sock"
PORT=${PORT:-19090}
mkfifo "$DIR/stdin"
"$JAVA" "${FLAGS[@]}" -cp "$CP" io.shmipc.examples.thrift.EchoServer "$SOCKET" "$PORT" --stop-on-stdin-eof <"$DIR/stdin" >"$DIR/server.out" 2>/dev/null &
SERVER=$!
exec 3>"$DIR/stdin"
trap 'exec 3>&-; wait $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 300); do grep -q READY "$DIR/server.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$DIR/server.out" || { echo "EchoServer did not start" >&2; exit 1; }
"$JAVA" "${FLAGS[@]}" -cp "$CP" io.shmipc.examples.thrift.EchoClient "$SOCKET" "$PORT" 2>/dev/null
