#!/usr/bin/env bash
# Interop suite: ShmIPC peers in Go (cloudwego/shmipc-go) and Java (this project) exchanging
# echo-protocol frames over shared memory. Builds the Go programs into bin/, runs every scenario,
# prints one line per scenario (PASS name / FAIL name: reason / SKIP name: reason) and, last,
# "N passed, M failed" (", K skipped" when some were skipped). Exits non-zero if any scenario failed.
#
# Environment:
#   SHMIPC_JAVA, SHMIPC_JVM_FLAGS, SHMIPC_CLASSPATH  how to start Java peers (defaults: java on PATH,
#                                                    the launcher's flags, this module's target/ classpath)
#   SHMIPC_REQUIRE_GO=1                              a missing Go toolchain fails the suite instead of skipping it
#   SHMIPC_INTEROP_ONLY=regex                        run only the scenarios whose name matches
#
# Each scenario is one function below; scenarios with a Java peer need only the Java main classes
# io.shmipc.interop.EchoServerMain / EchoClientMain, which speak the same flags and output as the Go ones
# (see README.md).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=$HERE/bin
LOGS=$HERE/target/interop-logs
RUN_ID=$$
SOCKETS=$(mktemp -d /tmp/shmipc-interop.XXXXXX)

# Bounds, in seconds: every process is started under `timeout`, and killed at exit regardless.
SERVER_LIMIT=90
CLIENT_LIMIT=60
CLIENT_DEADLINE=45s
READY_WAIT=20

passed=0 failed=0 skipped=0
STARTED=()

