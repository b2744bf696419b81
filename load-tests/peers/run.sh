#!/usr/bin/env bash
# Peer harness (issue 6): Granary against the tools a training job could use instead, and against
# the machine's limits, on loopback. One data set lives in an s3proxy bucket (the origin); Granary
# (FUSE mount and S3), rclone mount and s3fs read it from there, cold then warm; s3proxy itself is
# the S3 peer; bindfs over a local copy is the FUSE limit; the local copy, iperf3 and a page-cache
# dd are the physical limits. Prints one markdown table: absolute numbers, Granary / best peer and
# a verdict in words.
#
#   load-tests/peers/run.sh [--quick] [--write FILE] [--keep] [--build-gateway]
#
#   --quick          2,000 files of 100 KiB and a 256 MiB file, 3 s S3 windows (under 3 min);
#                    the full run has 10,000 files and 1 GiB, 10 s windows (under 20 min)
#   --write FILE     append the table, with date, machine, versions and commands, to FILE
#                    (e.g. BENCHMARKS.md)
#   --keep           keep the run directory (logs, data) instead of deleting it (kept anyway when
#                    a run fails)
#   --build-gateway  rebuild gateway/target/granary.jar when missing or older than its sources
#                    (default: a stale jar is used with a warning; a missing one is an error)
#
# Installs rclone, s3fs, bindfs, fuse, libfuse2 and iperf3 with apt-get when one is missing, and
# builds load-tests (the drivers and the s3proxy jar) when a source or pom changed since its last
# build, under flock $GRANARY_MVN_LOCK (default /tmp/granary-mvn.lock; "none" disables it).
# MVN_ARGS adds Maven arguments (e.g. -o), GRANARY_JAVA_OPTS JVM options for the gateway,
# PEERS_REPS the repetitions of the file rows (default 3; --quick 1). Run it
# under the lock (flock /tmp/granary-mvn.lock load-tests/peers/run.sh) so that no build runs
# during the measurement. Every mount is unmounted and every process stopped on exit, even when
# the run fails. See load-tests/README.md, "Peer harness".
set -euo pipefail

bench_name=peers
peers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../bench-lib.sh
source "$peers_dir/../bench-lib.sh"
bench_script="$peers_dir/run.sh"
here="$(cd "$peers_dir/.." && pwd)" # load-tests
root="$(cd "$here/.." && pwd)"
# shellcheck source=../../scripts/jdk.sh
source "$root/scripts/jdk.sh"

build_gateway=0
bench_extra_option() {
  case "$1" in
    --build-gateway) build_gateway=1 ;;
    *) return 1 ;;
  esac
}
bench_parse_args 2,27 "$@"
cmdline="load-tests/peers/run.sh${*:+ $*}"

# ------------------------------------------------------------------ parameters
if [ "$quick" = 1 ]; then
  small_files=2000; large_size=$((256 << 20)); large_label="256 MiB"
  warm_files=300; warm_large=$((32 << 20))
  s3_secs=3; s3_warm=1; iperf_secs=3; reps=${PEERS_REPS:-1}
else
  small_files=10000; large_size=$((1 << 30)); large_label="1 GiB"
  warm_files=1000; warm_large=$((128 << 20))
  s3_secs=10; s3_warm=3; iperf_secs=5; reps=${PEERS_REPS:-3}
fi
case "$reps" in ''|*[!0-9]*|0) die "PEERS_REPS must be a positive number" ;; esac
small_size=102400
read_threads=4
loader_threads=8
loader_step_ms=2
loader_epochs=3
loader_target=97
s3_concurrency=32
bucket=peers
data_bytes=$((small_files * small_size + large_size))
warm_bytes=$((warm_files * small_size + warm_large))
s3bench_bytes=$(( (64 << 20) + 1000 * small_size ))
cache_mib=$(( (data_bytes + warm_bytes + s3bench_bytes) * 3 / 2 / 1048576 + 512 ))

# ------------------------------------------------------------------ packages
need_packages() {
  local missing=() sudo_=()
  command -v rclone >/dev/null 2>&1 || missing+=(rclone)
  command -v s3fs >/dev/null 2>&1 || missing+=(s3fs)
  command -v bindfs >/dev/null 2>&1 || missing+=(bindfs)
  command -v fusermount >/dev/null 2>&1 || missing+=(fuse)
  command -v iperf3 >/dev/null 2>&1 || missing+=(iperf3)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # (not `ldconfig -p | grep -q`: grep quitting early fails the pipe under pipefail)
  grep -q 'libfuse\.so\.2 ' <<<"$(ldconfig -p 2>/dev/null)" || missing+=(libfuse2)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} with apt-get"
    [ "$(id -u)" = 0 ] || sudo_=(sudo -n)
    "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
      { "${sudo_[@]}" apt-get update -q >/dev/null &&
        "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } ||
      die "could not install ${missing[*]}"
  fi
  [ -c /dev/fuse ] || die "/dev/fuse is missing: load the fuse module (modprobe fuse), or give the container --device /dev/fuse"
}
need_packages

# ------------------------------------------------------------------ build
classes="$here/target/classes"
stamp="$here/target/.peers-built"
if [ ! -f "$classes/io/granary/loadtest/FileReadBench.class" ] || [ ! -f "$classes/io/granary/loadtest/LoaderSim.class" ] ||
  [ ! -f "$classes/io/granary/loadtest/S3Bench.class" ] || [ ! -d "$here/target/lib" ] ||
  [ ! -f "$here/target/s3proxy/s3proxy.jar" ] || [ ! -f "$stamp" ] || newer_than "$stamp" load-tests; then
  mvn_build "load-tests" -pl load-tests
  touch "$stamp"
