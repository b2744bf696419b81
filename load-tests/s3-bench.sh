#!/usr/bin/env bash
# S3 benchmark (issue 3): Granary vs s3proxy on loopback, plus iperf3 as the loopback ceiling, an
# endpoint that stores nothing as the PUT ceiling, and Granary's 64 MiB cached GET on each Netty
# transport. Prints a markdown table.
#
#   load-tests/s3-bench.sh [--quick] [--write FILE] [--keep]
#
#   --quick       short windows (about 3.5 min in all); numbers are indicative only
#   --write FILE  append the table, with date, machine and command, to FILE (e.g. BENCHMARKS.md)
#   --keep        keep the temporary directory (logs, data) instead of deleting it
#
# Environment: GRANARY_MVN_LOCK (default /tmp/granary-mvn.lock) serialises the Maven build with
# other builds on the machine when flock(1) exists; MVN_ARGS adds Maven arguments (e.g. -o).
# See load-tests/README.md for what each number means.
set -euo pipefail

bench_name=s3-bench
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
bench_parse_args 2,14 "$@"

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

bench_need_iperf3

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
  mvn_build "gateway and load-tests" -pl gateway,load-tests -am
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
bench_run_state

# Before each measurement that writes files: write back what the previous one left dirty and let
# the files it deleted age out. ext4 without a journal (these machines' disks) scans the inodes
# freed in the last 60 s (300 s while their inode-table block is unwritten) on every create, so
# without this a server's PUTs would pay for the files the previous run deleted. Quick runs wait
# only 6 s: their PUT figures are not comparable anyway.
settle() {
  local secs=61
  [ "$quick" = 1 ] && secs=6
  sync -f "$tmp" 2>/dev/null || sync
  say "settling the disk: sync, then ${secs} s for recently deleted inodes to age out"
  sleep "$secs"
}

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
start_granary() { # transport [label [extra yaml]]
  local t=$1 label=${2:-$1} dir="$tmp/granary-${2:-$1}" extra=${3:-}
  local cmd=("$root/granary")
  if launcher_stale; then
    # shellcheck disable=SC2206
    cmd=("$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" ${GRANARY_JAVA_OPTS:-} -jar "$root/gateway/target/granary.jar")
  fi
  start_granary_with "granary ($label)" "$dir" "$shm/$label" 2GiB "transport: $t$extra" "s3 admin" "${cmd[@]}"
  granary_port=$(listener_port "$dir/granary.log" s3)
  granary_admin=$(listener_port "$dir/granary.log" admin)
  if grep -q "is not available here" "$dir/granary.log"; then
    die "transport $t is not available on this machine: $(grep -m1 'is not available here' "$dir/granary.log")"
  fi
  say "granary ($label) pid $granary_pid: s3 on $granary_port, admin on $granary_admin"
}

metric() { # admin-port name
  curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null | awk -v n="$2" '$1 == n { printf "%.0f\n", $2; exit }'
}

# ------------------------------------------------------------------ runs (one server at a time)
bench_iperf_before "32 KiB writes and reads (the driver's read size)"
say "iperf3 -l 32K in four processes at once (four streams, as the 4-stream GET row)"
iperf_p4=$(iperf_processes 4 p4 -l 32K)
say "iperf3 -l 32K, four processes: $iperf_p4 MiB/s"

settle
start_granary epoll
ufs_before=$(metric "$granary_admin" granary_ufs_read_bytes_total || true)
driver granary-epoll "http://127.0.0.1:$granary_port" "${list_args[@]}"
ufs_after=$(metric "$granary_admin" granary_ufs_read_bytes_total || true)
hits=$(metric "$granary_admin" granary_cache_hits_total || true)
misses=$(metric "$granary_admin" granary_cache_misses_total || true)
# The same PUTs with x-granary-write-type: ASYNC_THROUGH (acknowledged once in the cache and the
# LMDB persist queue; the under-storage write follows in the background, as in Alluxio 2.x's default).
settle
driver granary-async "http://127.0.0.1:$granary_port" --workloads put-small --put-write-type ASYNC_THROUGH
persist_queue=$(metric "$granary_admin" granary_persist_queue_length || true)
stop_pid "$granary_pid"

