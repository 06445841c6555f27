#!/usr/bin/env bash
# Foundation's bench (issue #10): wall time from 3 bare nodes to a healthy 3-node cluster on this machine (target: under
# 60 s), with Foundation's per-phase breakdown, against the manual path measured in the same run as the baseline:
#   - manual: cairn node start x3 (image installed by the start script, in parallel) + cairn cluster create + the
#     default container (ncli ctr create, retried until Medusa has placed its shards): what Foundation automates;
#   - foundation: bin/foundation bare create + bin/foundation image (validation, power off/on through the process BMC,
#     image, identity, check-in, cluster creation, default container, fault tolerance report).
# Both on 127.0.1.91-93 (one after the other), production image. Prints the totals, the ratio and Foundation's phase
# table, and appends them to bench/RESULTS.md (CAIRN_BENCH_NO_RESULTS=1: print only).
# Usage: bench/foundation.sh   (builds with ./cairn build if Foundation or the image is missing). Needs a quiet machine.
set -euo pipefail
. "$(dirname "$0")/../bin/lib.sh"
find_jdk
ips=(127.0.1.91 127.0.1.92 127.0.1.93)
image=$(image_archive)
[ -f "$image" ] && ls "$CAIRN_ROOT"/foundation/io.cairn.foundation/target/io.cairn.foundation-*.jar >/dev/null 2>&1 || {
  info "building"; "$CAIRN_ROOT/bin/cairn" build; }
work=$(mktemp -d /tmp/cairn-bench-foundation.XXXXXX)
cleanup() {
  local h
  for h in "$work"/manual/n* "$work"/fnd/node*; do [ -d "$h" ] && "$CAIRN_ROOT/bin/cairn" node stop --home "$h" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

info "foundation bench: manual path (baseline) on ${ips[*]}"
t0=$(now)
i=0
for ip in "${ips[@]}"; do "$CAIRN_ROOT/bin/cairn" node start --home "$work/manual/n$i" --ip "$ip" >/dev/null & i=$((i + 1)); done
wait
t1=$(now)
"$CAIRN_ROOT/bin/cairn" cluster create --nodes "$(IFS=,; echo "${ips[*]}")" --admin "$work/manual/admin" --name manual >/dev/null
t2=$(now)
for _ in $(seq 180); do
  "$CAIRN_ROOT/bin/cairn" ncli ctr create name=default-container rf=2 --node "${ips[0]}" --admin "$work/manual/admin" >/dev/null 2>&1 && break
  sleep 1
done
t3=$(now)
manual_total=$(ms "$t0" "$t3")
echo "manual: start ${#ips[@]} nodes $(ms "$t0" "$t1") ms, cluster create $(ms "$t1" "$t2") ms, container $(ms "$t2" "$t3") ms, total $manual_total ms"
for i in 0 1 2; do "$CAIRN_ROOT/bin/cairn" node stop --home "$work/manual/n$i" >/dev/null 2>&1 || true; done

info "foundation bench: Foundation from bare nodes on ${ips[*]}"
mkdir -p "$work/fnd"
cat > "$work/fnd/cluster.json" <<JSON
{"cluster": {"name": "fbench", "fault_tolerance": 1}, "cvm": {"netmask": "255.0.0.0", "gateway": "127.0.0.1"},
 "image": {"archive": "$image", "trust": "$CAIRN_ROOT/.signing"}, "admin": "admin",
 "nodes": [{"home": "node1", "cvm_ip": "${ips[0]}"}, {"home": "node2", "cvm_ip": "${ips[1]}"}, {"home": "node3", "cvm_ip": "${ips[2]}"}]}
JSON
t0=$(now)
"$CAIRN_ROOT/bin/foundation" bare create --dir "$work/fnd" --count 3 >/dev/null
"$CAIRN_ROOT/bin/foundation" image --config "$work/fnd/cluster.json" > "$work/fnd/out.txt"
t1=$(now)
fnd_total=$(ms "$t0" "$t1")
table=$(sed -n '/^Per-node phases/,/^Total/p' "$work/fnd/out.txt")
ft=$(grep '^Fault tolerance' "$work/fnd/out.txt" || true)
ratio=$(awk -v a="$fnd_total" -v b="$manual_total" 'BEGIN { printf "%.2f", a / b }')
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "foundation: total $fnd_total ms (ratio to manual $ratio); load average before/after: $load"
echo "$table"
echo "$ft"
if [ -z "${CAIRN_BENCH_NO_RESULTS:-}" ]; then
  {
    echo
    echo "## Foundation: bare nodes to a healthy cluster ($(date -u +%Y-%m-%d), bench/foundation.sh)"
    echo
    echo "3 nodes on loopback, production image, process BMCs; load average $load."
    echo
    echo "| path | wall time | ratio |"
    echo "|---|---|---|"
    echo "| manual (node start x3, cluster create, container) | $((manual_total / 1000)).$(( (manual_total % 1000) / 100 )) s | 1.00 |"
    echo "| Foundation (bare create, validate, image, create, container, FT report) | $((fnd_total / 1000)).$(( (fnd_total % 1000) / 100 )) s | $ratio |"
    echo
    echo '```'
    echo "$table"
    echo "$ft"
    echo '```'
  } >> "$CAIRN_ROOT/bench/RESULTS.md"
fi