fi
s3proxy_jar="$here/target/s3proxy/s3proxy.jar"
[ -f "$s3proxy_jar" ] || die "the build did not produce $s3proxy_jar"

bench_gateway_jar die
"$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -jar "$jar" serve --help 2>&1 | grep -q -- '--fuse-mount' ||
  die "this granary.jar's serve has no --fuse-mount"

# ------------------------------------------------------------------ run state and teardown
# The run directory is under load-tests/target (the local disk; /tmp may be a tmpfs). Every cache
# (Granary's MEM tier, rclone's and s3fs's cache directories) is on a tmpfs under /dev/shm.
bench_run_state_on_disk
mkdir -p "$tmp/res" "$shm"
fstype="$(stat -f -c %T "$tmp")"
shm_avail=$(df -B1 --output=avail /dev/shm 2>/dev/null | tail -1 | tr -d ' ' || echo 0)
[ "${shm_avail:-0}" -gt $(( (cache_mib + 512) * 1048576 )) ] ||
  die "/dev/shm has $((shm_avail >> 20)) MiB free; the caches need $((cache_mib + 512)) MiB"
data="$tmp/data"
mounts=()
granary_pid=""
s3p_pid=""
notes=()
failures=()


# Exit trap: stop the gateway (which unmounts its mount), unmount whatever is left, then
# bench-lib's cleanup (every process in $pids, /dev/shm, the run directory). A mount that survives
# even a lazy unmount keeps the run directory, which would otherwise be deleted through it.
peers_cleanup() {
  local rc=$? m
  set +e
  [ -n "$granary_pid" ] && stop_pid "$granary_pid"
  for m in "${mounts[@]}"; do
    unmount "$m" || { say "ERROR: could not unmount $m; not removing $tmp"; keep=1; }
  done
  (exit "$rc")
  cleanup
}
trap peers_cleanup EXIT

# ------------------------------------------------------------------ drivers and results
# A failed measurement is recorded (n/a in the table, its log under the table, exit status 1 at
# the end) and the run goes on with the next one.
fail() { # what logfile
  say "FAILED: $1"
  failures+=("$1: $(tail -3 "$2" 2>/dev/null | tr '\n' ' ' | cut -c1-300)")
}

# frb NAME ARGS...: one FileReadBench JVM; its key=value line goes to res/NAME.out, its log to res/NAME.log.
frb() {
  local name=$1
  shift
  "$JAVA_HOME/bin/java" -Xms256m -Xmx256m -XX:+UseSerialGC -cp "$classes" \
    io.granary.loadtest.FileReadBench "$@" >"$tmp/res/$name.out" 2>"$tmp/res/$name.log" ||
    { fail "FileReadBench $name ($*)" "$tmp/res/$name.log"; rm -f "$tmp/res/$name.out"; return 1; }
}

val() { # name key: a value from that run's key=value line, or nan
  local f="$tmp/res/$1.out"
  [ -f "$f" ] || { echo nan; return; }
  awk -v k="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "="); if (substr($i, 1, n - 1) == k) { print substr($i, n + 1); found = 1 } } }
    END { if (!found) print "nan" }' "$f"
}

walk_rate() { # name: files/s of the listing FileReadBench made before its clock started
  local f="$tmp/res/$1.log"
  [ -f "$f" ] || { echo nan; return; }
  sed -n 's/.*listed \([0-9]*\) files .* in \([0-9.]*\) s;.*/\1 \2/p' "$f" | head -1 |
    awk '{ if ($2 + 0 > 0) printf "%.1f\n", $1 / $2; else print "nan"; f = 1 } END { if (!f) print "nan" }'
}

# loader COLUMN DIR [BASELINE]: LoaderSim, 8 threads, 2 ms step, 3 epochs; res/COLUMN-loader.out
loader() {
  local col=$1 dir=$2 base=${3:-} args=()
  [ -n "$base" ] && args=(--baseline "$base")
  say "$col: loader simulation ($loader_threads threads, $loader_step_ms ms step, $loader_epochs epochs${base:+, baseline the local copy})"
  "$JAVA_HOME/bin/java" -Xms256m -Xmx256m -XX:+UseSerialGC -cp "$classes" io.granary.loadtest.LoaderSim "$dir" \
    --threads "$loader_threads" --epochs "$loader_epochs" --step-ms "$loader_step_ms" --seed 1 --label "$col" "${args[@]}" \
    >"$tmp/res/$col-loader.out" 2>"$tmp/res/$col-loader.log" ||
    { fail "LoaderSim on $col" "$tmp/res/$col-loader.log"; rm -f "$tmp/res/$col-loader.out"; return 1; }
  say "$col: loader epochs $(for e in $(seq 1 "$loader_epochs"); do printf '%s ' "$(fmt "$(loader_val "$col" "$e" samples_per_s)" %.0f)"; done)samples/s$(
    [ -n "$base" ] && echo "; % of local: $(for e in $(seq 1 "$loader_epochs"); do printf '%s ' "$(fmt "$(loader_val "$col" "$e" pct_of_baseline)" %.1f)"; done)")"
}

loader_val() { # column epoch key
  local f="$tmp/res/$1-loader.out"
  [ -f "$f" ] || { echo nan; return; }
  awk -v run="run=$1" -v ep="epoch=$2" -v k="$3" '$1 == run && $2 == ep {
      for (i = 3; i <= NF; i++) { n = index($i, "="); if (substr($i, 1, n - 1) == k) { print substr($i, n + 1); found = 1 } } }
    END { if (!found) print "nan" }' "$f"
}

