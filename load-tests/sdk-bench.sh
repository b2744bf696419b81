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

bench_name=sdk-bench
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
build_gateway=0
bench_extra_option() {
  case "$1" in
    --build-gateway) build_gateway=1 ;;
    *) return 1 ;;
  esac
}
bench_parse_args 2,18 "$@"

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

bench_need_iperf3

# ------------------------------------------------------------------ build
# The driver: only this module and what it needs (the SDK).
stamp="$here/target/.sdk-bench-built"
if [ ! -f "$here/target/classes/io/granary/loadtest/SdkBench.class" ] || [ ! -d "$here/target/lib" ] ||
  ! compgen -G "$here/target/lib/granary-sdk-*.jar" >/dev/null || [ ! -f "$stamp" ] ||
  newer_than "$stamp" sdk load-tests; then
  mvn_build "the SDK and load-tests" -pl load-tests -am
  touch "$stamp"
fi

bench_gateway_jar die

# ------------------------------------------------------------------ run state and teardown
bench_run_state
mkdir -p "$shm"

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

granary_port=""
granary_pid=""
start_granary() {
  local dir="$tmp/granary"
  # shellcheck disable=SC2206
  start_granary_with granary "$dir" "$shm/mem" 3GiB "grpc: {port: 0}" "grpc admin" \
    "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" ${GRANARY_JAVA_OPTS:-} -jar "$jar"
  granary_port=$(listener_port "$dir/granary.log" grpc)
  say "granary pid $granary_pid: grpc (and the data path) on $granary_port"
}

# ------------------------------------------------------------------ runs
bench_iperf_before "-l 32K"
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

bench_iperf_after

# ------------------------------------------------------------------ table
r() { awk -v k="$1" '$1 == "RESULT" && $2 == k { print $3; found = 1 } END { if (!found) print "nan" }' "$tmp/sdk.results"; }
verdict() { # ratio target
  awk -v r="$1" -v t="$2" 'BEGIN { if (r == "n/a") print "n/a"; else if (r + 0 >= t + 0) print "met"; else print "**MISSED**" }'
}
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
bench_print "SDK: reads, stat and small files on one host" "$out"
