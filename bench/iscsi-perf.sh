#!/usr/bin/env bash
# Cairn's iSCSI portal against tgt (issue #8's bench), in the same run on the same file system:
#  - a 3-node loopback cluster (debug image, C2 JIT) on 127.0.1.91-93, an RF1 and an RF2 container with one vDisk of
#    SIZE_MIB each, served by node 0's portal (127.0.1.91:3261, target iqn.2010-06.org.cairn:vmdisk-<uuid>, LUN 0);
#  - tgtd (Debian tgt) on 127.0.1.94:3260 with its own control port, one target with two LUNs backed by plain files of
#    SIZE_MIB next to the node homes: LUN 1 opened normally (writes land in the page cache, tgt's default) and LUN 2
#    with --bsoflags sync (O_SYNC: a write is on the disk when acknowledged, as Cairn's OpLog is).
# Every LUN is written in full first (1 MiB sequential writes of a 0xa5 pattern with qemu-img bench over iscsi://), so
# reads read data. Then, for DURATION seconds each at queue depth QD (the same for every target):
#  - 4 KiB random read: iscsi-randio (bench/iscsi-randio.c, libiscsi, 4 KiB-aligned, latency) and iscsi-perf -r;
#  - 4 KiB random write: iscsi-randio (iscsi-perf only reads);
#  - both again on the Cairn vDisks with fio's nbd engine on node 0's local NBD socket: Stargate without the iSCSI
#    engine, which tells the engine's share of the gap from Stargate's.
# Prints a table of IOPS, MiB/s, p50/p99 latency and the ratios to tgt, and appends it as a dated section to
# bench/RESULTS.md (CAIRN_BENCH_NO_RESULTS=1: print only).
# Usage: bench/iscsi-perf.sh   (needs gcc, libiscsi7, libiscsi-bin, qemu-utils with qemu-block-extra, tgt, fio; builds
#        with ./cairn build if there is no debug image; CAIRN_BENCH_BUILD_ARGS are passed to that build)
# Knobs: DURATION (s, default 15), QD (default 32), SIZE_MIB (default 1024), REPEAT (rounds over all rows, default 3;
#        the table has the median IOPS and every round's), CAIRN_BENCH_JFR=1 records a JFR profile of
#        node 0 during the Cairn rows (kept in /tmp/cairn-bench-iscsi-<time>.jfr), CAIRN_BENCH_KEEP_LOGS=1.
set -euo pipefail
. "$(dirname "$0")/../bin/lib.sh"
find_jdk
duration="${DURATION:-15}"; qd="${QD:-32}"; size_mib="${SIZE_MIB:-1024}"; repeat="${REPEAT:-3}"
size=$((size_mib * 1048576))
ips=(127.0.1.91 127.0.1.92 127.0.1.93)
tgt_ip=127.0.1.94; tgt_port=3260; tgt_ctl=9194 # tgtd's management socket is /var/run/tgtd/socket.$tgt_ctl
tgt_iqn=iqn.2026-12.org.cairn:bench-tgt
for tool in gcc iscsi-perf qemu-img tgtd tgtadm; do command -v "$tool" >/dev/null || die "iscsi-perf bench: $tool is not installed"; done
libiscsi=$(ls /usr/lib/x86_64-linux-gnu/libiscsi.so.* 2>/dev/null | head -n1)
[ -n "$libiscsi" ] || die "iscsi-perf bench: libiscsi is not installed (apt-get install libiscsi7)"
if pgrep -f "tgtd .*-C $tgt_ctl " >/dev/null; then die "iscsi-perf bench: a tgtd with control port $tgt_ctl runs already; stop it first"; fi
rm -f "/var/run/tgtd/socket.$tgt_ctl" "/var/run/tgtd/socket.$tgt_ctl.lock" # left by a killed run
ls "$CAIRN_ROOT"/appliance-image/target/cairn-appliance-debug-*.tar.gz >/dev/null 2>&1 || {
  info "no debug image: building it"; "$CAIRN_ROOT/bin/cairn" build ${CAIRN_BENCH_BUILD_ARGS:-}; }

