#!/usr/bin/env bash
# Gatling simulations (issue 6) against a fresh gateway on loopback: cached 100 KiB and 64 MiB
# GETs, 100 KiB PUTs, a training-style GET/LIST mix and a soak. Prints a summary table.
#
#   load-tests/gatling.sh [--quick] [--keep] [--write FILE] [SIMULATION...]
#
#   SIMULATION    small-get, large-get, small-put, training-mix, soak (default: all, in that
#                 order), or a simulation class name (simple or fully qualified)
#   --quick       short runs: 10 s per simulation, soak 30 s, smaller data sets (< 3 min in all)
#   --keep        keep the run directory (gateway log and data, Maven logs) instead of deleting it
#   --write FILE  append the table, with date, machine and command, to FILE
#
# Environment: GRANARY_MVN_LOCK (default /tmp/granary-mvn.lock; "none" disables it): every Maven
# run (the build and each simulation, i.e. the measurement) holds it; run the whole script under
# `flock /tmp/granary-mvn.lock` to hold it throughout. MVN_ARGS adds Maven arguments (e.g. -o);
# GATLING_PROPS adds -D properties to every simulation (e.g. "-Dgranary.concurrency=16").
# Exit status: non-zero when any simulation failed (a failed request or assertion). Reports stay
# under load-tests/target/gatling. See load-tests/README.md ("Gatling").
set -euo pipefail

bench_name=gatling
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
sims=()
bench_extra_option() {
  case "$1" in
    -*) return 1 ;;
    *) sims+=("$1") ;;
  esac
}
bench_parse_args 2,18 "$@"

# ------------------------------------------------------------------ simulations and parameters
pkg=io.granary.loadtest
all_sims=(small-get large-get small-put training-mix soak)
[ ${#sims[@]} -gt 0 ] || sims=("${all_sims[@]}")
sim_class() {
  case "$1" in
    small-get) echo "$pkg.CachedSmallGetSimulation" ;;
    large-get) echo "$pkg.CachedLargeGetSimulation" ;;
    small-put) echo "$pkg.SmallPutSimulation" ;;
    training-mix) echo "$pkg.TrainingMixSimulation" ;;
    soak) echo "$pkg.SoakSimulation" ;;
    *.*) echo "$1" ;;
    *Simulation) echo "$pkg.$1" ;;
    *) return 1 ;;
  esac
}
for s in "${sims[@]}"; do
  c=$(sim_class "$s") || { echo "gatling: unknown simulation $s (known: ${all_sims[*]}, or a class name)" >&2; exit 2; }
  [ -f "$here/src/test/java/$(echo "$c" | tr . /).java" ] || { echo "gatling: no source for $c under load-tests/src/test/java" >&2; exit 2; }
done

if [ "$quick" = 1 ]; then
  props=(-Dgranary.seconds=10 -Dsoak.seconds=30
    -Dsmall.objects=200 -Dlarge.objects=1 -Dtrain.objects=400 -Dsoak.objects=200 -Dput.keys=500)
  quota=1GiB
else
  props=(-Dgranary.seconds=60 -Dsoak.seconds=600)
  quota=2GiB
fi
# shellcheck disable=SC2206
props+=(${GATLING_PROPS:-})

# ------------------------------------------------------------------ build
lock=()
if [ "$lock_path" != none ] && ! lock_held_by_us && command -v flock >/dev/null 2>&1; then
  lock=(flock "$lock_path")
fi
mvnw() { (cd "$root" && "${lock[@]}" ./mvnw -B ${MVN_ARGS:-} "$@"); }

# The simulations (load-tests, and the SDK it depends on, resolved by `-pl load-tests` from the
# local repository): installed when the SDK is missing there or a source or pom changed since the
# last build by this script. gatling:test compiles the simulations itself (test-compile).
stamp="$here/target/.gatling-built"
sdk_jar="$HOME/.m2/repository/io/granary/granary-sdk/0.1.0-SNAPSHOT/granary-sdk-0.1.0-SNAPSHOT.jar"
if [ ! -f "$stamp" ] || [ ! -f "$sdk_jar" ] || [ ! -d "$here/target/classes/io/granary/loadtest" ] ||
  newer_than "$stamp" sdk load-tests || [ -n "$(find "$here/src/test" -newer "$stamp" -print -quit)" ]; then
  say "building sdk and load-tests (install) with $JAVA_HOME"
  mvnw -q -DskipTests -pl load-tests -am install >&2 || die "build of load-tests failed"
  touch "$stamp"
fi

# The gateway runs from its jar, as ./granary would run it, but never through ./granary (whose
# rebuild takes no lock): rebuilt here, under the lock, when missing or older than its sources.
jar="$root/gateway/target/granary.jar"
gateway_note=""
if [ ! -f "$jar" ] || newer_than "$jar" "${gateway_modules[@]}"; then
  say "building the gateway with $JAVA_HOME"
  if mvnw -q -DskipTests -pl gateway -am package >&2; then
    touch "$jar" # Maven leaves an unchanged jar's time alone
  elif [ -f "$jar" ]; then
    gateway_note="WARNING: the gateway build failed; this run used the existing gateway/target/granary.jar, older than its sources."
    say "$gateway_note"
  else
    die "build of the gateway failed and $jar is missing"
  fi
