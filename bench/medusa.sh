#!/usr/bin/env bash
# Medusa on a 3-node loopback cluster (debug image): put / linearizable get / compare-and-set
# throughput and latency p50 and p99 with 1 and 32 clients, run inside a controller against its
# in-process Medusa service (RPC method medusa.bench), against the floor measured in the same run:
# a local RocksDB doing synchronous puts of the same value size on the file system of the node homes.
# Usage: bench/medusa.sh [OPS] [VALUE_BYTES]   (needs ./cairn build)
set -euo pipefail
. "$(dirname "$0")/../bin/lib.sh"
find_jdk
ops="${1:-1000}"; value_bytes="${2:-128}"; keys=1024
work=$(mktemp -d /tmp/cairn-bench-medusa.XXXXXX)
ips=(127.0.1.91 127.0.1.92 127.0.1.93)
cleanup() { bench_cluster_stop "$work"; }
trap cleanup EXIT
bench_cluster "$work" bench "${ips[@]}"
available() {
  "$CAIRN_ROOT/bin/cairn" rpc medusa.status '{}' --node "${ips[0]}" --admin "$work/admin" --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["available"])' 2>/dev/null || echo 0
}
t0=$(date +%s)
until [ "$(available)" = 16 ]; do
  [ $(( $(date +%s) - t0 )) -lt 120 ] || { echo "Medusa has no 16 available shards after 120 s" >&2; exit 1; }
  sleep 1
done
echo "16 shards available $(( $(date +%s) - t0 )) s after cluster create; node homes and the floor's RocksDB in $work ($(df --output=fstype,source "$work" | tail -n1 | tr -s ' ')); $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cp_dir="$CAIRN_ROOT/bench/io.cairn.bench/target"
cp="$cp_dir/io.cairn.bench-$(project_version).jar:$cp_dir/lib/*"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" \
  io.cairn.bench.MedusaBench "$work/admin" "${ips[0]}" "$work/floor" "$ops" "$value_bytes" "$keys"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