work=$(mktemp -d /tmp/cairn-bench-iscsi.XXXXXX)
tgt_pid=""
tgt_stop() {
  [ -n "$tgt_pid" ] || return 0
  tgtadm -C "$tgt_ctl" --lld iscsi --mode target --op delete --force --tid 1 >/dev/null 2>&1 || true
  tgtadm -C "$tgt_ctl" --mode system --op delete >/dev/null 2>&1 || true
  for _ in $(seq 20); do kill -0 "$tgt_pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$tgt_pid" 2>/dev/null || true
  wait "$tgt_pid" 2>/dev/null || true
  rm -f "/var/run/tgtd/socket.$tgt_ctl" "/var/run/tgtd/socket.$tgt_ctl.lock"
  tgt_pid=""
}
cleanup() {
  local rc=$?
  tgt_stop
  if [ "$rc" != 0 ] || [ -n "${CAIRN_BENCH_KEEP_LOGS:-}" ]; then
    local keep="/tmp/cairn-bench-iscsi-logs.$(date +%s)"
    mkdir -p "$keep" && for n in "$work"/n*; do cp "$n/logs/controller.log" "$keep/$(basename "$n").log" 2>/dev/null || true; done
    cp "$work"/*.log "$work/results.txt" "$work/header.txt" "$keep/" 2>/dev/null || true # the rows measured so far too
    echo "logs kept in $keep" >&2
  fi
  bench_cluster_stop "$work" # stops only the controllers whose homes are under $work, then removes it
}
trap cleanup EXIT

gcc -O2 -Wall -o "$work/iscsi-randio" "$CAIRN_ROOT/bench/iscsi-randio.c" "$libiscsi"
CAIRN_JVM_OPTS="${CAIRN_JVM_OPTS:--XX:TieredStopAtLevel=4}" bench_cluster "$work" iscsibench "${ips[@]}"
cli() { "$CAIRN_ROOT/bin/cairn" "$@" --node "${ips[0]}" --admin "$work/admin"; }
bench_medusa_ready "$work" "${ips[0]}"
cli ncli ctr create name=rf1 rf=1 >/dev/null
cli ncli ctr create name=rf2 rf=2 >/dev/null
cli ncli vdisk create ctr=rf1 name=b size="${size_mib}M" >/dev/null
cli ncli vdisk create ctr=rf2 name=b size="${size_mib}M" >/dev/null
uuid() { cli rpc stargate.vdisk.ls "{\"ctr\":\"$1\"}" --json | python3 -c '
import json, sys
print([v["uuid"] for v in json.load(sys.stdin)["vdisks"] if v["name"] == "b"][0])'; }
rf1_iqn="iqn.2010-06.org.cairn:vmdisk-$(uuid rf1)"; rf2_iqn="iqn.2010-06.org.cairn:vmdisk-$(uuid rf2)"

# tgt: backing files on the file system of the node homes
truncate -s "$size" "$work/tgt-1.img" "$work/tgt-2.img"
tgtd -f -C "$tgt_ctl" --iscsi portal="$tgt_ip:$tgt_port" >"$work/tgtd.log" 2>&1 &
tgt_pid=$!
for _ in $(seq 50); do [ -S "/var/run/tgtd/socket.$tgt_ctl" ] && break; sleep 0.1; done
ta() { tgtadm -C "$tgt_ctl" --lld iscsi "$@"; }
ta --mode target --op new --tid 1 --targetname "$tgt_iqn"
ta --mode logicalunit --op new --tid 1 --lun 1 --backing-store "$work/tgt-1.img"
ta --mode logicalunit --op new --tid 1 --lun 2 --backing-store "$work/tgt-2.img" --bsoflags sync
ta --mode target --op bind --tid 1 --initiator-address ALL

# name portal iqn lun
targets=("cairn-rf1 ${ips[0]}:3261 $rf1_iqn 0" "cairn-rf2 ${ips[0]}:3261 $rf2_iqn 0" "tgt $tgt_ip:$tgt_port $tgt_iqn 1"
  "tgt-sync $tgt_ip:$tgt_port $tgt_iqn 2")
echo "$(date -u '+%F %H:%M') UTC; ${size_mib} MiB LUNs, QD${qd}, ${duration}s per row, ${repeat} rounds; homes and tgt files in $work ($(df --output=fstype,source "$work" | tail -n1 | tr -s ' ')); $(nproc) cores; uptime before: $(uptime)" | tee "$work/header.txt" >&2
for t in "${targets[@]}"; do # fill every LUN (node 0 takes the Cairn vDisks on their first write)
  read -r name portal iqn lun <<< "$t"
  s=$(date +%s.%N)
  qemu-img bench -w -f raw -s 1M -S 1M -c "$size_mib" -d 8 --pattern=0xa5 "iscsi://$portal/$iqn/$lun" >"$work/fill-$name.log" 2>&1 ||
    { cat "$work/fill-$name.log" >&2; exit 1; }
  echo "filled $name in $(python3 -c "print('%.1f' % ($(date +%s.%N) - $s))") s" >&2
done
sleep 5 # let the OpLog drain start before the reads

jfr=""
if [ -n "${CAIRN_BENCH_JFR:-}" ]; then
  jfr="/tmp/cairn-bench-iscsi-$(date +%s).jfr"
  jcmd "$(cat "$work/n0/run/node.pid")" JFR.start name=iscsibench settings=profile filename="$jfr" >/dev/null
fi
results="$work/results.txt"; : >"$results"
row() { # tool op name portal iqn lun
  local tool="$1" op="$2" name="$3" portal="$4" iqn="$5" lun="$6" out load
  load=$(cut -d' ' -f1 /proc/loadavg)
  if [ "$tool" = randio ]; then
    out=$("$work/iscsi-randio" "$portal" "$iqn" "$lun" "$size" "$op" "$qd" "$duration" 2>"$work/row.log") ||
      { cat "$work/row.log" >&2; exit 1; }
    read -r iops mibs p50 p99 _ <<< "$out"
  elif [ "$tool" = nbd ]; then # the same vDisk through node 0's local NBD socket: Stargate without the iSCSI engine
    set -f
    fio --name="$op" --ioengine=nbd --uri="nbd+unix:///$name/b?socket=$work/n0/run/nbd.sock" --rw="rand$op" --bs=4k \
      --iodepth="$qd" --size="${size_mib}M" --runtime="$duration" --time_based --output-format=json --output="$work/fio.json" \
      >"$work/row.log" 2>&1 || { set +f; cat "$work/row.log" "$work/fio.json" >&2; exit 1; }
    set +f
    read -r iops mibs p50 p99 < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["jobs"][0][sys.argv[2]]
p = s["clat_ns"].get("percentile", {})
print("%.0f %.1f %.0f %.0f" % (s["iops"], s["bw"] / 1024, p.get("50.000000", 0) / 1000, p.get("99.000000", 0) / 1000))' "$work/fio.json" "$op")
  else # iscsi-perf: random 8-block (4 KiB) reads, prints its average IOPS at the end
    # iscsi-perf waits forever for commands a target never answers: give up 60 s after its run, as iscsi-randio does
    timeout $((duration + 60)) iscsi-perf -r -b 8 -m "$qd" -t "$duration" "iscsi://$portal/$iqn/$lun" >"$work/row.log" 2>&1 ||
      { cat "$work/row.log" >&2; exit 1; }
    iops=$(tr '\r' '\n' <"$work/row.log" | sed -n 's/^iops average \([0-9]*\).*/\1/p' | tail -n1)
    [ -n "$iops" ] || { cat "$work/row.log" >&2; echo "iscsi-perf printed no average" >&2; exit 1; }
    mibs=$(python3 -c "print('%.1f' % ($iops * 4096 / 1048576))"); p50=-; p99=-
  fi
  echo "$tool $op $name $iops $mibs $p50 $p99 $load" | tee -a "$results" >&2
}
for round in $(seq "$repeat"); do # rounds alternate the targets, so a burst of load on the shared machine hits all of them
for op in read write; do
  for t in "${targets[@]}"; do
    read -r name portal iqn lun <<< "$t"
    if [ "$op" = read ] && [ "$name" = tgt-sync ]; then continue; fi # O_SYNC changes nothing for reads
    row randio "$op" "$name" "$portal" "$iqn" "$lun"
    if [ "$op" = read ]; then row iscsi-perf read "$name" "$portal" "$iqn" "$lun"; fi
    case "$name" in cairn-*) row nbd "$op" "${name#cairn-}" "" "" "" ;; esac
  done