# reads COLUMN ROOT REP: the file workloads on the data set under ROOT/bench: the 100 KiB files
# shuffled on 4 threads, epoch 1 then epoch 2 (another order), then the large file twice; results
# in res/COLUMN-STEP-REP. The optional hook COLUMN_step STEP REP runs before the first step and
# after each (Granary reads its metrics there).
reads() {
  local col=$1 root=$2 r=$3 s n
  if declare -F "${col}_step" >/dev/null; then "${col}_step" start "$r"; fi
  for s in small-1 small-2 seq-1 seq-2; do
    n="$col-$s-$r"
    case "$s" in
      small-1) frb "$n" small "$root/bench/small" --threads "$read_threads" --epochs 1 --seed 2 || true ;;
      small-2) frb "$n" small "$root/bench/small" --threads "$read_threads" --epochs 1 --seed 3 || true ;;
      seq-*) frb "$n" seq "$root/bench/large" --block 1MiB || true ;;
    esac
    case "$s" in
      small-*) say "$col $s ($r/$reps): $(fmt "$(val "$n" files_per_s)" %.0f) files/s (walk $(fmt "$(walk_rate "$n")" %.0f) files/s)" ;;
      seq-*) say "$col $s ($r/$reps): $(fmt "$(val "$n" mib_per_s)" %.0f) MiB/s" ;;
    esac
    if declare -F "${col}_step" >/dev/null; then "${col}_step" "$s" "$r"; fi
  done
}

# column COLUMN ROOT MOUNT UMOUNT WARMUP: REPS times a fresh mount (MOUNT: a function that mounts
# ROOT with an empty cache and records its own failure), the warm-up read when WARMUP is 1, the
# reads and the hook COLUMN_after_reads REP, UMOUNT; then one more fresh mount for the loader.
column() {
  local col=$1 root=$2 mountfn=$3 umountfn=$4 warm=$5 r
  for r in $(seq 1 "$reps"); do
    "$mountfn" || return 1
    [ "$warm" = 1 ] && { daemon_warmup "$col" "$r" "$root" || true; }
    reads "$col" "$root" "$r"
    if declare -F "${col}_after_reads" >/dev/null; then "${col}_after_reads" "$r" || true; fi
    "$umountfn"
  done
  "$mountfn" || return 1
  [ "$warm" = 1 ] && { daemon_warmup "$col" loader "$root" || true; }
  loader "$col" "$root/bench/small" "$data/bench/small" || true
  "$umountfn"
}

