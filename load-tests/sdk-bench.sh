#!/usr/bin/env bash
# SDK benchmark (issue 4): the Java SDK against a gateway on this host (loopback), with the
# machine's limits measured in the same run: iperf3 single stream and a page-cache dd of a 1 GiB
# tmpfs file. Prints one markdown table.
#
#   load-tests/sdk-bench.sh [--quick] [--write FILE] [--keep] [--build-gateway]
#
#   --quick          short windows (< 3 min in all); numbers are indicative only
#   --write FILE     append the table, with date, machine and command, to FILE (e.g. BENCHMARKS.md)
#   --keep           keep the temporary directory (logs, data) instead of deleting it
#   --build-gateway  rebuild gateway/target/granary.jar when missing or older than its sources
#                    (default: a missing jar is an error, a stale one is used with a warning)
#
# Environment: GRANARY_MVN_LOCK (default /tmp/granary-mvn.lock; "none" disables it) serialises the
# Maven build with other builds; when this script already runs under that lock (flock LOCK
# load-tests/sdk-bench.sh) it does not take it again. MVN_ARGS adds Maven arguments (e.g. -o);
# SDK_BENCH_JAVA_OPTS adds JVM options to the driver. See load-tests/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"

quick=0
write=""
keep=0
build_gateway=0
cmdline="load-tests/sdk-bench.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --write)
      [ $# -ge 2 ] || { echo "sdk-bench: --write needs a file" >&2; exit 2; }
      write="$2"
      case "$write" in /*) ;; *) write="$PWD/$write" ;; esac
      shift ;;
    --keep) keep=1 ;;
    --build-gateway) build_gateway=1 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sdk-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

started=$(date +%s)
say() { printf '[sdk-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------ parameters
if [ "$quick" = 1 ]; then
  secs=3; warm=1; iperf_secs=3
else
  secs=15; warm=3; iperf_secs=5
fi
read_size=65536      # bytes per channel read of the 1 GiB file (a typical application buffer)
small_files=2000
small_size=102400
threads=8
stat_threads="1,4"
write_type=MUST_CACHE

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
lock_path="${GRANARY_MVN_LOCK:-/tmp/granary-mvn.lock}"

# Whether this process already runs under the lock: flock(1) passes its descriptor on to the
# command, and /proc/locks names the process holding it (flock -o closes the descriptor, so look
# for that process among our ancestors too).
lock_held_by_us() {
  [ -e "$lock_path" ] || return 1
  local real fd ino holder p
  real="$(readlink -f "$lock_path")"
  for fd in /proc/$$/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$real" ] && return 0
  done
  ino=$(stat -L -c %i "$lock_path")
  for holder in $(awk -v ino="$ino" '$2 == "FLOCK" { n = split($6, a, ":"); if (a[n] == ino) print $5 }' /proc/locks 2>/dev/null); do
    p=$$
    while [ -n "$p" ] && [ "$p" -gt 1 ] 2>/dev/null; do
      [ "$p" = "$holder" ] && return 0
      p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
    done
  done
  return 1
}

mvn_build() { # description, maven arguments...
  local what=$1 lock=()
  shift
  if [ "$lock_path" = none ]; then
    :
  elif lock_held_by_us; then
    say "already running under $lock_path: building without taking it again"
  elif command -v flock >/dev/null 2>&1; then
    lock=(flock "$lock_path")
  fi
  say "building $what with $JAVA_HOME"
  # shellcheck disable=SC2086
  (cd "$root" && "${lock[@]}" ./mvnw -q -B ${MVN_ARGS:-} -DskipTests "$@" package) >&2 || die "build of $what failed"
}

newer_than() { # file dirs... : any src/main file or pom.xml of these modules newer than file
  local f=$1 d
  shift
  [ "$root/pom.xml" -nt "$f" ] && return 0
  for d in "$@"; do
    [ "$root/$d/pom.xml" -nt "$f" ] && return 0
    [ -n "$(find "$root/$d/src/main" -newer "$f" -print -quit 2>/dev/null)" ] && return 0
  done
  return 1
}

# The driver: only this module and what it needs (the SDK).
stamp="$here/target/.sdk-bench-built"
if [ ! -f "$here/target/classes/io/granary/loadtest/SdkBench.class" ] || [ ! -d "$here/target/lib" ] ||
  ! compgen -G "$here/target/lib/granary-sdk-*.jar" >/dev/null || [ ! -f "$stamp" ] ||
  newer_than "$stamp" sdk load-tests; then
  mvn_build "the SDK and load-tests" -pl load-tests -am
  touch "$stamp"
fi

# The gateway is run from its jar, never through ./granary (whose rebuild would not take the lock).
jar="$root/gateway/target/granary.jar"
gateway_modules=(gateway sdk metadata storage-tier s3-api)
gateway_note=""
if [ ! -f "$jar" ] || newer_than "$jar" "${gateway_modules[@]}"; then
  if [ "$build_gateway" = 1 ]; then
    mvn_build "the gateway" -pl gateway -am
  elif [ ! -f "$jar" ]; then
    die "$jar is missing: build it (./mvnw -DskipTests -pl gateway -am package) or pass --build-gateway"
  else
    gateway_note="WARNING: gateway/target/granary.jar is older than its sources; this run measured the jar as built."
    say "$gateway_note (--build-gateway rebuilds it)"
  fi
fi

# ------------------------------------------------------------------ run state and teardown
tmp="$(mktemp -d /tmp/sdk-bench.XXXXXX)"
shm="/dev/shm/$(basename "$tmp")"
mkdir -p "$shm"
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

# dd of a 1 GiB file on the tier's tmpfs, read twice; prints the second read in MiB/s.
dd_tmpfs() {
  local f="$shm/dd-1GiB" line
  LC_ALL=C dd if=/dev/zero of="$f" bs=1M count=1024 status=none || die "could not write $f"
  LC_ALL=C dd if="$f" of=/dev/null bs=1M 2>"$tmp/dd-1.log" || die "dd failed: $(cat "$tmp/dd-1.log")"
  LC_ALL=C dd if="$f" of=/dev/null bs=1M 2>"$tmp/dd-2.log" || die "dd failed: $(cat "$tmp/dd-2.log")"
  rm -f "$f"
  # "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 0.106 s, 10.1 GB/s"
  line=$(grep -m1 'bytes.*copied' "$tmp/dd-2.log") || die "no summary in dd's output: $(cat "$tmp/dd-2.log")"
  awk -v l="$line" 'BEGIN { split(l, a, " "); n = split(l, b, ", "); split(b[n - 1], s, " ");
    if (s[1] + 0 <= 0) exit 1; printf "%.1f\n", a[1] / s[1] / 1048576 }' || die "could not parse dd: $line"
}

ak="bench$(date +%s)"
sk="$(head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"

granary_port=""
granary_pid=""
start_granary() {
  local dir="$tmp/granary"
  mkdir -p "$dir" "$shm/mem"
  cat >"$dir/granary.yaml" <<EOF
dataDir: $dir/data
host: 127.0.0.1
admin: {port: 0}
s3: {port: 0}
grpc: {port: 0}
blockSize: 64MiB
tiers:
  - {name: MEM, path: $shm/mem, quota: 3GiB}
credentials:
  - {accessKey: $ak, secretKey: $sk}
EOF
  # shellcheck disable=SC2206
  "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" ${GRANARY_JAVA_OPTS:-} -jar "$jar" serve --config "$dir/granary.yaml" \
    >"$dir/granary.log" 2>&1 &
  granary_pid=$!
  pids+=("$granary_pid")
  for _ in $(seq 1 300); do
    granary_port=$(sed -n 's#^grpc listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$dir/granary.log" | head -1)
    [ -n "$granary_port" ] && grep -q '^admin listening on' "$dir/granary.log" && break
    kill -0 "$granary_pid" 2>/dev/null || { tail -30 "$dir/granary.log" >&2; die "granary exited during startup"; }
    sleep 0.2
  done
  [ -n "$granary_port" ] || die "granary printed no 'grpc listening on' line in 60 s"
  say "granary pid $granary_pid: grpc (and the data path) on $granary_port"
}

# ------------------------------------------------------------------ runs
say "temporary directory $tmp, tmpfs tier under $shm"
say "iperf3 single stream, $iperf_secs s"
iperf_start=$(iperf start)
say "iperf3: $iperf_start MiB/s; again with -l 32K"
iperf_32k=$(iperf 32k -l 32K)
say "iperf3 -l 32K: $iperf_32k MiB/s"
say "dd bs=1M of a 1 GiB file on $shm, twice"
dd_mibps=$(dd_tmpfs)
say "dd (second read): $dd_mibps MiB/s"

start_granary
say "driver: SdkBench (${secs} s windows, ${warm} s warm-up)"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -Xms1g -Xmx2g ${SDK_BENCH_JAVA_OPTS:-} \
  -cp "$here/target/classes:$here/target/lib/*" io.granary.loadtest.SdkBench \
  --port "$granary_port" --access-key "$ak" --secret-key "$sk" --seconds "$secs" --warmup "$warm" \
  --read-size "$read_size" --small-files "$small_files" --small-size "$small_size" --threads "$threads" \
  --stat-threads "$stat_threads" --write-type "$write_type" \
  >"$tmp/sdk.results" || die "driver failed (logs in $tmp)"
stop_pid "$granary_pid"

say "iperf3 single stream again, $iperf_secs s"
iperf_end=$(iperf end)
say "iperf3: $iperf_end MiB/s"

# ------------------------------------------------------------------ table
r() { awk -v k="$1" '$1 == "RESULT" && $2 == k { print $3; found = 1 } END { if (!found) print "nan" }' "$tmp/sdk.results"; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf f, v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
verdict() { # ratio target
  awk -v r="$1" -v t="$2" 'BEGIN { if (r == "n/a") print "n/a"; else if (r + 0 >= t + 0) print "met"; else print "**MISSED**" }'
}
iperf_mean=$(awk -v a="$iperf_start" -v b="$iperf_end" 'BEGIN { printf "%.1f", (a + b) / 2 }')
net_ratio=$(ratio "$(r large_net_mibps)" "$iperf_mean")
sc_ratio=$(ratio "$(r large_sc_mibps)" "$dd_mibps")
elapsed=$(( $(date +%s) - started ))
mode=$([ "$quick" = 1 ] && echo "quick: ${secs} s windows" || echo "${secs} s windows, ${warm} s warm-up")
kib=$((read_size / 1024))

table() {
  echo "| measurement ($mode) | value | notes |"
  echo "|---|---:|---|"
  echo "| 1 GiB cached file, SDK sequential read, network (\`shortCircuit=false\`), MiB/s | $(fmt "$(r large_net_mibps)" %.0f) | \`openChannel\`, ${kib} KiB reads; ranged HTTP data path (sendfile) |"
  echo "| same, short circuit (\`shortCircuit=true\`), MiB/s | $(fmt "$(r large_sc_mibps)" %.0f) | reads the MEM tier's block files directly |"
  echo "| same 1 GiB, gRPC ReadBlock streaming, 1 MiB chunks, MiB/s | $(fmt "$(r large_grpc_mibps)" %.0f) | \`readBlockRpc\`, one call per 64 MiB block |"
  echo "| same 1 GiB, data path over a raw socket (no SDK client), MiB/s | $(fmt "$(r large_raw_mibps)" %.0f) | diagnostic: the SDK's ranges, 32 KiB reads |"
  echo "| stat, metadata cache (TTL 60 s), 1 thread, calls/s | $(fmt "$(r stat_cached_t1_per_s)" %.0f) | $(fmt "$(r stat_cached_t1_rpc_per_call)" %.3f) RPCs/call |"
  echo "| stat, metadata cache (TTL 60 s), 4 threads, calls/s | $(fmt "$(r stat_cached_t4_per_s)" %.0f) | $(fmt "$(r stat_cached_t4_rpc_per_call)" %.3f) RPCs/call |"
  echo "| stat, no cache (TTL 0), 1 thread, calls/s | $(fmt "$(r stat_uncached_t1_per_s)" %.0f) | $(fmt "$(r stat_uncached_t1_rpc_per_call)" %.3f) RPCs/call |"
  echo "| stat, no cache (TTL 0), 4 threads, calls/s | $(fmt "$(r stat_uncached_t4_per_s)" %.0f) | $(fmt "$(r stat_uncached_t4_rpc_per_call)" %.3f) RPCs/call |"
  echo "| 100 KiB file reads, $small_files files, random, $threads threads, network, reads/s | $(fmt "$(r small_net_per_s)" %.0f) | block lists cached; $(fmt "$(r small_net_rpcs)" %.0f) RPCs in the window |"
  echo "| same, short circuit, reads/s | $(fmt "$(r small_sc_per_s)" %.0f) | $(fmt "$(r small_sc_rpcs)" %.0f) RPCs in the window |"
  echo "| limit: \`iperf3 -c 127.0.0.1\` single stream, MiB/s (start / end of run) | $(fmt "$iperf_start" %.0f) / $(fmt "$iperf_end" %.0f) | 128 KiB writes and reads |"
  echo "| limit: \`iperf3 -c 127.0.0.1 -l 32K\`, MiB/s | $(fmt "$iperf_32k" %.0f) | |"
  echo "| limit: \`dd bs=1M\` of a 1 GiB file on the tier's tmpfs (2nd read), MiB/s | $(fmt "$dd_mibps" %.0f) | |"
  echo "| **network read / iperf3** (mean of start and end; target ≥ 0.50) | $net_ratio | $(verdict "$net_ratio" 0.50) |"
  echo "| **short circuit / dd** (target ≥ 0.60) | $sc_ratio | $(verdict "$sc_ratio" 0.60) |"
  echo
  echo "Setup through the SDK (\`create\`, $write_type): 1 GiB at $(fmt "$(r write_large_mibps)" %.0f) MiB/s, $small_files files of 100 KiB at $(fmt "$(r write_small_per_s)" %.0f) files/s on $threads threads. The 1 GiB CRC32C matched on the first pass of each of the three SDK paths; every read's byte count was checked. Run took ${elapsed} s."
  if [ -n "$gateway_note" ]; then
    echo
    echo "$gateway_note"
  fi
}

out="$(table)"
echo
echo "$out"
if [ -n "$write" ]; then
  jdk=$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n '2p')
  cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
  {
    echo
    echo "## SDK: reads, stat and small files on one host ($(date -u +%Y-%m-%d))"
    echo
    echo "- Command: \`$cmdline\`"
    echo "- Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), $jdk"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$out"
  } >>"$write"
  say "appended to $write"
fi
