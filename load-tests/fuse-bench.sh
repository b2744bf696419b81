#!/usr/bin/env bash
# FUSE read benchmark (issue 6): reads of 100 KiB files (1 and 4 threads) and of one 1 GiB file,
# on the local disk (page cache), through bindfs (a C passthrough FUSE file system: the FUSE
# limit) and through Granary's FUSE mount with its cache warm; pass 1 on a fresh mount, pass 2
# right after. Prints one markdown table with the issue's targets.
#
#   load-tests/fuse-bench.sh [--quick] [--write FILE] [--keep] [--build-gateway]
#
#   --quick          2,000 files and a 256 MiB file instead of 10,000 and 1 GiB (full run about
#                    2.5 min, quick 1.5 min); numbers are indicative only
#   --write FILE     append the table, with date, machine, versions and command, to FILE
#   --keep           keep the run directory (logs, data) instead of deleting it
#   --cold-jvm       measure Granary's pass 1 in a gateway JVM that has read nothing yet (default: after
#                    each restart the gateway first reads a separate warm-up set of files through the
#                    mount, so its JIT is warm as in a long-running gateway; the measured files are
#                    still in no kernel cache)
#   --build-gateway  rebuild gateway/target/granary.jar when missing or older than its sources
#                    (default: a stale jar is used with a warning; without a jar, or with one
#                    whose `serve` has no --fuse-mount, the Granary column is skipped)
#
# Environment: GRANARY_MVN_LOCK (default /tmp/granary-mvn.lock; "none" disables it) serialises the
# Maven build with other builds; MVN_ARGS adds Maven arguments (e.g. -o); GRANARY_JAVA_OPTS adds
# JVM options to the gateway; FUSE_BENCH_REPS (default 3) is how many fresh mounts each pass pair
# gets (the table shows the median). The data set lives under load-tests/target (the local disk,
# not /tmp), and every mount is unmounted on exit. See load-tests/README.md.
set -euo pipefail

bench_name=fuse-bench
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
build_gateway=0
cold_jvm=0
bench_extra_option() {
  case "$1" in
    --build-gateway) build_gateway=1 ;;
    --cold-jvm) cold_jvm=1 ;;
    *) return 1 ;;
  esac
}
bench_parse_args 2,21 "$@"

# ------------------------------------------------------------------ parameters
if [ "$quick" = 1 ]; then
  small_files=2000; large_size=$((256 << 20)); large_label="256 MiB"; reps=${FUSE_BENCH_REPS:-3}
  jit_files=2000; jit_large=$((256 << 20))
else
  small_files=10000; large_size=$((1 << 30)); large_label="1 GiB"; reps=${FUSE_BENCH_REPS:-3}
  # The JIT reaches its steady rate on large reads only after about 2 GiB of them (512 MiB passes
  # of a restarted gateway by hand: 0.86, 1.1, 1.6, 1.9 GB/s; 2.1-2.6 once warm), hence 2 GiB here.
  jit_files=8000; jit_large=$((2 << 30))
fi
small_size=102400
seq_block=1MiB
seed=1
workloads=(small1 small4 seq)
data_bytes=$((small_files * small_size + large_size))
jit_bytes=$((jit_files * 102400 + jit_large))

# FUSE, bindfs and libfuse2 (which a Java FUSE binding loads), installed with apt-get if missing.
bench_need_fuse() {
  local missing=() sudo_=()
  command -v bindfs >/dev/null 2>&1 || missing+=(bindfs)
  command -v fusermount >/dev/null 2>&1 || missing+=(fuse)
  grep -q 'libfuse\.so\.2 ' <<<"$(ldconfig -p 2>/dev/null)" || missing+=(libfuse2) # no pipe: pipefail
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
bench_need_fuse

# ------------------------------------------------------------------ build
# The drivers need nothing beyond the JDK: only this module is built (the SDK it also depends on
# comes from the local Maven repository).
stamp="$here/target/.fuse-bench-built"
if [ ! -f "$here/target/classes/io/granary/loadtest/FileReadBench.class" ] ||
  [ ! -f "$here/target/classes/io/granary/loadtest/LoaderSim.class" ] || [ ! -f "$stamp" ] ||
  newer_than "$stamp" load-tests; then
  mvn_build "load-tests" -pl load-tests
  touch "$stamp"
fi

bench_gateway_jar skip

# ------------------------------------------------------------------ run state and teardown
# bench_run_state makes its directory under /tmp; the data set must be on the local disk (and /tmp
# may be a tmpfs), so the run directory moves under load-tests/target. cleanup (bench-lib.sh)
# removes whatever $tmp and $shm name when the script exits.
bench_run_state_on_disk
fstype="$(stat -f -c %T "$tmp")"
case "$fstype" in
  tmpfs|ramfs) say "WARNING: $tmp is on $fstype, so the 'local disk' column is memory" ;;
