#!/usr/bin/env bash
# hal.linux BlockDevice (O_DIRECT, one request in flight per thread) against fio (psync engine,
# direct=1, numjobs = queue depth) on the same file in the same run.
# Each row runs fio and Cairn alternately RUNS times (after one untimed warm-up pass of each) and
# reports the medians, so that drift of the shared virtual disk hits both sides alike.
# Usage: bench/hal-disk.sh [SECONDS_PER_ROW] [FILE_SIZE_MIB] [DIR] [RUNS]
set -euo pipefail
. "$(dirname "$0")/../bin/lib.sh"
find_jdk
"$CAIRN_ROOT/bin/setup" block >/dev/null
secs="${1:-10}"; mib="${2:-1024}"; dir="${3:-$CAIRN_ROOT/bench/target}"; runs="${4:-3}"
mkdir -p "$dir"; file="$dir/hal-disk-bench.img"; size=$((mib * 1024 * 1024))
trap 'rm -f "$file"' EXIT
cp_dir="$CAIRN_ROOT/bench/io.cairn.bench/target"
[ -d "$cp_dir/lib" ] || die "build first: ./cairn build"
cp="$cp_dir/io.cairn.bench-$(project_version).jar:$cp_dir/lib/*"
java -cp "$cp" io.cairn.bench.DiskBench "$file" "$size" write 1048576 1 2 >/dev/null   # allocate and fill

fio_row() { # mode bs qd -> "iops bw lat"
  fio --name=b --filename="$file" --size="$size" --direct=1 --rw="$1" --bs="$2" --ioengine=psync --numjobs="$3" \
      --group_reporting --time_based --runtime="$secs" --output-format=json 2>/dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; d=j["write" if "write" in sys.argv[1] else "read"]; print(int(d["iops"]), int(d["bw_bytes"]), int(d["lat_ns"]["mean"]))' "$1"
}
java_row() {
  java -cp "$cp" io.cairn.bench.DiskBench "$file" "$size" "$1" "$2" "$3" "$secs" |
    sed -E 's/iops=([0-9]+) bw_bytes=([0-9]+) mean_lat_ns=([0-9]+)/\1 \2 \3/'
}
printf '| Row | fio IOPS | Cairn IOPS | ratio | fio MB/s | Cairn MB/s | fio mean lat µs | Cairn mean lat µs |\n|---|---|---|---|---|---|---|---|\n'
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for row in "randread 4096 1" "randread 4096 32" "randwrite 4096 1" "randwrite 4096 32" "read 1048576 1" "write 1048576 1"; do
  set -- $row
  fio_row "$1" "$2" "$3" >/dev/null; java_row "$1" "$2" "$3" >/dev/null   # warm-up, not counted
  fis=(); fbs=(); fls=(); jis=(); jbs=(); jls=()
  for r in $(seq "$runs"); do
    read -r a b c < <(fio_row "$1" "$2" "$3"); fis+=("$a"); fbs+=("$b"); fls+=("$c")
    read -r a b c < <(java_row "$1" "$2" "$3"); jis+=("$a"); jbs+=("$b"); jls+=("$c")
  done
  fi=$(printf '%s\n' "${fis[@]}" | median); fb=$(printf '%s\n' "${fbs[@]}" | median); fl=$(printf '%s\n' "${fls[@]}" | median)
  ji=$(printf '%s\n' "${jis[@]}" | median); jb=$(printf '%s\n' "${jbs[@]}" | median); jl=$(printf '%s\n' "${jls[@]}" | median)
  awk -v r="$1 bs=$2 QD$3" -v fi="$fi" -v ji="$ji" -v fb="$fb" -v jb="$jb" -v fl="$fl" -v jl="$jl" 'BEGIN {
    printf "| %s | %d | %d | %.2f× | %.1f | %.1f | %.1f | %.1f |\n", r, fi, ji, (fi > 0 ? ji / fi : 0), fb / 1e6, jb / 1e6, fl / 1e3, jl / 1e3 }'
done