cleanup() {
  local pid i
  # `timeout` leads a process group of its own holding the program and anything it started:
  # TERM lets it stop and reap its program; KILL whatever is left after a short grace period.
  for pid in "${STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  for i in $(seq 40); do
    for pid in "${STARTED[@]}"; do kill -0 "$pid" 2>/dev/null && break; pid=; done
    [ -z "$pid" ] && break
    sleep 0.05
  done
  for pid in "${STARTED[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$SOCKETS"
  rm -f /dev/shm/shmipc_interop_"$RUN_ID"_* 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

summary_line() {
  local line="$passed passed, $failed failed"
  [ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
  echo "$line"
}

pass() { passed=$((passed + 1)); echo "PASS $1"; }
skip() { skipped=$((skipped + 1)); echo "SKIP $1: $2"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL $1: $2"
  local log
  for log in "${@:3}"; do
    [ -s "$log" ] || continue
    echo "---- $1: last lines of ${log#"$HERE"/}" >&2
    tail -n 15 "$log" | sed 's/\x1b\[[0-9;]*m//g; s/^/    /' >&2
  done
}

children_of() { cat "/proc/$1/task/$1/children" 2>/dev/null; }

# start_bg NAME LIMIT COMMAND...: runs COMMAND under `timeout`, stdout/stderr to $LOGS/NAME.{out,err}.
# Sets BG_PID to the pid of the `timeout` process, which forwards SIGTERM and returns the command's status.
start_bg() {
  local name=$1 limit=$2
  shift 2
  timeout -k 5 "$limit" "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" &
  BG_PID=$!
  STARTED+=("$BG_PID")
}

# The program itself, under its `timeout` wrapper.
program_pid() {
  local i pid
  for i in $(seq 50); do
    pid=$(children_of "$1" | awk '{print $1}')
    [ -n "$pid" ] && { echo "$pid"; return 0; }
    sleep 0.02
  done
  return 1
}

# wait_for_line FILE REGEX PID SECONDS: until FILE has a matching line; fails if PID exits first.
wait_for_line() {
  local file=$1 regex=$2 pid=$3 i
  for i in $(seq $(($4 * 20))); do
    grep -qE "$regex" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { grep -qE "$regex" "$file" 2>/dev/null; return; }
    sleep 0.05
  done
  return 1
}

# wait_for_mapping PID REGEX SECONDS: until the process maps a region whose name matches.
wait_for_mapping() {
  local i
  for i in $(seq $(($3 * 20))); do
    grep -qE "$2" "/proc/$1/maps" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# ---- Java peers ---------------------------------------------------------------------------------

JAVA_SERVER_CLASS=io.shmipc.interop.EchoServerMain
JAVA_CLIENT_CLASS=io.shmipc.interop.EchoClientMain

setup_java() {
  if [ -z "${SHMIPC_JAVA:-}" ]; then
    SHMIPC_JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
  fi
  if [ -z "${SHMIPC_JVM_FLAGS:-}" ]; then
    SHMIPC_JVM_FLAGS="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED"
  fi
  if [ -z "${SHMIPC_CLASSPATH:-}" ]; then
    SHMIPC_CLASSPATH=$HERE/target/classes
    [ -f "$HERE/target/classpath.txt" ] && SHMIPC_CLASSPATH="$SHMIPC_CLASSPATH:$(cat "$HERE/target/classpath.txt")"
  fi
}

# java_class_present CLASS: the class file is in a directory or jar of SHMIPC_CLASSPATH.
java_class_present() {
  local file=${1//.//}.class entry
  local IFS=:
  for entry in $SHMIPC_CLASSPATH; do
    if [ -d "$entry" ]; then
      [ -f "$entry/$file" ] && return 0
    elif [ -f "$entry" ]; then
      # A jar's central directory stores entry names uncompressed.
      grep -qaF "$file" "$entry" && return 0
    fi
  done
  return 1
}

# java_peer_missing NAME: SKIP the scenario (and return 0) when a Java main class is not built.
java_peer_missing() {
  local class
  command -v "$SHMIPC_JAVA" >/dev/null 2>&1 || { skip "$1" "no java at '$SHMIPC_JAVA'"; return 0; }
  for class in "${@:2}"; do
    java_class_present "$class" || { skip "$1" "java peer not built yet ($class not on the classpath)"; return 0; }
  done
  return 1
}

# ---- servers and clients ------------------------------------------------------------------------

# start_server KIND NAME: starts a go|java echo server on a fresh socket, waits for READY.
# Sets SERVER (timeout pid), SERVER_PID (the server itself), SOCKET.
start_server() {
  local kind=$1 name=$2
  SOCKET=$SOCKETS/$name.sock
  case $kind in
    go) start_bg "$name.server" "$SERVER_LIMIT" "$BIN/echo-server" -socket "$SOCKET" ;;
    # shellcheck disable=SC2086 # SHMIPC_JVM_FLAGS is a list of flags
    java) start_bg "$name.server" "$SERVER_LIMIT" "$SHMIPC_JAVA" $SHMIPC_JVM_FLAGS -cp "$SHMIPC_CLASSPATH" \
            "$JAVA_SERVER_CLASS" -socket "$SOCKET" ;;
  esac
  SERVER=$BG_PID
  SERVER_PID=$(program_pid "$SERVER")
  wait_for_line "$LOGS/$name.server.out" '^READY$' "$SERVER" "$READY_WAIT"
}

# stop_server NAME: SIGTERM, then the server's exit status (0: no CRC error seen).
stop_server() {
  kill -TERM "$SERVER" 2>/dev/null
  wait "$SERVER"
}

# client_command KIND NAME ARGS...: the command line of a go|java echo client, in CLIENT_CMD.
client_command() {
  local kind=$1 name=$2
  shift 2
  case $kind in
    go) CLIENT_CMD=("$BIN/echo-client" -socket "$SOCKET" -timeout "$CLIENT_DEADLINE"
                    -path-prefix "/dev/shm/shmipc_interop_${RUN_ID}_$name" "$@") ;;
    # shellcheck disable=SC2206 # SHMIPC_JVM_FLAGS is a list of flags
    java) CLIENT_CMD=("$SHMIPC_JAVA" $SHMIPC_JVM_FLAGS -cp "$SHMIPC_CLASSPATH" "$JAVA_CLIENT_CLASS"
                      -socket "$SOCKET" -timeout "$CLIENT_DEADLINE"
                      -path-prefix "/dev/shm/shmipc_interop_${RUN_ID}_$name" "$@") ;;
  esac
}