fi

# ------------------------------------------------------------------ run state and teardown
# The run directory (gateway config, log and data, Maven logs) lives under load-tests/target; the
# MEM tier on a fresh /dev/shm directory. Both go on exit unless --keep or a failure.
bench_run_state
rmdir "$tmp"
mkdir -p "$here/target"
tmp="$(mktemp -d "$here/target/gatling-run.XXXXXX")"
shm="/dev/shm/$(basename "$tmp")"

# shellcheck disable=SC2206
start_granary_with granary "$tmp/granary" "$shm/mem" "$quota" "grpc: {port: 0}" "s3 admin" \
  "$JAVA_HOME/bin/java" "${GRANARY_JAVA_FLAGS[@]}" ${GRANARY_JAVA_OPTS:-} -jar "$jar"
s3_port=$(listener_port "$tmp/granary/granary.log" s3)
endpoint="http://127.0.0.1:$s3_port"
say "granary pid $granary_pid: s3 on $s3_port (MEM tier $quota in $shm, data in $tmp/granary)"

# ------------------------------------------------------------------ runs
# One line per simulation in $tmp/summary: name status requests rps p50 p95 p99 errors report
: >"$tmp/summary"
failed=0
gstat() { # log label column(2 total, 3 OK, 4 KO): a number from Gatling's "Global Information"
  awk -F'|' -v l="$2" -v c="$3" '/---- Global Information/ { g = 1 } g && index($1, "> " l " ") == 1 {
      v = $c; gsub(/[ ,]/, "", v); if (v == "-") v = 0; print v; exit }' "$1"
}
for s in "${sims[@]}"; do
  c=$(sim_class "$s")
  log="$tmp/$s.log"
  say "simulation $s ($c)"
  status=passed
  # -Dmaven.main.skip: the build above compiled load-tests' main classes; do not compile them again
  # (no compiler run on the measured machine, no surprise from a main source edited meanwhile).
  if ! mvnw -pl load-tests gatling:test -Dmaven.main.skip=true -Dgatling.simulationClass="$c" \
    -Dgranary.s3="$endpoint" -Dgranary.accessKey="$ak" -Dgranary.secretKey="$sk" "${props[@]}" \
    >"$log" 2>&1; then
    status=FAILED
    failed=1
    grep -E "^Global: .* : false|^\[ERROR\]|Exception|failed" "$log" | head -15 >&2 || true
  fi
  report=$(sed -n 's#^Reports generated, please open the following file: file://##p' "$log" | tail -1)
  report=${report#"$root/"}
  printf '%s %s %s %s %s %s %s %s %s\n' "$s" "$status" \
    "$(gstat "$log" "request count" 2)" "$(gstat "$log" "mean throughput (rps)" 2)" \
    "$(gstat "$log" "response time 50th percentile (ms)" 2)" "$(gstat "$log" "response time 95th percentile (ms)" 2)" \
    "$(gstat "$log" "response time 99th percentile (ms)" 2)" "$(gstat "$log" "request count" 4)" \
    "${report:-none}" >>"$tmp/summary"
  say "  $status: $(awk -v s="$s" '$1 == s { printf "%s requests, %s req/s, p99 %s ms, %s errors", $3, $4, $7, $8 }' "$tmp/summary")"
done
stop_pid "$granary_pid"

# ------------------------------------------------------------------ table
elapsed=$(( $(date +%s) - started ))
mode=$([ "$quick" = 1 ] && echo "quick: 10 s per simulation, soak 30 s" || echo "60 s per simulation, soak 600 s")
table() {
  echo "| simulation ($mode) | result | requests | req/s | p50 ms | p95 ms | p99 ms | errors | report |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
  awk '{ for (i = 3; i <= 8; i++) if ($i == "") $i = "n/a"
         printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$tmp/summary"
  echo
  local large
  large=$(awk '$1 == "large-get" && $4 != "" { printf "%.0f", $4 * 64 }' "$tmp/summary")
  [ -z "$large" ] || echo "64 MiB cached GET: ${large} MiB/s (req/s × 64 MiB)."
  echo "Gateway: fresh \`granary.jar serve\`, MEM tier $quota on tmpfs, block size 64 MiB; client and gateway share the machine's $(nproc) cores; run took ${elapsed} s."
  [ -z "$gateway_note" ] || echo "$gateway_note"
}
out="$(table)"
bench_print "Gatling simulations against Granary" "$out"
if [ "$failed" != 0 ]; then
  say "at least one simulation FAILED (Maven logs in $tmp)"
  exit 1
fi