done
done
if [ -n "$jfr" ]; then
  jcmd "$(cat "$work/n0/run/node.pid")" JFR.stop name=iscsibench >/dev/null
  echo "JFR profile of node 0: $jfr" >&2
fi
echo "uptime after: $(uptime)" | tee -a "$work/header.txt" >&2

table=$(python3 - "$results" "$qd" <<'EOF'
import sys
qd = sys.argv[2]
runs = {}
for l in open(sys.argv[1]):
    r = l.split()
    runs.setdefault((r[0], r[1], r[2]), []).append(r)
rows, every = [], {}
for key, rs in runs.items(): # the median round by IOPS (the lower middle one of an even count), with its latencies
    rs = sorted(rs, key=lambda r: float(r[3]))
    rows.append(rs[(len(rs) - 1) // 2])
    every[key] = "/".join(r[3] for r in runs[key])
by = {(r[0], r[1], r[2]): r for r in rows}
names = {"rf1": "Cairn RF1, NBD (no iSCSI)", "rf2": "Cairn RF2, NBD (no iSCSI)", "cairn-rf1": "Cairn RF1 (node 0's portal)", "cairn-rf2": "Cairn RF2 (node 0's portal)",
         "tgt": "tgt, plain file (page cache)", "tgt-sync": "tgt, plain file, O_SYNC"}
tools = {"randio": "iscsi-randio", "iscsi-perf": "iscsi-perf -r", "nbd": "fio nbd"}
print("| Job | Tool | Target | IOPS (median) | every round | MiB/s | p50 µs | p99 µs | vs tgt | vs tgt O_SYNC | load 1 min |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for tool, op, name, iops, mibs, p50, p99, load in rows:
    def ratio(base):
        b = by.get(("randio" if tool == "nbd" else tool, op, base))
        return "%.2f×" % (float(iops) / float(b[3])) if b and float(b[3]) > 0 else "–"
    print("| 4k rand%s QD%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (op, qd, tools[tool], names[name], iops,
          every[(tool, op, name)], mibs, p50, p99, ratio("tgt"), ratio("tgt-sync") if op == "write" else "–", load))
EOF
)
echo "$table"
if [ -z "${CAIRN_BENCH_NO_RESULTS:-}" ]; then
  {
    echo
    echo "### Run $(date -u '+%F %H:%M') UTC — \`bench/iscsi-perf.sh\` (DURATION=$duration QD=$qd SIZE_MIB=$size_mib REPEAT=$repeat)"
    echo
    sed 's/^/    /' "$work/header.txt"
    echo
    echo "$table"
  } >>"$CAIRN_ROOT/bench/RESULTS.md"
fi