leftover_region_files() {
  ls /dev/shm/shmipc_interop_"${RUN_ID}_$1"_* 2>/dev/null
}

# echo_scenario NAME SERVER_KIND CLIENT_KIND CLIENT_ARGS...: a server, one client run, the checks.
# A caller that sets `local no_fallback=1` also requires the client's summary to show no FallbackData.
echo_scenario() {
  local name=$1 server_kind=$2 client_kind=$3
  shift 3
  local base=$LOGS/$name
  if ! start_server "$server_kind" "$name"; then
    fail "$name" "$server_kind echo server did not print READY within ${READY_WAIT}s" "$base.server.err"
    return
  fi
  client_command "$client_kind" "$name" "$@"
  start_bg "$name.client" "$CLIENT_LIMIT" "${CLIENT_CMD[@]}"
  wait "$BG_PID"
  local client_rc=$? server_rc
  stop_server
  server_rc=$?
  local result
  result=$(tail -n 1 "$base.client.out" 2>/dev/null)
  if [ "$client_rc" -ne 0 ]; then
    fail "$name" "client exited $client_rc: ${result:-no summary}" "$base.client.err" "$base.server.err"
  elif [ "$server_rc" -ne 0 ]; then
    fail "$name" "server exited $server_rc (CRC errors or crash): $(tail -n 1 "$base.server.out")" "$base.server.err"
  elif [ "${no_fallback:-0}" = 1 ] && ! grep -qE '"fallbacks":0[,}]' <<<"$result"; then
    fail "$name" "messages that fit in shared memory went over the socket as FallbackData: $result" \
      "$base.client.err" "$base.server.err"
  elif [ -n "$(leftover_region_files "$name")" ]; then
    fail "$name" "region files left in /dev/shm: $(leftover_region_files "$name" | tr '\n' ' ')"
  else
    pass "$name"
  fi
}

# killed_server_scenario NAME SERVER_KIND CLIENT_KIND CLIENT_ARGS...: SIGKILL the server mid-run;
# the client must see the session end (no hang, no corrupted frame) and clean up.
killed_server_scenario() {
  local name=$1 server_kind=$2 client_kind=$3
  shift 3
  local base=$LOGS/$name
  if ! start_server "$server_kind" "$name"; then
    fail "$name" "$server_kind echo server did not print READY within ${READY_WAIT}s" "$base.server.err"
    return
  fi
  client_command "$client_kind" "$name" -expect-session-end -sizes 64,65536 -count 100000 "$@"
  start_bg "$name.client" "$CLIENT_LIMIT" "${CLIENT_CMD[@]}"
  local client=$BG_PID client_pid
  client_pid=$(program_pid "$client")
  if ! wait_for_mapping "$client_pid" '_queue' 10; then
    fail "$name" "client never mapped a queue region" "$base.client.err" "$base.server.err"
    return
  fi
  sleep 0.5 # let frames flow before the kill
  kill -KILL "$SERVER_PID"
  wait "$SERVER" 2>/dev/null
  wait "$client"
  local client_rc=$? result
  result=$(tail -n 1 "$base.client.out" 2>/dev/null)
  if [ "$client_rc" -ne 0 ]; then
    fail "$name" "client exited $client_rc after the server was killed: ${result:-no summary}" "$base.client.err"
  elif ! grep -q '"session_end":true' <<<"$result"; then
    fail "$name" "client did not report the session end: $result" "$base.client.err"
  elif [ -n "$(leftover_region_files "$name")" ]; then
    fail "$name" "region files left in /dev/shm: $(leftover_region_files "$name" | tr '\n' ' ')"
  else
    pass "$name"
  fi
}

