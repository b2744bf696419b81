# Sourced by ./granary and .ci/run: sets JAVA_HOME to a JDK 21 or newer.
# JAVA_HOME wins if it is new enough; otherwise the newest JDK under /usr/lib/jvm.

granary_java_major() {
  "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

granary_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(granary_java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    echo "$JAVA_HOME"
    return 0
  fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    [ -x "$d/bin/javac" ] || continue
    v=$(granary_java_major "$d" 2>/dev/null || echo 0)
    if [ "${v:-0}" -ge 21 ] && [ "$v" -gt "$best_v" ]; then
      best=$d
      best_v=$v
    fi
  done
  if [ -z "$best" ]; then
    echo "granary: no JDK 21 or newer found; set JAVA_HOME or install one under /usr/lib/jvm" >&2
    return 1
  fi
  echo "$best"
}

JAVA_HOME="$(granary_find_jdk)" || exit 1
export JAVA_HOME
GRANARY_JAVA_FLAGS=(--add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --enable-native-access=ALL-UNNAMED)
if [ "$(granary_java_major "$JAVA_HOME")" -ge 23 ]; then
  GRANARY_JAVA_FLAGS+=(--sun-misc-unsafe-memory-access=allow)
fi
