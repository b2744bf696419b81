#!/usr/bin/env bash
# S3 benchmark (issue 3): Granary vs s3proxy on loopback, plus iperf3 as the loopback ceiling and
# Granary's 64 MiB cached GET on each Netty transport. Prints a markdown table.
#
#   load-tests/s3-bench.sh [--quick] [--write FILE] [--keep]
#
#   --quick       short windows (< 3 min in all); numbers are indicative only
#   --write FILE  append the table, with date, machine and command, to FILE (e.g. BENCHMARKS.md)
#   --keep        keep the temporary directory (logs, data) instead of deleting it
#
# Environment: GRANARY_MVN_LOCK (default /tmp/granary-mvn.lock) serialises the Maven build with
# other builds on the machine when flock(1) exists; MVN_ARGS adds Maven arguments (e.g. -o).
# See load-tests/README.md for what each number means.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"

quick=0
write=""
keep=0
cmdline="load-tests/s3-bench.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --write)
      [ $# -ge 2 ] || { echo "s3-bench: --write needs a file" >&2; exit 2; }
      write="$2"
      case "$write" in /*) ;; *) write="$PWD/$write" ;; esac
      shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "s3-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

started=$(date +%s)
say() { printf '[s3-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------ parameters
if [ "$quick" = 1 ]; then
  secs=3; warm=1; iperf_secs=3
  list_args=(--list-reps 3 --list-warmup 1 --list-max-seconds 4)
else
  secs=20; warm=5; iperf_secs=5
  list_args=(--list-reps 10 --list-warmup 2 --list-max-seconds 30)
fi
streams="1,4"
concurrency=32

# ------------------------------------------------------------------ iperf3
if ! command -v iperf3 >/dev/null 2>&1; then
  say "installing iperf3 with apt-get"
  sudo_=()
  [ "$(id -u)" = 0 ] || sudo_=(sudo -n)
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 >/dev/null ||
    { "${sudo_[@]}" apt-get update -q >/dev/null && "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 >/dev/null; } ||
    die "could not install iperf3"
fi

# ------------------------------------------------------------------ build
# Rebuild when an artifact is missing or a source/pom changed since the last build by this script.
stamp="$here/target/.s3-bench-built"
needs_build() {
  [ -f "$root/gateway/target/granary.jar" ] && [ -d "$here/target/classes/io/granary/loadtest" ] &&
    [ -f "$here/target/s3proxy/s3proxy.jar" ] && [ -d "$here/target/lib" ] && [ -f "$stamp" ] || return 0
  [ -n "$(find "$root" -path "$root/*/src/main/*" -newer "$stamp" -print -quit 2>/dev/null)" ] ||
    [ -n "$(find "$root" -maxdepth 2 -name pom.xml -newer "$stamp" -print -quit 2>/dev/null)" ]
}
if needs_build; then
  lock=()
  if command -v flock >/dev/null 2>&1; then lock=(flock "${GRANARY_MVN_LOCK:-/tmp/granary-mvn.lock}"); fi
  say "building gateway and load-tests with $JAVA_HOME"
  # shellcheck disable=SC2086
  (cd "$root" && "${lock[@]}" ./mvnw -q -B ${MVN_ARGS:-} -DskipTests -pl gateway,load-tests -am package) >&2 ||
    die "build failed"
  touch "$stamp"
fi

# The launcher rebuilds when any */src/main file is newer than granary.jar; Maven leaves an
# up-to-date jar untouched, so after a change under load-tests/ it would rebuild on every start.
# In that case run the jar exactly as the launcher would, without its build step.
launcher_stale() {
  local jar="$root/gateway/target/granary.jar"
  [ ! -f "$jar" ] || [ "$root/pom.xml" -nt "$jar" ] ||
    [ -n "$(find "$root" -path "$root/*/src/main/*" -newer "$jar" -print -quit 2>/dev/null)" ] ||
    [ -n "$(find "$root" -maxdepth 2 -name pom.xml -newer "$jar" -print -quit 2>/dev/null)" ]
}

# ------------------------------------------------------------------ run state and teardown
tmp="$(mktemp -d /tmp/s3-bench.XXXXXX)"
shm="/dev/shm/$(basename "$tmp")"
pids=()
cleanup() {
  local rc=$?
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$shm"
  if [ "$keep" = 1 ] || [ $rc -ne 0 ]; then
    say "logs and data kept in $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local p=$1 q=() x
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  for x in "${pids[@]}"; do [ "$x" = "$p" ] || q+=("$x"); done
  pids=("${q[@]}")
}

free_port() { # below the ephemeral range, and not used by any socket (TIME-WAIT ones block bind)
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return; }
  done
}

listening() { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }

wait_port() { # port pid log (checks the listen socket without connecting: iperf3 -1 serves one client)
  for _ in $(seq 1 300); do
    listening "$1" && return 0
    kill -0 "$2" 2>/dev/null || { tail -20 "$3" >&2; die "process $2 exited before listening on $1"; }
    sleep 0.2
  done
  tail -20 "$3" >&2
  die "nothing listening on port $1 after 60 s"
}

ak="bench$(date +%s)"
sk="$(head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"

driver() { # name endpoint args...
  local name=$1 endpoint=$2
  shift 2
  say "driver: $name ($*)"
  "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -Xms1g -Xmx2g \
    -cp "$here/target/classes:$here/target/lib/*" io.granary.loadtest.S3Bench \
    --endpoint "$endpoint" --access-key "$ak" --secret-key "$sk" \
    --seconds "$secs" --warmup "$warm" --concurrency "$concurrency" --large-streams "$streams" "$@" \
    >"$tmp/$name.results" || die "driver failed against $name (logs in $tmp)"
}

granary_port=""
granary_admin=""
granary_pid=""
start_granary() { # transport
  local t=$1 dir="$tmp/granary-$1"
  mkdir -p "$dir" "$shm/$t"
  cat >"$dir/granary.yaml" <<EOF
dataDir: $dir/data
host: 127.0.0.1
admin: {port: 0}
s3: {port: 0}
transport: $t
blockSize: 64MiB
tiers:
  - {name: MEM, path: $shm/$t, quota: 2GiB}
credentials:
  - {accessKey: $ak, secretKey: $sk}
EOF
  local cmd=("$root/granary" serve --config "$dir/granary.yaml")
  if launcher_stale; then
    # shellcheck disable=SC2206
    cmd=("$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" ${GRANARY_JAVA_OPTS:-} -jar "$root/gateway/target/granary.jar"
      serve --config "$dir/granary.yaml")
  fi
  "${cmd[@]}" >"$dir/granary.log" 2>&1 &
  granary_pid=$!
  pids+=("$granary_pid")
  for _ in $(seq 1 300); do
    granary_port=$(sed -n 's#^s3 listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$dir/granary.log" | head -1)
    granary_admin=$(sed -n 's#^admin listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$dir/granary.log" | head -1)
    [ -n "$granary_port" ] && [ -n "$granary_admin" ] && break
    kill -0 "$granary_pid" 2>/dev/null || { tail -30 "$dir/granary.log" >&2; die "granary ($t) exited during startup"; }
    sleep 0.2
  done
  [ -n "$granary_port" ] || die "granary ($t) printed no 's3 listening on' line in 60 s"
  if grep -q "is not available here" "$dir/granary.log"; then
    die "transport $t is not available on this machine: $(grep -m1 'is not available here' "$dir/granary.log")"
  fi
  say "granary ($t) pid $granary_pid: s3 on $granary_port, admin on $granary_admin"
}

metric() { # admin-port name
  curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null | awk -v n="$2" '$1 == n { printf "%.0f\n", $2; exit }'
}

iperf() { # label [iperf3 client args]
  local p out label=$1
  shift
  p=$(free_port)
  iperf3 -s -1 -p "$p" >"$tmp/iperf3-server-$label.log" 2>&1 &
  local spid=$!
  pids+=("$spid")
  wait_port "$p" "$spid" "$tmp/iperf3-server-$label.log"
  out="$tmp/iperf3-$label.json"
  iperf3 -c 127.0.0.1 -p "$p" -t "$iperf_secs" -J "$@" >"$out" || die "iperf3 client failed"
  stop_pid "$spid"
  if command -v jq >/dev/null 2>&1; then
    jq '.end.sum_received.bits_per_second / 8 / 1048576' "$out"
  else
    /usr/bin/env python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/8/1048576)' "$out"
  fi | awk '{ printf "%.1f\n", $1 }'
}

# ------------------------------------------------------------------ runs (one server at a time)
say "temporary directory $tmp, tmpfs tier under $shm"
say "iperf3 single stream, $iperf_secs s"
iperf_start=$(iperf start)
say "iperf3: $iperf_start MiB/s; again with 32 KiB writes and reads (the driver's read size)"
iperf_32k=$(iperf 32k -l 32K)
say "iperf3 -l 32K: $iperf_32k MiB/s"

start_granary epoll
ufs_before=$(metric "$granary_admin" granary_ufs_read_bytes_total || true)
driver granary-epoll "http://127.0.0.1:$granary_port" "${list_args[@]}"
ufs_after=$(metric "$granary_admin" granary_ufs_read_bytes_total || true)
hits=$(metric "$granary_admin" granary_cache_hits_total || true)
misses=$(metric "$granary_admin" granary_cache_misses_total || true)
stop_pid "$granary_pid"

s3p_port=$(free_port)
mkdir -p "$tmp/s3proxy/data"
cat >"$tmp/s3proxy/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:$s3p_port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ak
s3proxy.credential=$sk
jclouds.provider=filesystem
jclouds.filesystem.basedir=$tmp/s3proxy/data
jclouds.identity=$ak
jclouds.credential=$sk
EOF
"$JAVA_HOME/bin/java" -jar "$here/target/s3proxy/s3proxy.jar" --properties "$tmp/s3proxy/s3proxy.properties" \
  >"$tmp/s3proxy/s3proxy.log" 2>&1 &
s3p_pid=$!
pids+=("$s3p_pid")
wait_port "$s3p_port" "$s3p_pid" "$tmp/s3proxy/s3proxy.log"
say "s3proxy pid $s3p_pid on $s3p_port"
driver s3proxy "http://127.0.0.1:$s3p_port" "${list_args[@]}"
stop_pid "$s3p_pid"

for t in io_uring nio; do
  start_granary "$t"
  driver "granary-$t" "http://127.0.0.1:$granary_port" --workloads get-large
  stop_pid "$granary_pid"
done

say "iperf3 single stream again, $iperf_secs s"
iperf_end=$(iperf end)
say "iperf3: $iperf_end MiB/s"

# ------------------------------------------------------------------ table
r() { # system key
  awk -v k="$2" '$1 == "RESULT" && $2 == k { print $3; found = 1 } END { if (!found) print "nan" }' "$tmp/$1.results"
}
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf f, v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
row() { # label key format
  local g s
  g=$(r granary-epoll "$2")
  s=$(r s3proxy "$2")
  printf '| %s | %s | %s | %s |\n' "$1" "$(fmt "$g" "$3")" "$(fmt "$s" "$3")" "$(ratio "$g" "$s")"
}
lat_row() { # label prefix
  printf '| %s | %s / %s | %s / %s | |\n' "$1" \
    "$(fmt "$(r granary-epoll "${2}_p50_ms")" %.1f)" "$(fmt "$(r granary-epoll "${2}_p99_ms")" %.1f)" \
    "$(fmt "$(r s3proxy "${2}_p50_ms")" %.1f)" "$(fmt "$(r s3proxy "${2}_p99_ms")" %.1f)"
}
iperf_mean=$(awk -v a="$iperf_start" -v b="$iperf_end" 'BEGIN { printf "%.1f", (a + b) / 2 }')
elapsed=$(( $(date +%s) - started ))
mode=$([ "$quick" = 1 ] && echo "quick: ${secs} s windows" || echo "${secs} s windows after ${warm} s warm-up")
ufs_read=$(awk -v a="${ufs_before:-}" -v b="${ufs_after:-}" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%.0f", b - a }')

table() {
  echo "| workload ($mode) | Granary (epoll) | s3proxy | Granary/s3proxy |"
  echo "|---|---:|---:|---:|"
  row "64 MiB cached GET, 1 stream (MiB/s)" get_large_mibps_s1 %.0f
  row "64 MiB cached GET, 4 streams (MiB/s)" get_large_mibps_s4 %.0f
  row "100 KiB GET, $concurrency in flight (req/s)" get_small_rps %.0f
  lat_row "100 KiB GET latency p50 / p99 (ms)" get_small
  row "100 KiB PUT, $concurrency in flight (req/s)" put_small_rps %.0f
  lat_row "100 KiB PUT latency p50 / p99 (ms)" put_small
  row "LIST 10,000 keys, pages of 1000: median full listing (ms, lower is better)" list_median_ms %.1f
  row "LIST 10,000 keys: full listings/s" list_per_s %.2f
  echo
  echo "| loopback ceiling | value |"
  echo "|---|---:|"
  echo "| iperf3 single stream (MiB/s), start / end of run | $(fmt "$iperf_start" %.0f) / $(fmt "$iperf_end" %.0f) |"
  echo "| iperf3 single stream, \`-l 32K\` (MiB/s) | $(fmt "$iperf_32k" %.0f) |"
  echo "| Granary 64 MiB GET, 1 stream / iperf3 (mean) | $(ratio "$(r granary-epoll get_large_mibps_s1)" "$iperf_mean") |"
  echo "| Granary 64 MiB GET, 4 streams / iperf3 (mean) | $(ratio "$(r granary-epoll get_large_mibps_s4)" "$iperf_mean") |"
  echo
  echo "| Granary transport | 64 MiB cached GET, 1 stream (MiB/s) | 4 streams (MiB/s) | 4 streams vs epoll |"
  echo "|---|---:|---:|---:|"
  local t e4
  e4=$(r granary-epoll get_large_mibps_s4)
  for t in epoll io_uring nio; do
    printf '| %s | %s | %s | %s |\n' "$t$([ "$t" = epoll ] && echo ' (default)')" \
      "$(fmt "$(r "granary-$t" get_large_mibps_s1)" %.0f)" "$(fmt "$(r "granary-$t" get_large_mibps_s4)" %.0f)" \
      "$(ratio "$(r "granary-$t" get_large_mibps_s4)" "$e4")"
  done
  echo
  echo "Granary under-storage bytes read during its run: $ufs_read (cache hits $(fmt "${hits:-nan}" %.0f), misses $(fmt "${misses:-nan}" %.0f)); run took ${elapsed} s."
}

out="$(table)"
echo
echo "$out"
if [ -n "$write" ]; then
  jdk=$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n '2p')
  cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
  {
    echo
    echo "## S3: Granary vs s3proxy on loopback ($(date -u +%Y-%m-%d))"
    echo
    echo "- Command: \`$cmdline\`"
    echo "- Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), $jdk"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$out"
  } >>"$write"
  say "appended to $write"
fi