esac
mkdir -p "$tmp/res"
data="$tmp/data"
mounts=()
granary_pid=""
bindfs_pid=""
notes=()


# Exit trap: stop the gateway (which unmounts its mount) and bindfs, unmount whatever is left,
# then bench-lib's cleanup with the script's exit status. If a mount survives even a lazy
# unmount, the run directory is kept: removing it would delete through the mount.
fuse_cleanup() {
  local rc=$? m
  set +e
  [ -n "$granary_pid" ] && stop_pid "$granary_pid"
  for m in "${mounts[@]}"; do
    unmount "$m" || { say "ERROR: could not unmount $m; not removing $tmp"; keep=1; }
  done
  [ -n "$bindfs_pid" ] && stop_pid "$bindfs_pid"
  (exit "$rc")
  cleanup
}
trap fuse_cleanup EXIT

# ------------------------------------------------------------------ the driver
# frb NAME ARGS...: one FileReadBench JVM; its key=value line goes to $tmp/res/NAME.out.
frb() {
  local name=$1
  shift
  "$JAVA_HOME/bin/java" -Xms256m -Xmx256m -XX:+UseSerialGC -cp "$here/target/classes" \
    io.granary.loadtest.FileReadBench "$@" >"$tmp/res/$name.out" 2>"$tmp/res/$name.log" ||
    { tail -15 "$tmp/res/$name.log" >&2; die "FileReadBench $name failed (logs in $tmp/res)"; }
}

val() { # name key: a value from that run's key=value line, or nan
  local f="$tmp/res/$1.out"
  [ -f "$f" ] || { echo nan; return; }
  awk -v k="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "="); if (substr($i, 1, n - 1) == k) { print substr($i, n + 1); found = 1 } } }
    END { if (!found) print "nan" }' "$f"
}

# workload COLUMN W DIR PASS REP: one measurement of W (small1, small4, seq) on the data set at DIR.
workload() {
  local col=$1 w=$2 dir=$3 pass=$4 rep=$5 name="$1-$2-$4-$5"
  case "$w" in
    small1) frb "$name" small "$dir/small" --threads 1 --epochs 1 --seed $((seed + pass)) ;;
    small4) frb "$name" small "$dir/small" --threads 4 --epochs 1 --seed $((seed + pass)) ;;
    seq) frb "$name" seq "$dir/large" --block "$seq_block" ;;
  esac
  say "$col $w pass $pass ($rep/$reps): $(fmt "$(val "$name" "$(key_of "$w")")" %.0f) $(unit_of "$w")"
}

key_of() { case "$1" in seq) echo mib_per_s ;; *) echo files_per_s ;; esac; }
unit_of() { case "$1" in seq) echo MiB/s ;; *) echo files/s ;; esac; }

stats() { # COLUMN W PASS: "median min max" over the repetitions ("nan nan nan" when not measured)
  local i
  for i in $(seq 1 "$reps"); do val "$1-$2-$3-$i" "$(key_of "$2")"; done |
    awk '$1 != "nan" { a[++n] = $1 } END {
      if (n == 0) { print "nan nan nan"; exit }
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      print ((n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2), a[1], a[n] }'
}
median() { local m _; read -r m _ <<<"$(stats "$@")"; echo "$m"; }
cell() { # COLUMN W PASS: the median, and the range when there are several repetitions
  local m lo hi
  read -r m lo hi <<<"$(stats "$@")"
  if [ "$m" = nan ] || [ "$reps" = 1 ]; then
    fmt "$m" %.0f
  else
    echo "$(fmt "$m" %.0f) ($(fmt "$lo" %.0f)–$(fmt "$hi" %.0f))"
  fi
}