# region_inspect_scenario NAME SERVER_KIND CLIENT_ARGS...: a Go client holds its regions open after
# its run; region-inspect decodes them with shmipc-go's own reading code and expects them at rest.
region_inspect_scenario() {
  local name=$1 server_kind=$2
  shift 2
  local base=$LOGS/$name
  if ! start_server "$server_kind" "$name"; then
    fail "$name" "$server_kind echo server did not print READY within ${READY_WAIT}s" "$base.server.err"
    return
  fi
  client_command go "$name" -hold 20s -sizes 0,100,100000,1048576 -count 2 "$@"
  start_bg "$name.client" "$CLIENT_LIMIT" "${CLIENT_CMD[@]}"
  local client=$BG_PID
  if ! wait_for_line "$base.client.out" '^HOLD [0-9]+$' "$client" 30; then
    fail "$name" "client never reached HOLD: $(tail -n 1 "$base.client.out")" "$base.client.err"
    return
  fi
  local holder inspect_rc
  holder=$(sed -n 's/^HOLD //p' "$base.client.out")
  timeout -k 2 30 "$BIN/region-inspect" -pid "$holder" -expect-idle -settle 5s >"$base.inspect.json" 2>"$base.inspect.err"
  inspect_rc=$?
  kill -TERM "$client" 2>/dev/null
  wait "$client" 2>/dev/null
  stop_server >/dev/null
  if [ "$inspect_rc" -ne 0 ]; then
    fail "$name" "region-inspect exited $inspect_rc: $(tr -d '\n' <"$base.inspect.json" | grep -o '"problems": *\[[^]]*\]' | head -c 400)" \
      "$base.inspect.err"
  elif ! grep -q '"list_count": 3' "$base.inspect.json" || ! grep -q '"client_to_server"' "$base.inspect.json"; then
    fail "$name" "region-inspect did not decode a 3-list buffer region and a queue region (see ${base#"$HERE"/}.inspect.json)"
  else
    pass "$name"
  fi
}

# ---- scenarios: one function each ---------------------------------------------------------------

SIZES_ALL=0,1,64,8191,8192,1048576,8388608
SIZES_SMALL_REGION=0,1,64,8191,8192,65536,1048576

scenario_go_client_go_server_memfd() { echo_scenario "$1" go go -mem memfd -sizes "$SIZES_ALL" -streams 32 -count 2; }
scenario_go_client_go_server_file() { echo_scenario "$1" go go -mem file -sizes "$SIZES_ALL" -streams 32 -count 2; }
# Sizes and concurrency the default 32 MiB region holds: everything must travel through shared memory.
SIZES_SHM_ONLY=0,1,64,8191,8192,65536,1048576
scenario_go_client_go_server_shm_only_memfd() {
  local no_fallback=1
  echo_scenario "$1" go go -mem memfd -sizes "$SIZES_SHM_ONLY" -streams 8 -count 4
}
scenario_go_client_go_server_shm_only_file() {
  local no_fallback=1
  echo_scenario "$1" go go -mem file -sizes "$SIZES_SHM_ONLY" -streams 8 -count 4
}
scenario_go_client_go_server_fallback_memfd() {
  echo_scenario "$1" go go -mem memfd -sizes "$SIZES_SMALL_REGION" -streams 32 -count 3 -buffer-capacity 1048576 -expect-fallback
}
scenario_go_client_go_server_fallback_file() {
  echo_scenario "$1" go go -mem file -sizes "$SIZES_SMALL_REGION" -streams 32 -count 3 -buffer-capacity 1048576 -expect-fallback
}
scenario_go_server_killed_memfd() { killed_server_scenario "$1" go go -mem memfd; }
scenario_go_server_killed_file() { killed_server_scenario "$1" go go -mem file; }
scenario_java_server_killed_memfd() {
  java_peer_missing "$1" "$JAVA_SERVER_CLASS" && return
  killed_server_scenario "$1" java go -mem memfd
}
scenario_java_server_killed_file() {
  java_peer_missing "$1" "$JAVA_SERVER_CLASS" && return
  killed_server_scenario "$1" java go -mem file
}
scenario_go_server_killed_java_client_memfd() {
  java_peer_missing "$1" "$JAVA_CLIENT_CLASS" && return
  killed_server_scenario "$1" go java -mem memfd
}
scenario_go_server_killed_java_client_file() {
  java_peer_missing "$1" "$JAVA_CLIENT_CLASS" && return
  killed_server_scenario "$1" go java -mem file
}
scenario_region_inspect_go_client_memfd() { region_inspect_scenario "$1" go -mem memfd; }
scenario_region_inspect_go_client_file() { region_inspect_scenario "$1" go -mem file; }

