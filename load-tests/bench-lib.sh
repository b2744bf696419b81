# Shared by the load-tests/ scripts (and peers/run.sh); sourced, never run. The sourcing
# script sets bench_name (e.g. s3-bench) first; this file finds the JDK and defines the parts both
# benchmarks run the same way: options, the Maven build under the lock, the run directory and its
# teardown, processes and ports, a gateway started from a YAML config, iperf3, table helpers and --write.
# shellcheck shell=bash

bench_script="${BASH_SOURCE[1]:-$0}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)" # load-tests/, wherever the sourcing script sits
root="$(cd "$here/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"

say() { printf '[%s %s] %s\n' "$bench_name" "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------ options
# bench_parse_args HELP_LINES ARGS...: --quick, --write FILE, --keep and -h/--help (prints lines
# HELP_LINES, e.g. 2,13, of the script's header); any other option goes to bench_extra_option OPT
# when the script defines it (status 0: taken). Sets quick, write, keep, cmdline and started.
bench_parse_args() {
  local help_lines=$1
  shift
  quick=0
  write=""
  keep=0
  cmdline="load-tests/$bench_name.sh${*:+ $*}"
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) quick=1 ;;
      --write)
        [ $# -ge 2 ] || { echo "$bench_name: --write needs a file" >&2; exit 2; }
        write="$2"
        case "$write" in /*) ;; *) write="$PWD/$write" ;; esac
        shift ;;
      --keep) keep=1 ;;
      -h|--help) sed -n "${help_lines}p" "$bench_script" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *)
        if ! { declare -F bench_extra_option >/dev/null && bench_extra_option "$1"; }; then
          echo "$bench_name: unknown option $1 (see --help)" >&2
          exit 2
        fi ;;
    esac
    shift
  done
  started=$(date +%s)
}

# ------------------------------------------------------------------ iperf3
bench_need_iperf3() {
  command -v iperf3 >/dev/null 2>&1 && return 0
  say "installing iperf3 with apt-get"
  local sudo_=()
  [ "$(id -u)" = 0 ] || sudo_=(sudo -n)
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 >/dev/null ||
    { "${sudo_[@]}" apt-get update -q >/dev/null && "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 >/dev/null; } ||
    die "could not install iperf3"
}

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

# The modules whose sources make up gateway/target/granary.jar.
gateway_modules=(gateway fuse-bridge sdk metadata storage-tier s3-api)

# bench_gateway_jar MISSING: sets $jar and $gateway_note. The gateway runs from its jar, never
# through ./granary (whose rebuild takes no lock). A jar older than its sources is rebuilt under the
# lock with --build-gateway (build_gateway=1) or else measured as built, with a warning; a missing
# one stops the run (MISSING=die) or is left to the caller (MISSING=skip).
bench_gateway_jar() {
  jar="$root/gateway/target/granary.jar"
  gateway_note=""
  if [ -f "$jar" ] && ! newer_than "$jar" "${gateway_modules[@]}"; then
    return 0
  fi
  if [ "${build_gateway:-0}" = 1 ]; then
    mvn_build "the gateway" -pl gateway -am
  elif [ -f "$jar" ]; then
    gateway_note="WARNING: gateway/target/granary.jar is older than its sources; this run measured the jar as built."
    say "$gateway_note (--build-gateway rebuilds it)"
  elif [ "$1" = die ]; then
    die "$jar is missing: build it (./mvnw -DskipTests -pl gateway -am package) or pass --build-gateway"
  fi
}

# ------------------------------------------------------------------ run state and teardown
# bench_run_state: the temporary directory $tmp (kept with --keep or on failure), its tmpfs twin
# $shm, the pids killed on exit, and a fresh access key / secret key pair ($ak, $sk).
bench_run_state() {
  tmp="$(mktemp -d "/tmp/$bench_name.XXXXXX")"
  shm="/dev/shm/$(basename "$tmp")"
  pids=()
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  ak="bench$(date +%s)"
  sk="$(head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
}

# bench_run_state_on_disk: the same, with $tmp under load-tests/target (the local disk: /tmp may
# be a tmpfs) and $shm named after it.
bench_run_state_on_disk() {
  bench_run_state
  rmdir "$tmp"
  mkdir -p "$here/target"
  tmp="$(cd "$(mktemp -d "$here/target/$bench_name.XXXXXX")" && pwd -P)"
  shm="/dev/shm/$(basename "$tmp")"
}

# ------------------------------------------------------------------ FUSE mounts
# Scripts that mount keep the mount points in $mounts (add_mount) and unmount them on exit.
mounts=()

is_mounted() { # dir: listed in /proc/self/mountinfo (unlike stat, works on a dead FUSE mount)
  awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo
}

# unmount DIR: fusermount -u, retried for 5 s (a mount stays busy for a moment after its last
# reader closes); then a lazy unmount (-uz), which detaches it even when busy or dead.
unmount() {
  local m=$1
  for _ in $(seq 1 25); do
    is_mounted "$m" || return 0
    timeout 10 fusermount -u "$m" 2>/dev/null || true
    is_mounted "$m" || return 0
    sleep 0.2
  done
  say "WARNING: $m still mounted after 5 s of fusermount -u: lazy unmount (fusermount -uz)"
  timeout 10 fusermount -uz "$m" 2>/dev/null || timeout 10 umount -l "$m" 2>/dev/null || true
  ! is_mounted "$m"
}

add_mount() { # dir: remembered so the exit trap unmounts it
  local m
  for m in "${mounts[@]}"; do [ "$m" = "$1" ] && return 0; done
  mounts+=("$1")
}

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

# ------------------------------------------------------------------ the gateway
listener_port() { # log name: the port of the first "NAME listening on http://127.0.0.1:PORT" line
  sed -n "s#^$2 listening on http://127\\.0\\.0\\.1:\\([0-9]*\\).*#\\1#p" "$1" | head -1
}

# start_granary_with LABEL DIR TIER_DIR QUOTA EXTRA_YAML "LISTENERS" CMD...: writes DIR/granary.yaml
# (EXTRA_YAML, e.g. "transport: epoll", goes after the s3 line), runs CMD serve --config it with
# its log in DIR/granary.log, and waits until every listener named in LISTENERS (e.g. "s3 admin")
# has printed its line. Sets granary_pid; read the ports with listener_port DIR/granary.log NAME.
start_granary_with() {
  local label=$1 dir=$2 tier=$3 quota=$4 extra=$5 listeners=$6 l ok
  shift 6
  mkdir -p "$dir" "$tier"
  cat >"$dir/granary.yaml" <<EOF
dataDir: $dir/data
host: 127.0.0.1
admin: {port: 0}
s3: {port: 0}
$extra
blockSize: 64MiB
tiers:
  - {name: MEM, path: $tier, quota: $quota}
credentials:
  - {accessKey: $ak, secretKey: $sk}
EOF
  "$@" serve --config "$dir/granary.yaml" >"$dir/granary.log" 2>&1 &
  granary_pid=$!
  pids+=("$granary_pid")
  for _ in $(seq 1 300); do
    ok=1
    for l in $listeners; do
      [ -n "$(listener_port "$dir/granary.log" "$l")" ] || { ok=0; break; }
    done
    [ "$ok" = 1 ] && break
    kill -0 "$granary_pid" 2>/dev/null || { tail -30 "$dir/granary.log" >&2; die "$label exited during startup"; }
    sleep 0.2
  done
  l=${listeners%% *}
  [ -n "$(listener_port "$dir/granary.log" "$l")" ] || die "$label printed no '$l listening on' line in 60 s"
}

# ------------------------------------------------------------------ iperf3 runs
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

# iperf_processes N LABEL [iperf3 client args]: N iperf3 client processes, each one stream to its own
# server, at the same time; prints the sum (MiB/s). iperf3 3.12 (Debian 12) runs all -P streams on
# one thread, so -P N measures one core, not N streams.
iperf_processes() {
  local n=$1 label=$2 i p spid total=0 v
  local ports=()
  shift 2
  local spids=() cpids=() outs=()
  for i in $(seq 1 "$n"); do
    p=$(free_port)
    iperf3 -s -1 -p "$p" >"$tmp/iperf3-server-$label-$i.log" 2>&1 &
    spid=$!
    pids+=("$spid")
    spids+=("$spid")
    wait_port "$p" "$spid" "$tmp/iperf3-server-$label-$i.log"
    outs+=("$tmp/iperf3-$label-$i.json")
    ports+=("$p")
  done
  for i in $(seq 1 "$n"); do
    iperf3 -c 127.0.0.1 -p "${ports[$((i - 1))]}" -t "$iperf_secs" -J "$@" >"${outs[$((i - 1))]}" &
    cpids+=($!)
  done
  for i in "${cpids[@]}"; do
    wait "$i" || die "iperf3 client failed"
  done
  for spid in "${spids[@]}"; do
    stop_pid "$spid"
  done
  for i in "${outs[@]}"; do
    v=$(/usr/bin/env python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/8/1048576)' "$i")
    total=$(awk -v a="$total" -v b="$v" 'BEGIN { print a + b }')
  done
  awk -v t="$total" 'BEGIN { printf "%.1f\n", t }'
}

# bench_iperf_before WHAT: the run's opening lines, then iperf3 single stream ($iperf_start) and
# with -l 32K ($iperf_32k); WHAT describes the second run in the progress line.
bench_iperf_before() {
  say "temporary directory $tmp, tmpfs tier under $shm"
  say "iperf3 single stream, $iperf_secs s"
  iperf_start=$(iperf start)
  say "iperf3: $iperf_start MiB/s; again with $1"
  iperf_32k=$(iperf 32k -l 32K)
  say "iperf3 -l 32K: $iperf_32k MiB/s"
}

# bench_iperf_after: iperf3 single stream once more ($iperf_end) and the mean with the first ($iperf_mean).
bench_iperf_after() {
  say "iperf3 single stream again, $iperf_secs s"
  iperf_end=$(iperf end)
  say "iperf3: $iperf_end MiB/s"
  iperf_mean=$(awk -v a="$iperf_start" -v b="$iperf_end" 'BEGIN { printf "%.1f", (a + b) / 2 }')
}

# ------------------------------------------------------------------ table
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf f, v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

# bench_print TITLE TABLE: prints the table; with --write, appends it to that file under a
# "## TITLE (date)" heading with the command, machine and date.
bench_print() {
  local title=$1 out=$2 jdk cpu
  echo
  echo "$out"
  if [ -n "$write" ]; then
    jdk=$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n '2p')
    cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
    {
      echo
      echo "## $title ($(date -u +%Y-%m-%d))"
      echo
      echo "- Command: \`$cmdline\`"
      echo "- Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), $jdk"
      echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
      echo
      echo "$out"
    } >>"$write"
    say "appended to $write"
  fi
}