# ------------------------------------------------------------------ data set
say "run directory $tmp ($fstype)"
say "data set: $small_files files of 100 KiB and one of $large_label"
frb gen gen "$data" --files "$small_files" --size "$small_size" --large "$large_size" --seed "$seed"
sync
say "written in $(fmt "$(val gen seconds)" %.1f) s"

# ------------------------------------------------------------------ local disk
say "local disk: reading everything once (into the page cache)"
frb local-warm small "$data" --threads 2 --epochs 1
for w in "${workloads[@]}"; do
  for rep in $(seq 1 "$reps"); do
    for pass in 1 2; do workload local "$w" "$data" "$pass" "$rep"; done
  done
done

# ------------------------------------------------------------------ bindfs
bmnt="$tmp/bindfs-mnt"
mkdir -p "$bmnt"
mount_bindfs() {
  add_mount "$bmnt"
  bindfs -f --no-allow-other -r "$data" "$bmnt" >>"$tmp/bindfs.log" 2>&1 &
  bindfs_pid=$!
  pids+=("$bindfs_pid")
  for _ in $(seq 1 100); do
    is_mounted "$bmnt" && return 0
    kill -0 "$bindfs_pid" 2>/dev/null || { tail -5 "$tmp/bindfs.log" >&2; die "bindfs exited before mounting"; }
    sleep 0.1
  done
  die "bindfs did not mount $bmnt in 10 s"
}
umount_bindfs() {
  unmount "$bmnt" || die "could not unmount $bmnt"
  stop_pid "$bindfs_pid"
  bindfs_pid=""
}
for w in "${workloads[@]}"; do
  for rep in $(seq 1 "$reps"); do
    say "bindfs: fresh mount for $w ($rep/$reps)"
    mount_bindfs
    for pass in 1 2; do workload bindfs "$w" "$bmnt" "$pass" "$rep"; done
    umount_bindfs
  done
done

# ------------------------------------------------------------------ Granary
gdir="$tmp/granary"
gmnt="$tmp/granary-mnt"
granary_runs=0
granary_skip=""
granary_admin=""

granary_has_fuse() {
  "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" -jar "$jar" serve --help 2>&1 | grep -q -- '--fuse-mount'
}

metric() { # name: a sample of the running gateway's /metrics; labelled samples are summed
  { curl -fsS "http://127.0.0.1:$granary_admin/metrics" 2>/dev/null || true; } |
    awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2; f = 1 } END { if (f) printf "%.0f\n", s; else print "nan" }'
}

# The cache tier: MEM on /dev/shm when it has room for the quota and 1 GiB more, else SSD under
# the run directory. The quota leaves the data set under the tier's high watermark (0.95).
granary_config() {
  local quota_mib shm_avail tier
  quota_mib=$(( (data_bytes + jit_bytes) * 3 / 2 / 1048576 + 512 ))
  shm_avail=$(df -B1 --output=avail /dev/shm 2>/dev/null | tail -1 | tr -d ' ' || echo 0)
  if [ -d /dev/shm ] && [ "${shm_avail:-0}" -gt $(( (quota_mib + 1024) * 1048576 )) ]; then
    tier="{name: MEM, path: $shm/mem, quota: ${quota_mib}MiB}"
    tier_note="one MEM tier of $quota_mib MiB on /dev/shm"
  else
    tier="{name: SSD, path: $gdir/ssd, quota: ${quota_mib}MiB}"
    tier_note="one SSD tier of $quota_mib MiB under the run directory (/dev/shm too small)"
  fi
  mkdir -p "$gdir/data/ufs"
  cat >"$gdir/granary.yaml" <<EOF
dataDir: $gdir/data
host: 127.0.0.1
admin: {port: 0}
s3: {port: 0}
grpc: {port: 0}
blockSize: 64MiB
tiers:
  - $tier
credentials:
  - {accessKey: $ak, secretKey: $sk}
EOF
}

