#!/usr/bin/env bash
# Cluster core on a 3-node loopback cluster (debug image): configuration read / compare-and-set
# latency p50 and p99 through Cairn (CLI transport -> controller -> Zeus -> Zookeeper) against a raw
# ZooKeeper client on the same ensemble in the same run, and role-leader failover time after
# kill -9 against its floor, the Zeus session timeout.
# Usage: bench/cluster-core.sh [OPS] [FAILOVERS]   (needs ./cairn build)
set -euo pipefail
. "$(dirname "$0")/../bin/lib.sh"
find_jdk
ops="${1:-2000}"; failovers="${2:-3}"
work=$(mktemp -d /tmp/cairn-bench-cluster.XXXXXX)
ips=(127.0.1.61 127.0.1.62 127.0.1.63)
cleanup() { bench_cluster_stop "$work"; }
trap cleanup EXIT
bench_cluster "$work" bench "${ips[@]}"
cp_dir="$CAIRN_ROOT/bench/io.cairn.bench/target"
cp="$cp_dir/io.cairn.bench-$(project_version).jar:$cp_dir/lib/*"
echo "| Row | raw ZooKeeper p50 µs | raw p99 µs | Cairn p50 µs | Cairn p99 µs | p50 ratio | p99 ratio |"
echo "|---|---|---|---|---|---|---|"
"$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.cairn.bench.ClusterBench "$work/admin" "${ips[0]}" \
  "${ips[0]}:9876,${ips[1]}:9876,${ips[2]}:9876" "$ops"

leader() { # prints "ip epoch" of the Ticker leader as node $1 sees it
  "$CAIRN_ROOT/bin/cairn" cluster status --node "$1" --admin "$work/admin" --json 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(l["address"]+" "+str(l["epoch"]) for l in d["leaders"] if l["role"]=="Ticker"))'
}
echo
echo "| Failover | kill -9 to new Ticker leader (ms) | floor: session timeout (ms) | ratio |"
echo "|---|---|---|---|"
for f in $(seq "$failovers"); do
  read -r lip lep < <(leader "${ips[0]}" || leader "${ips[1]}")
  for i in 0 1 2; do [ "${ips[$i]}" = "$lip" ] && victim=$i; done
  other=$(( (victim + 1) % 3 ))
  t0=$(date +%s%N)
  kill -9 "$(cat "$work/n$victim/run/node.pid")"
  while :; do
    read -r nip nep < <(leader "${ips[$other]}" || echo "- 0")
    if [ "$nip" != "$lip" ] && [ "$nip" != "-" ] && [ "${nep:-0}" -gt "$lep" ]; then break; fi
    [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 60 ] || { echo "no new leader within 60 s" >&2; exit 1; }
    sleep 0.1
  done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "| $f (epoch $lep -> $nep) | $ms | 6000 | $(awk -v a="$ms" 'BEGIN{printf "%.2f", a/6000}')× |"
  rm -f "$work/n$victim/run/ready"
  "$CAIRN_ROOT/bin/cairn" node start --home "$work/n$victim" --ip "${ips[$victim]}" >/dev/null
  sleep 8
done
