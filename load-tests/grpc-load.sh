#!/usr/bin/env bash
# gRPC load (issue 6): raw calls of the block API against a fresh gateway on this host, through
# a Vert.x gRPC client (io.granary.loadtest.GrpcLoad): a GetStatus storm, concurrent ReadBlock
# streams of cached 64 MiB files, and one Load RPC of a cold directory. Prints one markdown table
# (throughput, latency percentiles, errors) and key=value lines; any error makes the exit status 1.
#
#   load-tests/grpc-load.sh [--quick] [--write FILE] [--keep] [--build-gateway]
#
#   --quick          10 s windows and a smaller data set (about 30 s; the full run about 70 s);
#                    indicative only
#   --write FILE     append the table, with date, machine, versions and command, to FILE
#   --keep           keep the run directory (logs, data) instead of deleting it
#   --build-gateway  rebuild gateway/target/granary.jar when missing or older than its sources
#                    (default: a missing jar is an error, a stale one is used with a warning)
#
# Environment: GRANARY_MVN_LOCK (default /tmp/granary-mvn.lock; "none" disables it) serialises the
# Maven build with other builds; when this script already runs under that lock (flock LOCK
# load-tests/grpc-load.sh) it does not take it again. MVN_ARGS adds Maven arguments (e.g. -o);
# GRANARY_JAVA_OPTS adds JVM options to the gateway, GRPC_LOAD_JAVA_OPTS to the driver and
# GRPC_LOAD_ARGS options to `GrpcLoad run` (e.g. "--connections 4 --event-loops 2"). The run
# directory (gateway data dir and under-storage) is under load-tests/target. See load-tests/README.md.
set -euo pipefail

bench_name=grpc-load
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
build_gateway=0
bench_extra_option() {
  case "$1" in
    --build-gateway) build_gateway=1 ;;
    *) return 1 ;;
  esac
}
bench_parse_args 2,21 "$@"
[ -z "${GRPC_LOAD_ARGS:-}" ] || cmdline="GRPC_LOAD_ARGS='$GRPC_LOAD_ARGS' $cmdline"

# ------------------------------------------------------------------ parameters
if [ "$quick" = 1 ]; then
  secs=10; warm=2
  stat_files=1000; read_files=2; load_files=200
else
  secs=20; warm=3
  stat_files=10000; read_files=4; load_files=1000
fi
stat_size=4KiB
read_size=64MiB
load_size=1MiB
stat_concurrency=64
connections=2
read_streams=4
read_chunk=1MiB
load_parallelism=8
# MEM tier quota in MiB: the whole data set plus room (nothing is evicted during the run)
quota_mib=$((stat_files * 4 / 1024 + read_files * 64 + load_files * 1 + 512))

# ------------------------------------------------------------------ build
# The driver needs only this module (the SDK comes from the local Maven repository).
stamp="$here/target/.grpc-load-built"
if [ ! -f "$here/target/classes/io/granary/loadtest/GrpcLoad.class" ] || [ ! -d "$here/target/lib" ] ||
  ! compgen -G "$here/target/lib/granary-sdk-*.jar" >/dev/null || [ ! -f "$stamp" ] ||
  newer_than "$stamp" load-tests; then
  mvn_build "load-tests" -pl load-tests
  touch "$stamp"
fi

bench_gateway_jar die

# ------------------------------------------------------------------ run state and teardown
# bench_run_state makes its directory under /tmp; this run's data dir lives under load-tests/target
# instead (the local disk). cleanup (bench-lib.sh) stops the gateway and removes $tmp and $shm.
bench_run_state_on_disk
data="$tmp/data"
tier_dir="$shm/mem"
shm_free_mib=$(df -Pm /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ -z "$shm_free_mib" ] || [ "$shm_free_mib" -lt $((quota_mib + 256)) ]; then
  tier_dir="$tmp/tier"
  say "WARNING: /dev/shm has ${shm_free_mib:-no} MiB free: the cache tier goes on $tier_dir (disk) instead"
fi
mkdir -p "$data" "$tier_dir"

java_cp="$here/target/classes:$here/target/lib/*"
dataset=(--stat-files "$stat_files" --stat-size "$stat_size" --read-files "$read_files" --read-size "$read_size"
  --load-files "$load_files" --load-size "$load_size")

# ------------------------------------------------------------------ data set
say "run directory $tmp; writing the data set into $data/ufs/grpcload"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" ${GRPC_LOAD_JAVA_OPTS:-} -cp "$java_cp" io.granary.loadtest.GrpcLoad gen \
  --ufs "$data/ufs" "${dataset[@]}" || die "writing the data set failed"

# ------------------------------------------------------------------ the gateway
cat >"$tmp/granary.yaml" <<EOF
blockSize: 64MiB
tiers:
  - {name: MEM, path: $tier_dir, quota: ${quota_mib}MiB}