# start_granary: serve with --fuse-mount; waits for its "fuse mounted at MNT" line (or the mount)
# and its admin listener. The cache and metadata under the data directory survive restarts.
start_granary() {
  granary_runs=$((granary_runs + 1))
  local log="$gdir/granary-$granary_runs.log"
  mkdir -p "$gmnt"
  add_mount "$gmnt"
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" ${GRANARY_JAVA_OPTS:-} -jar "$jar" serve \
    --config "$gdir/granary.yaml" --data-dir "$gdir/data" --s3-port 0 --grpc-port 0 --admin-port 0 \
    --fuse-mount "$gmnt" -o ro >"$log" 2>&1 &
  granary_pid=$!
  pids+=("$granary_pid")
  for _ in $(seq 1 300); do
    granary_admin=$(listener_port "$log" admin)
    if [ -n "$granary_admin" ] && { grep -q "^fuse mounted at" "$log" || is_mounted "$gmnt"; }; then
      is_mounted "$gmnt" || die "granary printed 'fuse mounted at' but $gmnt is not mounted"
      say "granary pid $granary_pid: mounted at $gmnt, admin on $granary_admin"
      return 0
    fi
    kill -0 "$granary_pid" 2>/dev/null || { tail -30 "$log" >&2; die "granary exited during startup (log $log)"; }
    sleep 0.2
  done
  tail -30 "$log" >&2
  die "granary did not mount $gmnt (or print its admin line) in 60 s"
}

# stop_granary: SIGTERM, wait for the exit; a mount left behind is noted and removed.
stop_granary() {
  stop_pid "$granary_pid"
  granary_pid=""
  if is_mounted "$gmnt"; then
    say "WARNING: $gmnt still mounted after the gateway exited"
    notes+=("WARNING: the gateway left its mount behind after SIGTERM (removed with fusermount).")
    unmount "$gmnt" || die "could not unmount $gmnt"
  fi
}

run_granary() {
  granary_config
  # Hard links: the under-storage holds the same files (and page-cache pages) as the other columns.
  cp -al "$data" "$gdir/data/ufs/bench" 2>/dev/null || cp -a "$data" "$gdir/data/ufs/bench"
  if [ "$cold_jvm" = 0 ]; then
    # A separate set of files for warming the gateway's JIT after each restart (never measured).
    frb jit-gen gen "$gdir/data/ufs/jitwarm" --files "$jit_files" --size "$small_size" --large "$jit_large" --seed 99
  fi
  say "granary: $tier_note; warming its cache through the mount"
  start_granary
  [ "$cold_jvm" = 1 ] || frb granary-warm-jit small "$gmnt/jitwarm" --threads 2 --epochs 1
  frb granary-warm small "$gmnt/bench" --threads 2 --epochs 1
  [ "$(val granary-warm files)" = $((small_files + 1)) ] || die "the warm-up read $(val granary-warm files) files, expected $((small_files + 1))"
  granary_cached=$(metric granary_cache_used_bytes)
  granary_warm_ufs=$(metric granary_ufs_read_bytes_total)
  say "granary: warm-up read $(fmt "$(val granary-warm mib_per_s)" %.0f) MiB/s; cache holds $(fmt "$granary_cached" %.0f) bytes, under-storage read $(fmt "$granary_warm_ufs" %.0f)"
  stop_granary
  granary_ufs_passes=0
  local w rep u
  for w in "${workloads[@]}"; do
    for rep in $(seq 1 "$reps"); do
      say "granary: restart (fresh mount, cache warm) for $w ($rep/$reps)"
      start_granary
      if [ "$cold_jvm" = 0 ]; then
        frb "jit-$w-$rep" small "$gmnt/jitwarm" --threads 4 --epochs 1
      fi
      for pass in 1 2; do workload granary "$w" "$gmnt/bench" "$pass" "$rep"; done
      u=$(metric granary_ufs_read_bytes_total)
      granary_ufs_passes=$(awk -v a="$granary_ufs_passes" -v b="$u" 'BEGIN { if (a == "nan" || b == "nan") print "nan"; else printf "%.0f", a + b }')
      stop_granary
    done
  done
  if [ "$granary_ufs_passes" != nan ] && [ "$granary_ufs_passes" -gt 0 ]; then
    notes+=("WARNING: Granary read $granary_ufs_passes bytes from its under-storage during the measured passes: the cache was not fully warm.")
  fi
  if [ "$granary_cached" != nan ] && [ "$granary_cached" -lt "$data_bytes" ]; then
    notes+=("WARNING: after the warm-up Granary's cache held $granary_cached bytes, less than the data set ($data_bytes).")
  fi
}