# s3bench NAME ENDPOINT: S3Bench's 64 MiB and 100 KiB GETs; RESULT lines in res/NAME-s3.results.
s3bench() { # name endpoint
  say "S3Bench against $1: 64 MiB GET (1 stream), 100 KiB GET ($s3_concurrency in flight), ${s3_warm} s + ${s3_secs} s windows"
  "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -Xms1g -Xmx1g -cp "$classes:$here/target/lib/*" io.granary.loadtest.S3Bench \
    --endpoint "$2" --access-key "$ak" --secret-key "$sk" --bucket s3bench --workloads get-large,get-small \
    --large-streams 1 --concurrency "$s3_concurrency" --seconds "$s3_secs" --warmup "$s3_warm" \
    >"$tmp/res/$1-s3.results" 2>"$tmp/res/$1-s3.log" ||
    { fail "S3Bench against $1" "$tmp/res/$1-s3.log"; rm -f "$tmp/res/$1-s3.results"; return 1; }
  say "$1 S3: 64 MiB GET $(fmt "$(s3r "$1" get_large_mibps_s1)" %.0f) MiB/s, 100 KiB GET $(fmt "$(s3r "$1" get_small_rps)" %.0f) req/s"
}
s3r() { # name key
  local f="$tmp/res/$1-s3.results"
  [ -f "$f" ] || { echo nan; return; }
  awk -v k="$2" '$1 == "RESULT" && $2 == k { print $3; found = 1 } END { if (!found) print "nan" }' "$f"
}

# daemon_warmup COLUMN TAG MNT: reads the separate warm-up set (never measured) through a fresh mount,
# so that the daemon's start-up (JIT, connection pools) is not in the cold epoch.
daemon_warmup() {
  frb "$1-warmup-$2" small "$3/warmup" --threads "$read_threads" --epochs 1 --seed 9 ||
    { say "$1: the warm-up read failed"; return 1; }
}

wait_mount() { # mnt pid log label
  for _ in $(seq 1 300); do
    is_mounted "$1" && return 0
    kill -0 "$2" 2>/dev/null || { tail -10 "$3" >&2; say "$4 exited before mounting $1"; return 1; }
    sleep 0.2
  done
  tail -10 "$3" >&2
  say "$4 did not mount $1 in 60 s"
  return 1
}

# ------------------------------------------------------------------ limits, data set, origin
say "run directory $tmp ($fstype); caches under $shm"
case "$fstype" in
  tmpfs|ramfs) say "WARNING: $tmp is on $fstype, so the local copy is in memory" ;;
esac
say "iperf3 single stream, $iperf_secs s"
iperf_start=$(iperf start)
say "iperf3: $iperf_start MiB/s"

say "data set: $small_files files of 100 KiB and one of $large_label (+ a warm-up set of $warm_files files and $((warm_large >> 20)) MiB)"
frb gen gen "$data/bench" --files "$small_files" --size "$small_size" --large "$large_size" --seed 1 || die "gen failed"
frb gen-warm gen "$data/warmup" --files "$warm_files" --size "$small_size" --large "$warm_large" --seed 7 || die "gen failed"
sync

dd_read() { # file: MiB/s of one dd read with 1 MiB blocks
  LC_ALL=C dd if="$1" of=/dev/null bs=1M 2>&1 | awk '/copied/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "s,") s = $i; printf "%.1f\n", $1 / 1048576 / s }'
}
dd_read "$data/bench/large" >/dev/null
dd_mibs=$(dd_read "$data/bench/large")
say "dd (page cache, 1 MiB blocks, second read): $dd_mibs MiB/s"

s3p_port=$(free_port)
s3p_dir="$tmp/s3proxy"
mkdir -p "$s3p_dir/data"
cat >"$s3p_dir/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:$s3p_port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ak
s3proxy.credential=$sk
jclouds.provider=filesystem
jclouds.filesystem.basedir=$s3p_dir/data
jclouds.identity=$ak
jclouds.credential=$sk
EOF
"$JAVA_HOME/bin/java" -jar "$s3proxy_jar" --properties "$s3p_dir/s3proxy.properties" >"$s3p_dir/s3proxy.log" 2>&1 &
s3p_pid=$!
pids+=("$s3p_pid")
wait_port "$s3p_port" "$s3p_pid" "$s3p_dir/s3proxy.log"
origin="http://127.0.0.1:$s3p_port"
say "s3proxy pid $s3p_pid on $s3p_port (filesystem backend under $s3p_dir/data)"

# rclone's config (also used for the upload); rclone refuses to start when AWS_CA_BUNDLE names a
# missing file, so it runs without it.
cat >"$tmp/rclone.conf" <<EOF
[origin]
type = s3
provider = Other
access_key_id = $ak
secret_access_key = $sk
endpoint = $origin
region = us-east-1
force_path_style = true
EOF
rcl() { env -u AWS_CA_BUNDLE rclone --config "$tmp/rclone.conf" "$@"; }
say "uploading the data set into s3://$bucket with rclone copy"
t0=$(date +%s.%N)
rcl mkdir "origin:$bucket" >"$tmp/upload.log" 2>&1 || { cat "$tmp/upload.log" >&2; die "could not create the bucket"; }
rcl copy "$data" "origin:$bucket" --transfers 16 --checkers 16 --no-check-dest --s3-no-check-bucket \
  >>"$tmp/upload.log" 2>&1 || { tail -20 "$tmp/upload.log" >&2; die "upload failed"; }
uploaded=$(rcl size "origin:$bucket" --json 2>>"$tmp/upload.log" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
[ "$uploaded" = $((small_files + warm_files + 2)) ] || die "the bucket holds $uploaded objects, expected $((small_files + warm_files + 2))"
upload_secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
say "uploaded $uploaded objects in $upload_secs s; sync"
sync # s3proxy's copy (and the multipart upload's parts) written back before anything is measured

# ------------------------------------------------------------------ s3proxy as the S3 peer
# First, so that s3proxy's GET path is warm (JIT) before any cold read goes to the origin: in the
# first runs, the first cold read of the large file (Granary's) was slower than all later ones.
s3bench s3proxy "$origin" || true

# ------------------------------------------------------------------ local copy
say "local copy: reading everything once (into the page cache)"
frb local-prime small "$data" --threads 2 --epochs 1 || die "could not read the local copy"
for r in $(seq 1 "$reps"); do reads local "$data" "$r"; done
loader local "$data/bench/small" || true

# ------------------------------------------------------------------ bindfs (the FUSE limit)
bmnt="$tmp/mnt-bindfs"
bindfs_cmd=(bindfs -f --no-allow-other -r "$data" "$bmnt")
mount_bindfs() {
  mkdir -p "$bmnt"
  add_mount "$bmnt"
  "${bindfs_cmd[@]}" >>"$tmp/bindfs.log" 2>&1 &
  bindfs_pid=$!
  pids+=("$bindfs_pid")
  wait_mount "$bmnt" "$bindfs_pid" "$tmp/bindfs.log" bindfs || { fail "bindfs mount" "$tmp/bindfs.log"; return 1; }
}
umount_bindfs() {
  unmount "$bmnt" || die "could not unmount $bmnt"
  stop_pid "$bindfs_pid"
}
column bindfs "$bmnt" mount_bindfs umount_bindfs 0 || true

# ------------------------------------------------------------------ Granary
gmnt="$tmp/mnt-granary"
granary_runs=0
granary_admin=""
granary_s3=""
granary_grpc=""
metric() { # name: a sample of the running gateway's /metrics; labelled samples are summed
  { curl -fsS "http://127.0.0.1:$granary_admin/metrics" 2>/dev/null || true; } |
    awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2; f = 1 } END { if (f) printf "%.0f\n", s; else print "nan" }'
}

# start_granary: a fresh data directory and MEM tier (an empty cache), the root mounted on the
# origin bucket, serve --fuse-mount; waits for the admin and s3 lines and the mount.
start_granary() {
  granary_runs=$((granary_runs + 1))
  local gdir="$tmp/granary-$granary_runs" log
  log="$gdir/granary.log"
  mkdir -p "$gdir/data" "$shm/granary-$granary_runs" "$gmnt"
  cat >"$gdir/granary.yaml" <<EOF
dataDir: $gdir/data
host: 127.0.0.1
admin: {port: 0}
s3: {port: 0}
grpc: {port: 0}
transport: epoll
blockSize: 64MiB
root:
  uri: s3://$bucket
  options: {endpoint: "$origin", region: us-east-1, access-key: "$ak", secret-key: "$sk", path-style: "true"}
tiers:
  - {name: MEM, path: $shm/granary-$granary_runs, quota: ${cache_mib}MiB}
credentials:
  - {accessKey: "$ak", secretKey: "$sk"}
EOF
  add_mount "$gmnt"
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" ${GRANARY_JAVA_OPTS:-} -jar "$jar" serve \
    --config "$gdir/granary.yaml" --fuse-mount "$gmnt" -o ro >"$log" 2>&1 &
  granary_pid=$!
  pids+=("$granary_pid")
  for _ in $(seq 1 300); do
    granary_admin=$(listener_port "$log" admin)
    granary_s3=$(listener_port "$log" s3)
    granary_grpc=$(listener_port "$log" grpc)
    if [ -n "$granary_admin" ] && [ -n "$granary_s3" ] && [ -n "$granary_grpc" ] && is_mounted "$gmnt"; then
      say "granary pid $granary_pid: mounted at $gmnt, s3 on $granary_s3, admin on $granary_admin"
      return 0
    fi
    kill -0 "$granary_pid" 2>/dev/null || { granary_pid=""; fail "granary exited during startup" "$log"; return 1; }
    sleep 0.2
  done
  fail "granary did not mount $gmnt (or print its listener lines) in 60 s" "$log"
  return 1
}

stop_granary() {
  stop_pid "$granary_pid"
  granary_pid=""
  if is_mounted "$gmnt"; then
    say "WARNING: $gmnt still mounted after the gateway exited"
    notes+=("WARNING: the gateway left its FUSE mount behind after SIGTERM (removed with fusermount).")
    unmount "$gmnt" || die "could not unmount $gmnt"
  fi
  rm -rf "$shm/granary-$granary_runs"
}

declare -A ufs=()
granary_step() { [ "$2" != 1 ] || ufs[$1]=$(metric granary_ufs_read_bytes_total); } # first repetition
granary_after_reads() {
  [ "$1" = 1 ] || return 0
  granary_cached=$(metric granary_cache_used_bytes)
  s3bench_mount || return 1
  s3bench granary "http://127.0.0.1:$granary_s3" || return 1
  granary_hits=$(metric granary_cache_hits_total)
  granary_misses=$(metric granary_cache_misses_total)
}

# The S3 rows' bucket: a mount on a local directory, so that the PUT row measures Granary's S3 path
# and not s3proxy a second time behind it (a write-through PUT to the origin costs an s3proxy PUT).
# The GETs measured are cache hits either way.
s3bench_mount() {
  local ufs="$tmp/granary-$granary_runs/s3bench-ufs"
  mkdir -p "$ufs"
  GRANARY_ACCESS_KEY="$ak" GRANARY_SECRET_KEY="$sk" "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -jar "$jar" \
    fs --gateway "127.0.0.1:$granary_grpc" mount /s3bench "file://$ufs" --option fsync=false \
    >"$tmp/res/granary-fs-mount.log" 2>&1 || { fail "granary fs mount /s3bench" "$tmp/res/granary-fs-mount.log"; return 1; }
}

column granary "$gmnt" start_granary stop_granary 1 || true

# ------------------------------------------------------------------ rclone mount
rmnt="$tmp/mnt-rclone"
rclone_runs=0
rclone_opts=(--read-only --vfs-cache-mode full --vfs-cache-max-size "${cache_mib}M" --vfs-cache-max-age 1h
  --dir-cache-time 1h --use-server-modtime)
mount_rclone() {
  rclone_runs=$((rclone_runs + 1))
  mkdir -p "$rmnt" "$shm/rclone-$rclone_runs"
  add_mount "$rmnt"
  env -u AWS_CA_BUNDLE rclone --config "$tmp/rclone.conf" mount "origin:$bucket" "$rmnt" "${rclone_opts[@]}" \
    --cache-dir "$shm/rclone-$rclone_runs" --log-file "$tmp/rclone-$rclone_runs.log" >"$tmp/rclone-$rclone_runs.out" 2>&1 &
  rclone_pid=$!
  pids+=("$rclone_pid")
  wait_mount "$rmnt" "$rclone_pid" "$tmp/rclone-$rclone_runs.log" "rclone mount" ||
    { fail "rclone mount" "$tmp/rclone-$rclone_runs.log"; return 1; }
}
umount_rclone() {
  unmount "$rmnt" || die "could not unmount $rmnt"
  stop_pid "$rclone_pid"
  rm -rf "$shm/rclone-$rclone_runs"
}
column rclone "$rmnt" mount_rclone umount_rclone 1 || true

# ------------------------------------------------------------------ s3fs
smnt="$tmp/mnt-s3fs"
s3fs_runs=0
printf '%s:%s\n' "$ak" "$sk" >"$tmp/s3fs.passwd"
chmod 600 "$tmp/s3fs.passwd"
mount_s3fs() {
  s3fs_runs=$((s3fs_runs + 1))
  mkdir -p "$smnt" "$shm/s3fs-$s3fs_runs"
  add_mount "$smnt"
  s3fs "$bucket" "$smnt" -f -o "ro,url=$origin,use_path_request_style,endpoint=us-east-1,passwd_file=$tmp/s3fs.passwd,use_cache=$shm/s3fs-$s3fs_runs" \
    >"$tmp/s3fs-$s3fs_runs.log" 2>&1 &
  s3fs_pid=$!
  pids+=("$s3fs_pid")
  wait_mount "$smnt" "$s3fs_pid" "$tmp/s3fs-$s3fs_runs.log" s3fs || { fail "s3fs mount" "$tmp/s3fs-$s3fs_runs.log"; return 1; }
}
umount_s3fs() {
  unmount "$smnt" || die "could not unmount $smnt"
  stop_pid "$s3fs_pid"
  rm -rf "$shm/s3fs-$s3fs_runs"
}
column s3fs "$smnt" mount_s3fs umount_s3fs 1 || true

stop_pid "$s3p_pid"
say "iperf3 single stream again, $iperf_secs s"
iperf_end=$(iperf end)
say "iperf3: $iperf_end MiB/s"
iperf_mean=$(awk -v a="$iperf_start" -v b="$iperf_end" 'BEGIN { printf "%.1f", (a + b) / 2 }')

# ------------------------------------------------------------------ table
elapsed=$(( $(date +%s) - started ))

# verdict G PEER PEERNAME LIMIT LIMITNAME [TARGET%]: Granary against the best peer and a limit, in words.
verdict() {
  awk -v g="$1" -v p="$2" -v pn="$3" -v l="$4" -v ln="$5" -v t="${6:-}" 'BEGIN {
    if (g == "nan" || g == "") { print "n/a: Granary not measured"; exit }
    if (p == "nan" || p == "" || p + 0 <= 0) out = "no peer measured"
    else {
      r = g / p
      if (r >= 2) out = sprintf("Granary ahead: %.1f× %s", r, pn)
      else if (r >= 1.05) out = sprintf("Granary ahead of %s by %.0f%%", pn, (r - 1) * 100)
      else if (r > 0.95) out = sprintf("on par with %s (%+.0f%%)", pn, (r - 1) * 100)
      else out = sprintf("**behind %s by %.0f%%**", pn, (1 - r) * 100)
    }
    if (l != "nan" && l != "" && l + 0 > 0) {
      q = g / l
      if (t != "") out = out sprintf("; %.1f%% of %s: %s", q * 100, ln, q * 100 >= t ? "meets the " t "% target" : "**misses the " t "% target**")
      else if (q >= 1.05) out = out sprintf("; above %s (%.0f%%)", ln, q * 100)
      else if (q >= 0.9) out = out sprintf("; at %s (%.0f%%)", ln, q * 100)
      else if (q >= 0.5) out = out sprintf("; %.0f%% of %s", q * 100, ln)
      else out = out sprintf("; **far from %s (%.0f%%)**", ln, q * 100)
    }
    print out
  }'
}

best_of() { # name=value ...: "value name" of the largest value, "nan -" when none
  local kv
  for kv in "$@"; do echo "${kv#*=} ${kv%%=*}"; done |
    awk '$1 != "nan" && $1 != "" { if (!f || $1 + 0 > b + 0) { b = $1; n = $2; f = 1 } } END { if (f) print b, n; else print "nan -" }'
}

# stats NAME KEY: "median min max" of KEY (walk: the listing rate) over the repetitions
# res/NAME-1 .. res/NAME-REPS, "nan nan nan" when none was measured.
stats() {
  local r
  for r in $(seq 1 "$reps"); do
    if [ "$2" = walk ]; then walk_rate "$1-$r"; else val "$1-$r" "$2"; fi
  done | awk '$1 != "nan" { a[++n] = $1 } END {
      if (n == 0) { print "nan nan nan"; exit }
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      print ((n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2), a[1], a[n] }'
}
med() { local m _; read -r m _ <<<"$(stats "$@")"; echo "$m"; }
cell() { # NAME KEY: the median, and the range when there are several repetitions
  local m lo hi
  read -r m lo hi <<<"$(stats "$@")"
  if [ "$m" = nan ] || [ "$reps" = 1 ] || [ "$lo" = "$hi" ]; then fmt "$m" %.0f
  else echo "$(fmt "$m" %.0f) ($(fmt "$lo" %.0f)–$(fmt "$hi" %.0f))"; fi
}
limit_cell() { # value name
  if [ "$1" = nan ] || [ -z "$1" ]; then echo n/a; else echo "$(fmt "$1" %.0f) ($2)"; fi
}

# file_row LABEL STEP KEY LIMIT LIMITNAME: a file-system row; Granary against the best of rclone and s3fs.
file_row() {
  local label=$1 step=$2 key=$3 lim=$4 limname=$5 g bp bn
  g=$(med "granary-$step" "$key")
  read -r bp bn <<<"$(best_of "rclone=$(med "rclone-$step" "$key")" "s3fs=$(med "s3fs-$step" "$key")")"
  printf '| %s | %s | %s | %s | n/a | %s | %s | %s | %s | %s |\n' "$label" \
    "$(cell "granary-$step" "$key")" "$(cell "rclone-$step" "$key")" "$(cell "s3fs-$step" "$key")" \
    "$(cell "bindfs-$step" "$key")" "$(cell "local-$step" "$key")" "$(limit_cell "$lim" "$limname")" \
    "$(ratio "$g" "$bp")" "$(verdict "$g" "$bp" "$bn" "$lim" "$limname")"
}

# s3_row LABEL KEY LIMIT LIMITNAME: Granary's S3 API against s3proxy.
s3_row() {
  local label=$1 key=$2 lim=$3 limname=$4 g p
  g=$(s3r granary "$key")
  p=$(s3r s3proxy "$key")
  printf '| %s | %s | n/a | n/a | %s | n/a | n/a | %s | %s | %s |\n' "$label" "$(fmt "$g" %.0f)" "$(fmt "$p" %.0f)" \
    "$(limit_cell "$lim" "$limname")" "$(ratio "$g" "$p")" "$(verdict "$g" "$p" s3proxy "$lim" "$limname")"
}

# loader_row EPOCH: samples/s with, for the mounts, "(NN%)" of the paired local baseline.
loader_cell() { # column epoch
  local s p
  s=$(loader_val "$1" "$2" samples_per_s)
  p=$(loader_val "$1" "$2" pct_of_baseline)
  if [ "$s" = nan ]; then echo n/a
  elif [ "$p" = nan ]; then fmt "$s" %.0f
  else echo "$(fmt "$s" %.0f) ($(fmt "$p" %.0f)%)"; fi
}
loader_row() {
  local e=$1 label=$2 target=${3:-} g bp bn lim c
  g=$(loader_val granary "$e" samples_per_s)
  read -r bp bn <<<"$(best_of "rclone=$(loader_val rclone "$e" samples_per_s)" "s3fs=$(loader_val s3fs "$e" samples_per_s)")"
  # The limit is Granary's own paired baseline (the local copy in the same LoaderSim run).
  lim=$(awk -v g="$g" -v p="$(loader_val granary "$e" pct_of_baseline)" 'BEGIN { if (g == "nan" || p == "nan" || p + 0 <= 0) print "nan"; else printf "%.1f", g * 100 / p }')
  local cells=()
  for c in granary rclone s3fs; do cells+=("$(loader_cell "$c" "$e")"); done
  printf '| %s | %s | %s | %s | n/a | %s | %s | %s | %s | %s |\n' "$label" "${cells[0]}" "${cells[1]}" "${cells[2]}" \
    "$(loader_cell bindfs "$e")" "$(loader_cell local "$e")" "$( [ "$lim" = nan ] && echo n/a || echo "$(fmt "$lim" %.0f) (local copy)")" \
    "$(ratio "$g" "$bp")" "$(verdict "$g" "$bp" "$bn" "$lim" "the local copy" "$target")"
}

mem_gib=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
ver() { "$@" 2>&1 | head -1 | tr -d '\r'; }
s3proxy_version() { # from the jar's manifest
  mkdir -p "$tmp/s3proxy-manifest"
  (cd "$tmp/s3proxy-manifest" && "$JAVA_HOME/bin/jar" xf "$s3proxy_jar" META-INF/MANIFEST.MF 2>/dev/null) &&
    sed -n 's/^Implementation-Version: *//p' "$tmp/s3proxy-manifest/META-INF/MANIFEST.MF" | tr -d '\r'
}
versions="$(ver "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -jar "$jar" --version) (gateway/target/granary.jar), s3proxy $(s3proxy_version), $(ver rclone version), s3fs $(ver s3fs --version | grep -o 'V[0-9.]*' | head -1), $(ver bindfs --version), $(ver fusermount -V), $(ver iperf3 --version | cut -d' ' -f1-2), $(ver "$JAVA_HOME/bin/java" -version)"