scenario_java_client_go_server_memfd() {
  java_peer_missing "$1" "$JAVA_CLIENT_CLASS" && return
  echo_scenario "$1" go java -mem memfd -sizes "$SIZES_ALL" -streams 32 -count 2
}
scenario_java_client_go_server_file() {
  java_peer_missing "$1" "$JAVA_CLIENT_CLASS" && return
  echo_scenario "$1" go java -mem file -sizes "$SIZES_ALL" -streams 32 -count 2
}
scenario_java_client_go_server_shm_only_memfd() {
  java_peer_missing "$1" "$JAVA_CLIENT_CLASS" && return
  local no_fallback=1
  echo_scenario "$1" go java -mem memfd -sizes "$SIZES_SHM_ONLY" -streams 8 -count 4
}
scenario_java_client_go_server_shm_only_file() {
  java_peer_missing "$1" "$JAVA_CLIENT_CLASS" && return
  local no_fallback=1
  echo_scenario "$1" go java -mem file -sizes "$SIZES_SHM_ONLY" -streams 8 -count 4
}
scenario_go_client_java_server_memfd() {
  java_peer_missing "$1" "$JAVA_SERVER_CLASS" && return
  echo_scenario "$1" java go -mem memfd -sizes "$SIZES_ALL" -streams 32 -count 2
}
scenario_go_client_java_server_file() {
  java_peer_missing "$1" "$JAVA_SERVER_CLASS" && return
  echo_scenario "$1" java go -mem file -sizes "$SIZES_ALL" -streams 32 -count 2
}
scenario_go_client_java_server_shm_only_memfd() {
  java_peer_missing "$1" "$JAVA_SERVER_CLASS" && return
  local no_fallback=1
  echo_scenario "$1" java go -mem memfd -sizes "$SIZES_SHM_ONLY" -streams 8 -count 4
}
scenario_go_client_java_server_shm_only_file() {
  java_peer_missing "$1" "$JAVA_SERVER_CLASS" && return
  local no_fallback=1
  echo_scenario "$1" java go -mem file -sizes "$SIZES_SHM_ONLY" -streams 8 -count 4
}

# The echo protocol's framing and CRC (Java's CRC32 check value) in Go's own unit tests.
scenario_go_unit_tests() {
  if (cd "$HERE/go" && go test ./...) >"$LOGS/$1.log" 2>&1; then
    pass "$1"
  else
    fail "$1" "go test ./... failed" "$LOGS/$1.log"
  fi
}

SCENARIOS=(
  go-unit-tests
  go-client-go-server-memfd
  go-client-go-server-file
  go-client-go-server-shm-only-memfd
  go-client-go-server-shm-only-file
  go-client-go-server-fallback-memfd
  go-client-go-server-fallback-file
  go-server-killed-memfd
  go-server-killed-file
  region-inspect-go-client-memfd
  region-inspect-go-client-file
  java-client-go-server-memfd
  java-client-go-server-file
  java-client-go-server-shm-only-memfd
  java-client-go-server-shm-only-file
  go-client-java-server-memfd
  go-client-java-server-file
  go-client-java-server-shm-only-memfd
  go-client-java-server-shm-only-file
  java-server-killed-memfd
  java-server-killed-file
  go-server-killed-java-client-memfd
  go-server-killed-java-client-file
)

# ---- hot restart (issue #3): a client keeps calling while the server hands over to a new process --

JAVA_HOT_RESTART_SERVER_CLASS=io.shmipc.interop.HotRestartEchoServerMain
HOT_RESTART_EPOCH=42