# The same PUTs with the local under-storage's fsync off: no sync per PUT, the durability s3proxy's
# filesystem store has (it never syncs). Granary's default syncs each PUT's data (fdatasync).
settle
mkdir -p "$tmp/granary-nosync/ufs"
start_granary epoll nosync $'\nroot: {uri: "file://'"$tmp"'/granary-nosync/ufs", options: {fsync: "false"}}'
# A fresh JVM: a longer warm-up, so the JIT has compiled the PUT path before the window opens.
driver granary-nosync "http://127.0.0.1:$granary_port" --workloads put-small --warmup $((warm * 3))
stop_pid "$granary_pid"

# The disk's ceiling for durable puts: the same 100 KiB bodies written to files as the servers
# write them (create, write, fdatasync, rename over one of 2,000 names; as many threads as the
# driver has requests in flight), no server.
settle
say "disk put ceiling: $concurrency threads of create, write, fdatasync, rename in $tmp/disk-ceiling"
"$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -cp "$here/target/classes:$here/target/lib/*" \
  io.granary.loadtest.DiskPutCeiling --dir "$tmp/disk-ceiling" --threads "$concurrency" \
  --seconds "$secs" --warmup "$warm" >"$tmp/disk-ceiling.results" || die "the disk put ceiling run failed"

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
settle
"$JAVA_HOME/bin/java" -jar "$here/target/s3proxy/s3proxy.jar" --properties "$tmp/s3proxy/s3proxy.properties" \
  >"$tmp/s3proxy/s3proxy.log" 2>&1 &
s3p_pid=$!
pids+=("$s3p_pid")
wait_port "$s3p_port" "$s3p_pid" "$tmp/s3proxy/s3proxy.log"
say "s3proxy pid $s3p_pid on $s3p_port"
driver s3proxy "http://127.0.0.1:$s3p_port" "${list_args[@]}"
stop_pid "$s3p_pid"

# The PUT ceiling of this machine: an endpoint that reads each body, MD5-hashes it and stores
# nothing (PutCeiling). What the driver reaches against it bounds any S3 server's PUT rate here.
ceil_port=$(free_port)
"$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -cp "$here/target/classes:$here/target/lib/*" \
  io.granary.loadtest.PutCeiling --port "$ceil_port" >"$tmp/put-ceiling.log" 2>&1 &
ceil_pid=$!
pids+=("$ceil_pid")
wait_port "$ceil_port" "$ceil_pid" "$tmp/put-ceiling.log"
driver put-ceiling "http://127.0.0.1:$ceil_port" --workloads put-small
stop_pid "$ceil_pid"

for t in io_uring nio; do
  start_granary "$t"
  driver "granary-$t" "http://127.0.0.1:$granary_port" --workloads get-large,get-small
  stop_pid "$granary_pid"
done

bench_iperf_after

# ------------------------------------------------------------------ table
r() { # system key
  awk -v k="$2" '$1 == "RESULT" && $2 == k { print $3; found = 1 } END { if (!found) print "nan" }' "$tmp/$1.results"
}
row() { # label key format
  local g s
  g=$(r granary-epoll "$2")
  s=$(r s3proxy "$2")
  printf '| %s | %s | %s | %s |\n' "$1" "$(fmt "$g" "$3")" "$(fmt "$s" "$3")" "$(ratio "$g" "$s")"
}
vs_s3proxy_put() { # label results key: another run's figure against s3proxy's PUT rate
  local v s
  v=$(r "$2" "$3")
  s=$(r s3proxy put_small_rps)
  printf '| %s | %s | %s | %s |\n' "$1" "$(fmt "$v" %.0f)" "$(fmt "$s" %.0f)" "$(ratio "$v" "$s")"
}
lat_row() { # label prefix
  printf '| %s | %s / %s | %s / %s | |\n' "$1" \
    "$(fmt "$(r granary-epoll "${2}_p50_ms")" %.1f)" "$(fmt "$(r granary-epoll "${2}_p99_ms")" %.1f)" \
    "$(fmt "$(r s3proxy "${2}_p50_ms")" %.1f)" "$(fmt "$(r s3proxy "${2}_p99_ms")" %.1f)"
}
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
  vs_s3proxy_put "100 KiB PUT, local under-storage with \`fsync: false\` (no sync per PUT, as s3proxy; req/s)" granary-nosync put_small_rps
  vs_s3proxy_put "100 KiB PUT with \`x-granary-write-type: ASYNC_THROUGH\` (req/s; s3proxy as above)" granary-async put_small_rps
  vs_s3proxy_put "100 KiB PUT ceiling: an endpoint that only reads and MD5-hashes each body, stores nothing (req/s; s3proxy as above)" put-ceiling put_small_rps
  vs_s3proxy_put "100 KiB durable file puts on the same disk, no server: create, write, fdatasync, rename; $concurrency threads (puts/s; s3proxy as above)" disk-ceiling disk_puts_per_s
  row "LIST 10,000 keys, pages of 1000: median full listing (ms, lower is better)" list_median_ms %.1f
  row "LIST 10,000 keys: full listings/s" list_per_s %.2f
  echo
  echo "| loopback ceiling | value |"
  echo "|---|---:|"
  echo "| iperf3 single stream (MiB/s), start / end of run | $(fmt "$iperf_start" %.0f) / $(fmt "$iperf_end" %.0f) |"
  echo "| iperf3 single stream, \`-l 32K\` (MiB/s) | $(fmt "$iperf_32k" %.0f) |"
  echo "| iperf3 four streams, \`-l 32K\` in four processes at once (MiB/s) | $(fmt "$iperf_p4" %.0f) |"
  echo "| 2× s3proxy's 4-stream GET / iperf3 four streams | $(ratio "$(awk -v s="$(r s3proxy get_large_mibps_s4)" 'BEGIN { if (s == "nan") print "nan"; else print 2 * s }')" "$iperf_p4") |"
  echo "| Granary 64 MiB GET, 1 stream / iperf3 (mean) | $(ratio "$(r granary-epoll get_large_mibps_s1)" "$iperf_mean") |"
  echo "| Granary 64 MiB GET, 4 streams / iperf3 (mean) | $(ratio "$(r granary-epoll get_large_mibps_s4)" "$iperf_mean") |"
  echo
  echo "| Granary transport | 64 MiB cached GET, 1 stream (MiB/s) | 4 streams (MiB/s) | 4 streams vs epoll | 100 KiB GET (req/s) | 100 KiB GET vs epoll |"
  echo "|---|---:|---:|---:|---:|---:|"
  local t e4 es
  e4=$(r granary-epoll get_large_mibps_s4)
  es=$(r granary-epoll get_small_rps)
  for t in epoll io_uring nio; do
    printf '| %s | %s | %s | %s | %s | %s |\n' "$t$([ "$t" = epoll ] && echo ' (default)')" \
      "$(fmt "$(r "granary-$t" get_large_mibps_s1)" %.0f)" "$(fmt "$(r "granary-$t" get_large_mibps_s4)" %.0f)" \
      "$(ratio "$(r "granary-$t" get_large_mibps_s4)" "$e4")" \
      "$(fmt "$(r "granary-$t" get_small_rps)" %.0f)" "$(ratio "$(r "granary-$t" get_small_rps)" "$es")"
  done
  echo
  echo "Granary under-storage bytes read during its run: $ufs_read (cache hits $(fmt "${hits:-nan}" %.0f), misses $(fmt "${misses:-nan}" %.0f)); ASYNC_THROUGH files still queued for the under-storage when the PUT window ended: ${persist_queue:-n/a}; run took ${elapsed} s."
}

out="$(table)"
bench_print "S3: Granary vs s3proxy on loopback" "$out"