table() {
  local sm="$small_files × 100 KiB" w4="$read_threads threads"
  echo "| workload ($sm + one $large_label file; origin s3proxy on loopback) | Granary | rclone mount | s3fs | s3proxy | bindfs | local copy | limit | Granary / best peer | verdict |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  file_row "100 KiB files, $w4, epoch 1 (cold: fetched from the origin), files/s" small-1 files_per_s \
    "$(s3r s3proxy get_small_rps)" "s3proxy 100 KiB GETs"
  file_row "100 KiB files, $w4, epoch 2 (warm), files/s" small-2 files_per_s "$(med bindfs-small-2 files_per_s)" bindfs
  file_row "$large_label file, sequential 1 MiB reads, cold, MiB/s" seq-1 mib_per_s \
    "$(s3r s3proxy get_large_mibps_s1)" "s3proxy 64 MiB GETs"
  file_row "$large_label file, sequential 1 MiB reads, warm, MiB/s" seq-2 mib_per_s "$dd_mibs" dd
  file_row "tree walk of the cold mount before epoch 1 (stat of every file), files/s" small-1 walk \
    "$(med bindfs-small-1 walk)" bindfs
  loader_row 1 "loader, $loader_threads threads, $loader_step_ms ms step: epoch 1 (cold), samples/s (% of local)"
  loader_row 2 "loader: epoch 2, samples/s (% of local)" "$loader_target"
  loader_row 3 "loader: epoch 3, samples/s (% of local)" "$loader_target"
  s3_row "S3 GET of a cached 100 KiB object, $s3_concurrency in flight, req/s" get_small_rps nan ""
  s3_row "S3 GET of a cached 64 MiB object, 1 stream, MiB/s" get_large_mibps_s1 "$iperf_mean" iperf3
  echo
  if [ "$reps" -gt 1 ]; then
    echo "The first five rows give the median (and range) of $reps repetitions, each on a fresh mount with an empty"
    echo "cache; the loader and S3 rows are one run each."
  fi
  echo "Granary / best peer: Granary's (median) figure over the best of rclone and s3fs (file rows) or s3proxy (S3 rows);"
  echo "bindfs and the local copy are limits, not peers. Every row: higher is better. The limit column: for the cold"
  echo "rows the origin's own GET rate (S3Bench against s3proxy: 100 KiB GETs with $s3_concurrency in flight, 64 MiB GETs on 1"
  echo "stream), then bindfs (the FUSE limit), dd (the $large_label file from the page cache, 1 MiB blocks, second of two reads),"
  echo "the paired local run (loader) and iperf3 (one TCP stream over loopback, default 128 KiB writes: $(fmt "$iperf_start" %.0f) MiB/s"
  echo "at the start of the run, $(fmt "$iperf_end" %.0f) at the end; the column shows the mean)."
  echo
  echo "How: \`FileReadBench gen\` wrote $small_files files of 100 KiB (directories of 1,000) and one $large_label file of seeded"
  echo "random bytes; \`rclone copy\` put them into the bucket \`$bucket\` of one s3proxy (filesystem backend, aws-v2-or-v4"
  echo "auth; $uploaded objects in $upload_secs s), the origin of Granary, rclone and s3fs. Each of these three starts with an"
  echo "empty cache on tmpfs and first reads a separate warm-up set ($warm_files files and $((warm_large >> 20)) MiB, never measured),"
  echo "so that start-up (JIT, connection pools) is not counted; then, on the same mount, \`FileReadBench small\`"
  echo "reads every 100 KiB file once in a seeded shuffled order on $read_threads threads (epoch 1, cold), again in another"
  echo "order (epoch 2, warm), then \`FileReadBench seq\` reads the large file twice (cold, warm). The walk row is"
  echo "the listing (a stat of every file) that FileReadBench makes before its clock starts in epoch 1. The loader"
  echo "rows get a fresh mount and an empty cache again (same warm-up), then \`LoaderSim --threads $loader_threads --step-ms"
  echo "$loader_step_ms --epochs $loader_epochs --seed 1 --baseline LOCAL\`: the same loader runs on the local copy, then on the mount;"
  echo "\"%\" is of that paired local run, and the issue's target for Granary is ≥ $loader_target% from epoch 2 on. bindfs"
  echo "and the local copy read page-cached files, so their cold and warm differ only by the fresh mount; the local"
  echo "copy's loader row is a run of its own. S3 rows: \`S3Bench --workloads get-large,get-small --large-streams 1"
  echo "--concurrency $s3_concurrency\` (SigV4; ${s3_warm} s warm-up, ${s3_secs} s window), which PUTs its objects and then GETs them"
  echo "(Granary: from its MEM tier; s3proxy: from the page cache). The s3proxy S3 rows run first, right after"
  echo "the upload, which also warms s3proxy's GET path before any cold read. One system runs at a time"
  echo "(s3proxy, the origin, throughout)."
  echo
  echo "Caching configurations differ: Granary's FUSE defaults keep file pages in the kernel page cache across"
  echo "opens (\`kernel_cache\`) and trust names and attributes for 300 s; rclone and s3fs run with the options"
  echo "below and their defaults otherwise (no kernel_cache; rclone's attr timeout is 1 s), so their warm epochs"
  echo "go through their daemons while Granary's are served by the kernel."
  echo
  echo "Every FUSE mount is read-only, as a training job mounts its data set (Granary \`-o ro\`, rclone"
  echo "\`--read-only\`, s3fs \`-o ro\`, bindfs \`-r\`). On Granary's that also turns off flush calls: with"
  echo "zero-message opens a file the kernel has cached is opened, read and closed without any call to the gateway."
  echo
  echo "The S3 rows' bucket on Granary is a mount on a local directory (\`granary fs mount /s3bench"
  echo "file://DIR --option fsync=false\`), not on the s3proxy origin, so that the rows measure Granary's S3 path"
  echo "and not s3proxy behind it. The GETs measured are cache hits either way."
  echo
  echo "Commands (PORT = s3proxy's; keys generated per run):"
  echo
  echo "- Granary: \`java -jar gateway/target/granary.jar serve --config granary.yaml --fuse-mount MNT -o ro\`, root"
  echo "  \`s3://$bucket\` with options endpoint=http://127.0.0.1:PORT, path-style=true, region=us-east-1, transport"
  echo "  epoll, block size 64 MiB, one MEM tier of $cache_mib MiB on /dev/shm, default FUSE options"
  echo "- rclone: \`rclone mount origin:$bucket MNT ${rclone_opts[*]} --cache-dir /dev/shm/DIR\`"
  echo "  (remote: type s3, provider Other, endpoint http://127.0.0.1:PORT, force_path_style; AWS_CA_BUNDLE unset)"
  echo "- s3fs: \`s3fs $bucket MNT -f -o ro,url=http://127.0.0.1:PORT,use_path_request_style,endpoint=us-east-1,passwd_file=FILE,use_cache=/dev/shm/DIR\`"
  echo "- bindfs: \`bindfs -f --no-allow-other -r LOCAL MNT\`; local copy: $fstype under load-tests/target"
  echo "- s3proxy: \`java -jar load-tests/target/s3proxy/s3proxy.jar --properties FILE\`; iperf3: \`iperf3 -c 127.0.0.1 -t $iperf_secs -J\`;"
  echo "  dd: \`dd if=LOCAL/bench/large of=/dev/null bs=1M\`"
  echo
  local gu
  gu=$(awk -v a="${ufs[start]:-nan}" -v b="${ufs[small-1]:-nan}" -v c="${ufs[small-2]:-nan}" -v d="${ufs[seq-1]:-nan}" -v e="${ufs[seq-2]:-nan}" 'BEGIN {
    if (a == "nan" || b == "nan" || c == "nan" || d == "nan" || e == "nan") print "n/a";
    else printf "epoch 1 %.0f MiB, epoch 2 %.0f MiB, large cold %.0f MiB, large warm %.0f MiB%s", (b - a) / 1048576, (c - b) / 1048576,
      (d - c) / 1048576, (e - d) / 1048576, (c - b > 0 || e - d > 0) ? " (**WARNING: warm reads went to the under-storage**)" : "" }')
  echo "Granary under-storage reads (granary_ufs_read_bytes_total) during the file rows of the first repetition:"
  echo "$gu; the cache held $(fmt "${granary_cached:-nan}" %.0f) bytes after them; cache hits $(fmt "${granary_hits:-nan}" %.0f),"
  echo "misses $(fmt "${granary_misses:-nan}" %.0f) after the S3 rows."
  local n
  for n in "${notes[@]}"; do echo; echo "$n"; done
  if [ -n "$gateway_note" ]; then echo; echo "$gateway_note"; fi
  if [ ${#failures[@]} -gt 0 ]; then
    echo
    echo "**Failed measurements** (n/a above; logs kept in $tmp):"
    echo
    for n in "${failures[@]}"; do echo "- $n"; done
  fi
  echo
  echo "Machine: $(nproc) CPUs, $mem_gib GiB RAM, Linux $(uname -r). Versions: $versions. Run took ${elapsed} s."
}

out="$(table)"
bench_print "Peers: Granary vs rclone, s3fs, s3proxy and the machine's limits" "$out"
say "done in ${elapsed} s"
[ ${#failures[@]} -eq 0 ] || exit 1