if [ ! -f "$jar" ]; then
  granary_skip="gateway/target/granary.jar is missing (build it, or pass --build-gateway)"
elif ! granary_has_fuse; then
  granary_skip="this granary.jar's \`serve\` has no --fuse-mount yet"
fi
if [ -z "$granary_skip" ]; then
  run_granary
else
  say "Granary column skipped: $granary_skip"
fi

# ------------------------------------------------------------------ table
elapsed=$(( $(date +%s) - started ))
label_of() {
  case "$1" in
    small1) echo "100 KiB files, 1 thread, files/s" ;;
    small4) echo "100 KiB files, 4 threads, files/s" ;;
    seq) echo "$large_label file, sequential 1 MiB reads, MiB/s" ;;
  esac
}
target_of() { # workload pass: the issue's target for Granary/bindfs
  if [ "$2" = 1 ]; then echo 0.70; else echo 1.00; fi
}
mark() { # ratio target
  awk -v r="$1" -v t="$2" 'BEGIN { if (r == "n/a") print "n/a"; else if (r + 0 >= t + 0) print "✓"; else print "✗" }'
}
mem_gib=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
java_version=$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)
bindfs_version=$(bindfs --version 2>&1 | head -1)
fuse_version=$(fusermount -V 2>&1 | head -1)

table() {
  local w pass r t
  echo "| workload ($small_files × 100 KiB + $large_label) | pass | local disk | bindfs | Granary | Granary/bindfs | target | |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
  for w in "${workloads[@]}"; do
    for pass in 1 2; do
      r=$(ratio "$(median granary "$w" "$pass")" "$(median bindfs "$w" "$pass")")
      t=$(target_of "$w" "$pass")
      echo "| $(label_of "$w") | $pass | $(cell local "$w" "$pass") | $(cell bindfs "$w" "$pass") | $(cell granary "$w" "$pass") | $r | ≥ $t × bindfs | $(mark "$r" "$t") |"
    done
  done
  echo
  echo "Both file systems are mounted read-only, as a data set is (bindfs \`-r\`, Granary \`-o ro\`, which turns on its"
  echo "zero-message opens: no open, flush or release calls)."
  echo "Each row: median (range) over $reps fresh mounts; Granary/bindfs divides the medians. Pass 1 runs right"
  echo "after mounting (bindfs: mounted for each pass pair; Granary: the gateway restarted, its cache warm from an"
  if [ "$cold_jvm" = 1 ]; then
    echo "earlier read of every file through the mount, its JVM cold (--cold-jvm), nothing in the mount's page cache);"
  else
    echo "earlier read of every file through the mount, its JIT warmed by reading a separate set of $jit_files files and a"
    echo "$((jit_large >> 20)) MiB file through the mount first, nothing of the measured files in the mount's page cache);"
  fi
  echo "pass 2 follows at once on the same mount. Every measurement is its own JVM (\`FileReadBench\`: files in a seeded shuffled order,"
  echo "open-read-close into a 1 MiB buffer per thread). Local disk: $fstype under load-tests/target, read once"
  echo "before measuring (both passes read the page cache); bindfs and Granary's under-storage read the same"
  echo "(hard-linked) files, also in the page cache."
  if [ -n "$granary_skip" ]; then
    echo
    echo "Granary not measured: $granary_skip."
  else
    echo
    echo "Granary: $tier_note; after the warm-up the cache held $(fmt "$granary_cached" %.0f) bytes (data set $data_bytes);"
    echo "under-storage bytes read during the measured passes: $(fmt "$granary_ufs_passes" %.0f)."
  fi
  local n
  for n in "${notes[@]}"; do
    echo
    echo "$n"
  done
  if [ -n "$gateway_note" ] && [ -z "$granary_skip" ]; then
    echo
    echo "$gateway_note"
  fi
  echo
  echo "Machine: $(nproc) CPUs, $mem_gib GiB RAM, Linux $(uname -r); $bindfs_version, $fuse_version; $java_version. Run took ${elapsed} s."
}

out="$(table)"
bench_print "FUSE: reads through bindfs and Granary's mount" "$out"