EOF
say "starting the gateway: serve --data-dir $data, ports 0, one MEM tier of $quota_mib MiB"
# shellcheck disable=SC2086
GRANARY_ACCESS_KEY="$ak" GRANARY_SECRET_KEY="$sk" "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" \
  ${GRANARY_JAVA_OPTS:-} -jar "$jar" serve --config "$tmp/granary.yaml" --data-dir "$data" \
  --s3-port 0 --grpc-port 0 --admin-port 0 >"$tmp/granary.log" 2>&1 &
granary_pid=$!
pids+=("$granary_pid")
grpc_addr=""
for _ in $(seq 1 300); do
  # "grpc listening on http://HOST:PORT"; the admin line comes last, when everything is up
  grpc_addr=$(sed -n 's#^grpc listening on http://\([^ /]*:[0-9][0-9]*\).*#\1#p' "$tmp/granary.log" | head -1)
  [ -n "$grpc_addr" ] && grep -q '^admin listening on ' "$tmp/granary.log" && break
  kill -0 "$granary_pid" 2>/dev/null || { tail -30 "$tmp/granary.log" >&2; die "the gateway exited during startup"; }
  sleep 0.2
done
[ -n "$grpc_addr" ] || { tail -30 "$tmp/granary.log" >&2; die "the gateway printed no 'grpc listening on' line in 60 s"; }
grpc_host=${grpc_addr%:*}
grpc_port=${grpc_addr##*:}
say "gateway pid $granary_pid: grpc on $grpc_host:$grpc_port"

say "granary fs load -R /grpcload/read ($read_files files of $read_size)"
load_started=$(date +%s.%N)
GRANARY_ACCESS_KEY="$ak" GRANARY_SECRET_KEY="$sk" "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -jar "$jar" \
  fs load -R --gateway "$grpc_host:$grpc_port" /grpcload/read >"$tmp/fs-load.log" 2>&1 ||
  { cat "$tmp/fs-load.log" >&2; die "granary fs load of the read set failed"; }
fs_load_secs=$(awk -v a="$load_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
say "$(tail -1 "$tmp/fs-load.log") (command took $fs_load_secs s)"

# ------------------------------------------------------------------ the driver
say "driver: GrpcLoad run (${warm} s warm-up + ${secs} s windows)"
rc=0
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" -Xms512m -Xmx1g ${GRPC_LOAD_JAVA_OPTS:-} -cp "$java_cp" io.granary.loadtest.GrpcLoad run \
  --host "$grpc_host" --port "$grpc_port" --access-key "$ak" --secret-key "$sk" "${dataset[@]}" \
  --seconds "$secs" --warmup "$warm" --connections "$connections" --stat-concurrency "$stat_concurrency" \
  --read-streams "$read_streams" --read-chunk "$read_chunk" --load-parallelism "$load_parallelism" \
  --server-pid "$granary_pid" ${GRPC_LOAD_ARGS:-} >"$tmp/grpcload.out" || rc=$?
stop_pid "$granary_pid"
grep -q '^|' "$tmp/grpcload.out" || { cat "$tmp/grpcload.out" >&2; die "the driver printed no table (exit status $rc)"; }
if grep -Eq ' (ERROR|Exception)' "$tmp/granary.log"; then
  say "the gateway's log has errors (first lines below)"
  grep -E -m5 ' (ERROR|Exception)' "$tmp/granary.log" >&2 || true
fi

# ------------------------------------------------------------------ table
elapsed=$(( $(date +%s) - started ))
mode=$([ "$quick" = 1 ] && echo "quick: ${warm} s warm-up + ${secs} s windows" || echo "${warm} s warm-up + ${secs} s windows")
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$root" status --porcelain 2>/dev/null | head -1)" ] && rev="$rev + uncommitted changes"
vertx_v=$(basename "$(compgen -G "$here/target/lib/vertx-grpc-client-*.jar" | head -1)" .jar | sed 's/^vertx-grpc-client-//')
jar_date=$(date -u -r "$jar" '+%Y-%m-%d %H:%M UTC')

table() {
  echo "gRPC load ($mode), one gateway and the driver on 127.0.0.1:"
  echo
  sed -n '/^|/p' "$tmp/grpcload.out"
  echo
  echo "Versions: Granary $rev (gateway jar built $jar_date), Vert.x gRPC client $vertx_v. Gateway: \`granary serve\` with"
  echo "one MEM tier of $quota_mib MiB, block size 64 MiB, default transport; data set written into its under-storage"
  echo "(\`<data-dir>/ufs\`, local disk, so \"cold\" means not in Granary's cache: the files are in the page cache);"
  echo "the read set loaded with \`granary fs load -R\` ($fs_load_secs s, JVM start included). Throughput and latency count"
  echo "the calls that ended in the window; latency is per call (a whole 64 MiB file for ReadBlock). Run took ${elapsed} s."
  sed -n 's/^Note: /Note: /p' "$tmp/grpcload.out"
  if [ -n "$gateway_note" ]; then
    echo
    echo "$gateway_note"
  fi
}

out="$(table)"
bench_print "gRPC load: GetStatus storm, ReadBlock streams, Load of a cold directory" "$out"
echo
grep '^grpcload ' "$tmp/grpcload.out"
[ "$rc" = 0 ] || die "the driver reported errors (exit status $rc; logs in $tmp)"
