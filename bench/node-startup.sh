#!/usr/bin/env bash
# Controller start-up: time from `cairn node start` to "ready" (every bundle active, every DS
# component satisfied), for a first boot (empty framework cache) and for restarts (cache kept).
# Baseline measured in the same run: the bare JVM floor (`java -version` with the same flags).
# Usage: bench/node-startup.sh [RUNS]   (needs a built image: ./cairn build)
set -euo pipefail
. "$(dirname "$0")/../bin/lib.sh"
find_jdk
runs="${1:-5}"
work=$(mktemp -d /tmp/cairn-bench-startup.XXXXXX)
trap 'for h in "$work"/*; do "$CAIRN_ROOT/bin/cairn" node stop --home "$h" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

jvm=(); cold=(); warm=()
for i in $(seq "$runs"); do
  t=$(date +%s%N); "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -version >/dev/null 2>&1; jvm+=("$(ms "$t")")
  home="$work/n$i"
  t=$(date +%s%N); "$CAIRN_ROOT/bin/cairn" node start --home "$home" --ip 127.0.1.250 >/dev/null; cold+=("$(ms "$t")")
  "$CAIRN_ROOT/bin/cairn" node stop --home "$home" >/dev/null
  t=$(date +%s%N); "$CAIRN_ROOT/bin/cairn" node start --home "$home" --ip 127.0.1.250 >/dev/null; warm+=("$(ms "$t")")
  "$CAIRN_ROOT/bin/cairn" node stop --home "$home" >/dev/null
done
j=$(printf '%s\n' "${jvm[@]}" | median); c=$(printf '%s\n' "${cold[@]}" | median); w=$(printf '%s\n' "${warm[@]}" | median)
echo "runs=$runs  (all times: median ms, wall clock from command start to ready)"
echo "baseline JVM floor (java -version):       $j ms"
echo "first boot (install image + empty cache):  $c ms   ratio to JVM floor $(awk -v a="$c" -v b="$j" 'BEGIN{printf "%.1f", a/b}')x"
echo "restart (framework cache kept):            $w ms   ratio to JVM floor $(awk -v a="$w" -v b="$j" 'BEGIN{printf "%.1f", a/b}')x"
