#!/usr/bin/env bash
# Rebuild after a node loss on a 4-node loopback cluster (debug image, C2 JIT), issue #7's bench.
#  1. The floor, in the same run: sequential 1 MiB O_DIRECT write and read of a raw file on the file
#     system that holds every node's data disk (all four "disks" are directories on that one device,
#     so its bandwidth is the aggregate bandwidth here).
#  2. An RF2 vDisk filled with DATA_MIB through node 0, and a second RF2 vDisk for the user load.
#  3. User I/O before: fio 4 KiB random read/write 70/30, QD8, through node 0, USER_SECS.
#  4. kill -9 of node 3; Curator re-protects every extent group that had a replica there. Rebuild
#     throughput = bytes under-replicated at the first scan / time from that scan's start until
#     under-replication is 0. The same fio job runs meanwhile (user I/O during the rebuild).
# Usage: bench/curator-rebuild.sh [DATA_MIB] [USER_SECS]   (needs ./cairn build; fio)
# CAIRN_BENCH_KEEP_LOGS=1 keeps the controllers' logs of a successful run too; CAIRN_BENCH_CURATOR_SETTINGS='{...}'
# is written to curator.settings before the kill (experiments); the controllers' CPU ticks during the rebuild go to
# /tmp/cairn-bench-rebuild-cpu.txt.
set -euo pipefail
. "$(dirname "$0")/../bin/lib.sh"
find_jdk
data_mib="${1:-2048}"; user_secs="${2:-20}"
work=$(mktemp -d /tmp/cairn-bench-rebuild.XXXXXX)
ips=(127.0.1.111 127.0.1.112 127.0.1.113 127.0.1.114)
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] || [ -n "${CAIRN_BENCH_KEEP_LOGS:-}" ]; then # keep the controllers' logs of a failed run (or when asked)
    local keep="/tmp/cairn-bench-rebuild-logs.$(date +%s)"
    mkdir -p "$keep" && for n in "$work"/n*; do cp "$n/logs/controller.log" "$keep/$(basename "$n").log" 2>/dev/null || true; done
    echo "controller logs kept in $keep" >&2
  fi
  bench_cluster_stop "$work"
}
trap cleanup EXIT
CAIRN_JVM_OPTS="${CAIRN_JVM_OPTS:--XX:TieredStopAtLevel=4}" bench_cluster "$work" rebuild "${ips[@]}"
cli() { local n="$1"; shift; "$CAIRN_ROOT/bin/cairn" "$@" --node "${ips[$n]}" --admin "$work/admin"; }
bench_medusa_ready "$work" "${ips[0]}"
now() { date +%s.%N; }
# under-replicated egroups and bytes (all containers) and the scan state, as node $1 reports them
under() {
  cli "$1" rpc curator.under_replication '{"summary":"true"}' --json 2>/dev/null | python3 -c '
import json, sys
try:
    j = json.load(sys.stdin)
    print(j["underReplicatedEgroups"], sum(c["underReplicatedBytes"] for c in j["containers"]), j["state"], j["executionId"])
except Exception:
    print(-1, -1, "none", -1)
'
}
fio_json() { # name out-json fio-args...
  local name="$1" out="$2"; shift 2
  set -f
  fio --name="$name" "$@" --output-format=json --output="$out" >"$out.log" 2>&1 || { set +f; cat "$out.log" "$out" >&2; return 1; }
  set +f
}
bw_mib() { python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
print("%.1f" % ((j["read"]["bw"] + j["write"]["bw"]) / 1024))' "$1"; }
iops() { python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
print("%.0f" % (j["read"]["iops"] + j["write"]["iops"]))' "$1"; }

echo "data ${data_mib} MiB RF2, user job ${user_secs}s; homes in $work ($(df --output=fstype,source "$work" | tail -n1 | tr -s ' ')); $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
raw="$work/raw.img"
fio_json seqw "$work/raw-w.json" --filename="$raw" --ioengine=libaio --direct=1 --rw=write --bs=1M --iodepth=8 --size="${data_mib}M" --end_fsync=1
fio_json seqr "$work/raw-r.json" --filename="$raw" --ioengine=libaio --direct=1 --rw=read --bs=1M --iodepth=8 --size="${data_mib}M"
rm -f "$raw"
raw_w=$(bw_mib "$work/raw-w.json"); raw_r=$(bw_mib "$work/raw-r.json")

cli 0 ncli ctr create name=data rf=2 >/dev/null
cli 0 ncli vdisk create ctr=data name=bulk size="${data_mib}M" >/dev/null
cli 0 ncli vdisk create ctr=data name=user size=256M >/dev/null
sock="$work/n0/run/nbd.sock"
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.2; done
fill_start=$(now)
fio_json fill "$work/fill.json" --ioengine=nbd --uri="nbd+unix:///data/bulk?socket=$sock" --rw=write --bs=1M --iodepth=8 --size="${data_mib}M"
fio_json filluser "$work/filluser.json" --ioengine=nbd --uri="nbd+unix:///data/user?socket=$sock" --rw=write --bs=1M --iodepth=8 --size=256M
echo "filled in $(python3 -c "print('%.0f' % ($(now) - $fill_start))") s; waiting for the drain and a clean scan" >&2
sleep 20
cli 1 curator_cli start_scan task_type=3 >/dev/null
t0=$(date +%s)
until read -r eg b st id < <(under 1) && [ "$eg" = 0 ] && [ "$st" = succeeded ]; do
  [ $(( $(date +%s) - t0 )) -lt 300 ] || { echo "the cluster did not reach full replication before the kill" >&2; exit 1; }
  sleep 2
done
user_job=(--ioengine=nbd --uri="nbd+unix:///data/user?socket=$sock" --rw=randrw --rwmixread=70 --bs=4k --iodepth=8 --size=256M
  --time_based --runtime="$user_secs")
fio_json before "$work/user-before.json" "${user_job[@]}"
user_before=$(iops "$work/user-before.json")

if [ -n "${CAIRN_BENCH_CURATOR_SETTINGS:-}" ]; then # e.g. '{"chronos_max_tasks_per_node": 4}' for an experiment
  cli 0 zeus write curator.settings -1 "$CAIRN_BENCH_CURATOR_SETTINGS" >/dev/null
fi
# CPU seconds of each controller and of fio, sampled every 2 s from the kill on (where the cores go during the rebuild)
( while :; do echo "$(date +%s.%N) $(for n in 0 1 2; do p=$(cat "$work/n$n/run/node.pid" 2>/dev/null) && awk '{printf "%d ", $14+$15}' /proc/$p/stat 2>/dev/null; done) $(ps -C fio -o times= 2>/dev/null | awk '{s+=$1} END {print s+0}')"; sleep 2; done ) > "$work/cpu.txt" 2>/dev/null &
cpu_pid=$!
pid=$(cat "$work/n3/run/node.pid")
kill -9 "$pid"
killed=$(now)
# the user job runs through the rebuild (started at once; the rebuild starts within a few seconds)
fio_json during "$work/user-during.json" "${user_job[@]}" &
fio_pid=$!
seen=""; scan_start=""; bytes=0; egroups=0
while :; do
  read -r eg b st id < <(under 1)
  t=$(now)
  if [ -z "$seen" ] && [ "$eg" -gt 0 ] 2>/dev/null; then seen=$t; bytes=$b; egroups=$eg; fi
  if [ -n "$seen" ] && [ "$eg" = 0 ] && [ "$st" = succeeded ]; then healed=$t; break; fi
  python3 -c "import sys; sys.exit(0 if $t - $killed < 900 else 1)" || { echo "not re-protected within 900 s" >&2; exit 1; }
  sleep 0.5
done
wait "$fio_pid"
kill "$cpu_pid" 2>/dev/null || true
cp "$work/cpu.txt" "/tmp/cairn-bench-rebuild-cpu.txt" 2>/dev/null || true
user_during=$(iops "$work/user-during.json")
grep -h "Curator scan .* finished\|Curator scan .*under-replicated, .* to repair" "$work"/n*/logs/controller.log | tail -n 4 >&2 || true
python3 - "$raw_w" "$raw_r" "$bytes" "$egroups" "$killed" "$seen" "$healed" "$user_before" "$user_during" "$user_secs" <<'EOF'
import sys
raw_w, raw_r, b, eg, killed, seen, healed, ub, ud, us = sys.argv[1:]
raw_w, raw_r, b, killed, seen, healed, ub, ud = map(float, (raw_w, raw_r, b, killed, seen, healed, ub, ud))
rebuild = healed - seen
mibs = b / 1048576 / rebuild if rebuild > 0 else 0
print("| Measure | Value |\n|---|---|")
print("| raw file seq write / read (aggregate disk bandwidth) | %.0f / %.0f MiB/s |" % (raw_w, raw_r))
print("| under-replicated after the kill | %s extent groups, %.0f MiB |" % (eg, b / 1048576))
print("| kill -9 → first scan sees it | %.1f s |" % (seen - killed))
print("| rebuild (first scan → under-replication 0) | %.1f s |" % rebuild)
print("| rebuild throughput | %.1f MiB/s = %.0f%% of raw seq write |" % (mibs, 100 * mibs / raw_w))
print("| user 4 KiB randrw 70/30 QD8: before / during (first %s s after the kill) | %.0f / %.0f IOPS = %.0f%% |" % (us, ub, ud, 100 * ud / ub))
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