# hot_restart_server KIND ROLE NAME: starts the old (ROLE=old) or new (ROLE=new) go|java echo server of
# a hot restart on $SOCKET, waits for READY. The old one hands over on SIGUSR1 (Go: Listener.HotRestart,
# Java: ShmServer.hotRestart); the new one takes the socket path over (shmipc-go's NewListener always
# does, Java needs -take-over). Sets HR_WRAPPER (timeout pid) and HR_PID (the server itself).
hot_restart_server() {
  local kind=$1 role=$2 name=$3 args
  if [ "$role" = old ]; then args=(-hot-restart-epoch "$HOT_RESTART_EPOCH"); else args=(); fi
  case $kind in
    go) start_bg "$name.$role" "$SERVER_LIMIT" "$BIN/echo-server" -socket "$SOCKET" "${args[@]}" ;;
    # shellcheck disable=SC2086 # SHMIPC_JVM_FLAGS is a list of flags
    java) [ "$role" = new ] && args=(-take-over)
          start_bg "$name.$role" "$SERVER_LIMIT" "$SHMIPC_JAVA" $SHMIPC_JVM_FLAGS -cp "$SHMIPC_CLASSPATH" \
            "$JAVA_HOT_RESTART_SERVER_CLASS" -socket "$SOCKET" "${args[@]}" ;;
  esac
  HR_WRAPPER=$BG_PID
  HR_PID=$(program_pid "$HR_WRAPPER")
  wait_for_line "$LOGS/$name.$role.out" '^READY$' "$HR_WRAPPER" "$READY_WAIT"
}

# hot_restart_scenario NAME SERVER_KIND CLIENT_KIND CLIENT_ARGS...: the client makes pooled calls
# (-duration) for 8 s; after 2 s a new server takes the socket path and the old one is sent SIGUSR1.
# Passes if no call failed, the old server finished its hot restart, the new one served calls after
# it, and no region file is left.
hot_restart_scenario() {
  local name=$1 server_kind=$2 client_kind=$3
  shift 3
  local base=$LOGS/$name old old_pid new
  SOCKET=$SOCKETS/$name.sock
  if ! hot_restart_server "$server_kind" old "$name"; then
    fail "$name" "old $server_kind server did not print READY within ${READY_WAIT}s" "$base.old.err"
    return
  fi
  old=$HR_WRAPPER old_pid=$HR_PID
  client_command "$client_kind" "$name" -duration 8s -streams 4 -sizes 64,4096,65536 "$@"
  start_bg "$name.client" "$CLIENT_LIMIT" "${CLIENT_CMD[@]}"
  local client=$BG_PID
  sleep 2
  if ! hot_restart_server "$server_kind" new "$name"; then
    fail "$name" "new $server_kind server did not print READY within ${READY_WAIT}s" "$base.new.err"
    return
  fi
  new=$HR_WRAPPER
  kill -USR1 "$old_pid"
  wait "$old"
  local old_rc=$?
  wait "$client"
  local client_rc=$?
  kill -TERM "$new" 2>/dev/null
  wait "$new"
  local new_rc=$? result
  result=$(tail -n 1 "$base.client.out" 2>/dev/null)
  if [ "$client_rc" -ne 0 ]; then
    fail "$name" "client exited $client_rc (failed calls across the hot restart): ${result:-no summary}" \
      "$base.client.err" "$base.old.err" "$base.new.err"
  elif [ "$old_rc" -ne 0 ]; then
    fail "$name" "old server exited $old_rc: hot restart not finished ($(tail -n 1 "$base.old.out"))" "$base.old.err"
  elif [ "$new_rc" -ne 0 ]; then
    fail "$name" "new server exited $new_rc: $(tail -n 1 "$base.new.out")" "$base.new.err"
  elif [ "$client_kind" = java ] && ! grep -q "\"hot_restart_epoch\":$HOT_RESTART_EPOCH" <<<"$result"; then
    fail "$name" "the Java client never followed a hot restart: $result" "$base.client.err"
  elif [ "$server_kind" = go ] && grep -qE '"frames":0[,}]' "$base.new.out"; then
    fail "$name" "the new Go server served no call: $(tail -n 1 "$base.new.out")" "$base.new.err"
  elif [ "$server_kind" = java ] && ! grep -q '"hot_restart":"acked"' "$base.old.out"; then
    fail "$name" "the old Java server's hot restart was not acked: $(tail -n 1 "$base.old.out")" "$base.old.err"
  elif [ -n "$(leftover_region_files "$name")" ]; then
    fail "$name" "region files left in /dev/shm: $(leftover_region_files "$name" | tr '\n' ' ')"
  else
    pass "$name"
  fi
}

