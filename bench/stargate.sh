#!/usr/bin/env bash
# Stargate on a 3-node loopback cluster (debug image, C2 JIT): fio through its nbd engine on the owner
# node's NBD Unix socket for local clients (HOME/run/nbd.sock) on an RF1 and an RF2 vDisk, against fio
# on a raw file on the same file system in the same run (the floor). Rows: 4 KiB random write QD1 and QD32,
# 4 KiB random read QD1 and QD32, 1 MiB sequential write and read. Prints one table row per job.
# Usage: bench/stargate.sh [SIZE_MIB] [RUNTIME_SECS]   (needs ./cairn build; fio)
set -euo pipefail
. "$(dirname "$0")/../bin/lib.sh"
find_jdk
size_mib="${1:-256}"; runtime="${2:-20}"
work=$(mktemp -d /tmp/cairn-bench-stargate.XXXXXX)
ips=(127.0.1.94 127.0.1.95 127.0.1.96)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; bench_cluster_stop "$work"; }
trap cleanup EXIT
# the controllers run with the C2 JIT here (the test suite's default is C1 only, to save CPU on small machines)
CAIRN_JVM_OPTS="${CAIRN_JVM_OPTS:--XX:TieredStopAtLevel=4}" bench_cluster "$work" bench "${ips[@]}"
cairn_cli() { "$CAIRN_ROOT/bin/cairn" "$@" --node "${ips[0]}" --admin "$work/admin"; }
bench_medusa_ready "$work" "${ips[0]}"
cairn_cli ncli ctr create name=rf1 rf=1 >/dev/null
cairn_cli ncli ctr create name=rf2 rf=2 >/dev/null
cairn_cli ncli vdisk create ctr=rf1 name=b size="${size_mib}M" >/dev/null
cairn_cli ncli vdisk create ctr=rf2 name=b size="${size_mib}M" >/dev/null
sock="$work/n0/run/nbd.sock"
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.2; done
raw="$work/raw.img"
truncate -s "${size_mib}M" "$raw"
echo "fio ${runtime}s per job, ${size_mib} MiB target; node homes and raw file in $work ($(df --output=fstype,source "$work" | tail -n1 | tr -s ' ')); $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
job() { # name target-args rw bs iodepth [extra]
  local name="$1" target="$2" rw="$3" bs="$4" qd="$5"; shift 5
  local out="$work/fio-$name-$RANDOM.json"
  set -f # the nbd URI has a '?' that must not be taken as a file pattern
  if ! fio --name="$name" $target --rw="$rw" --bs="$bs" --iodepth="$qd" --size="${size_mib}M" --runtime="$runtime" --time_based \
    --output-format=json --output="$out" "$@" >"$out.log" 2>&1; then
    set +f; echo "fio failed for $name on $target:" >&2; cat "$out.log" "$out" >&2; return 1
  fi
  set +f
  python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
side = "write" if j["write"]["io_bytes"] > 0 else "read"
s = j[side]
p = s["clat_ns"].get("percentile", {})
print("%s %.0f %.1f %.0f %.0f" % (sys.argv[1], s["iops"], s["bw"] / 1024, p.get("50.000000", 0) / 1000, p.get("99.000000", 0) / 1000))
' "$name" < "$out"
}
# sequential write first: it fills the targets, so the reads after it read written data
rows=("write 1m 4" "randwrite 4k 1" "randwrite 4k 32" "read 1m 4" "randread 4k 1" "randread 4k 32")
printf "| Job | Target | IOPS | MiB/s | p50 µs | p99 µs |\n|---|---|---|---|---|---|\n"
for r in "${rows[@]}"; do
  set -- $r
  # the floor: the raw file with the same job, O_DIRECT, fdatasync after every write for random writes
  sync_opt=(); [ "$1" = randwrite ] && sync_opt=(--fdatasync=1)
  read -r n iops bw p50 p99 < <(job "$1-$2-qd$3" "--filename=$raw --ioengine=libaio --direct=1" "$1" "$2" "$3" "${sync_opt[@]}")
  printf "| %s %s QD%s | raw file | %s | %s | %s | %s |\n" "$1" "$2" "$3" "$iops" "$bw" "$p50" "$p99"
  for rf in rf1 rf2; do
    read -r n iops bw p50 p99 < <(job "$1-$2-qd$3" "--ioengine=nbd --uri=nbd+unix:///$rf/b?socket=$sock" "$1" "$2" "$3")
    printf "| %s %s QD%s | vDisk %s | %s | %s | %s | %s |\n" "$1" "$2" "$3" "$rf" "$iops" "$bw" "$p50" "$p99"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