scenario_go_server_hot_restart_java_client_memfd() {
  java_peer_missing "$1" "$JAVA_CLIENT_CLASS" && return
  hot_restart_scenario "$1" go java -mem memfd
}
scenario_go_server_hot_restart_java_client_file() {
  java_peer_missing "$1" "$JAVA_CLIENT_CLASS" && return
  hot_restart_scenario "$1" go java -mem file
}
scenario_java_server_hot_restart_go_client_memfd() {
  java_peer_missing "$1" "$JAVA_HOT_RESTART_SERVER_CLASS" && return
  hot_restart_scenario "$1" java go -mem memfd
}
scenario_java_server_hot_restart_go_client_file() {
  java_peer_missing "$1" "$JAVA_HOT_RESTART_SERVER_CLASS" && return
  hot_restart_scenario "$1" java go -mem file
}

SCENARIOS+=(
  go-server-hot-restart-java-client-memfd
  go-server-hot-restart-java-client-file
  java-server-hot-restart-go-client-memfd
  java-server-hot-restart-go-client-file
)

# ---- build --------------------------------------------------------------------------------------

# The Go toolchain must fetch shmipc-go through the module proxy into a writable module cache.
setup_go_env() {
  export GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
  export GOTOOLCHAIN=local
  export GOFLAGS="-mod=readonly -modcacherw -buildvcs=false"
  local modcache cache
  modcache=$(go env GOMODCACHE 2>/dev/null)
  if [ -z "$modcache" ] || ! mkdir -p "$modcache" 2>/dev/null || [ ! -w "$modcache" ]; then
    export GOPATH=$HERE/target/gopath GOMODCACHE=$HERE/target/gopath/pkg/mod
  fi
  cache=$(go env GOCACHE 2>/dev/null)
  if [ -z "$cache" ] || [ "$cache" = off ] || ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
    export GOCACHE=$HERE/target/gocache
  fi
}

build_go() {
  mkdir -p "$BIN"
  (cd "$HERE/go" && go build -o "$BIN/" ./cmd/...) >"$LOGS/go-build.log" 2>&1
}

main() {
  rm -rf "$LOGS"
  mkdir -p "$LOGS"
  if ! command -v go >/dev/null 2>&1; then
    if [ "${SHMIPC_REQUIRE_GO:-0}" = 1 ]; then
      fail interop-suite "no 'go' on PATH and SHMIPC_REQUIRE_GO=1: install Go to run the Go<->Java interop scenarios"
    else
      echo "!!!!!!!!!! no 'go' on PATH: the Go<->Java interop suite is NOT being run !!!!!!!!!!" >&2
      skip interop-suite "no 'go' on PATH (set SHMIPC_REQUIRE_GO=1 to make this a failure)"
    fi
    summary_line
    [ "$failed" -eq 0 ]
    return
  fi
  setup_go_env
  setup_java
  local started=$SECONDS
  if ! build_go; then
    fail go-build "building the Go peers failed" "$LOGS/go-build.log"
    summary_line
    return 1
  fi
  echo "interop: Go peers built in $((SECONDS - started))s with $(go version | awk '{print $3}'), shmipc-go $(cd "$HERE/go" && go list -m -f '{{.Version}}' github.com/cloudwego/shmipc-go)" >&2

  local name
  for name in "${SCENARIOS[@]}"; do
    if [ -n "${SHMIPC_INTEROP_ONLY:-}" ] && ! [[ $name =~ $SHMIPC_INTEROP_ONLY ]]; then
      continue
    fi
    "scenario_${name//-/_}" "$name"
  done
  echo "interop: scenarios took $((SECONDS - started))s in all; logs in ${LOGS#"$HERE"/}" >&2
  summary_line
  [ "$failed" -eq 0 ]
}

main "$@"
