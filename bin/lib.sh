# Shared helpers for Cairn's scripts (sourced, not run).
# shellcheck shell=bash

CAIRN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CAIRN_JDK_DEFAULT=/usr/lib/jvm/temurin-25-jdk-amd64

die() { echo "cairn: $*" >&2; exit 2; }
info() { echo "cairn: $*" >&2; }

java_major() { # prints the feature version of the java binary $1
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

# Finds JDK 25+ (JAVA_HOME first, then the Temurin location, then any JDK under /usr/lib/jvm),
# exports JAVA_HOME and PATH, or stops with a message saying what to do.
# CAIRN_JDK_CANDIDATES (space-separated) replaces the search list; tests use it.
find_jdk() {
  local c candidates
  if [ -n "${CAIRN_JDK_CANDIDATES:-}" ]; then read -r -a candidates <<< "$CAIRN_JDK_CANDIDATES"
  else candidates=("${JAVA_HOME:-}" "$CAIRN_JDK_DEFAULT" /usr/lib/jvm/*); fi
  for c in "${candidates[@]}"; do
    [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
    local v; v=$(java_major "$c/bin/java")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$c" PATH="$c/bin:$PATH"
      export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
      return 0
    fi
  done
  die "no JDK 25 found (looked at: ${candidates[*]}). Install a JDK 25 (e.g. Temurin 25 at $CAIRN_JDK_DEFAULT) or set JAVA_HOME to one."
}

mvn_cmd() { # maven in batch mode with the project's defaults
  command -v mvn >/dev/null || die "Maven is not installed; run bin/setup first"
  mvn -B -ntp -Dstyle.color=never "$@"
}

project_version() {
  sed -n 's#^  <version>\(.*\)</version>#\1#p' "$CAIRN_ROOT/pom.xml" | head -n1
}

image_archive() { echo "$CAIRN_ROOT/appliance-image/target/cairn-appliance-$(project_version).tar.gz"; }

# The class path of the command-line tools (io.cairn.cli and its libraries): every jar in lib/ beside
# this file when the tools are installed on their own (bin/ncli, bin/acli and bin/lib.sh copied with
# the jars into lib/, see the cli readme), else the checkout's build output. Stops with a message when
# neither is there.
cli_classpath() {
  local here dir jar
  here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
  if ls "$here"/lib/io.cairn.cli*.jar > /dev/null 2>&1; then echo "$here/lib/*"; return 0; fi
  dir="$CAIRN_ROOT/bundles/io.cairn.cli/target"
  jar=$(ls "$dir"/io.cairn.cli-*.jar 2>/dev/null | grep -v -- '-tests.jar' | head -n1 || true)
  [ -n "$jar" ] && [ -d "$dir/lib" ] || die "the cairn command-line tools are not built; run ./cairn build first"
  echo "$jar:$dir/lib/*"
}

# Runs a main class of the command-line tools (JDK 25 found by find_jdk first): cli_run CLASS ARGS...
cli_run() {
  local main="$1" cp; shift
  cp=$(cli_classpath) || exit 2
  exec "$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" "$main" "$@"
}

# Runs the cairn command-line tool (cluster, genesis, ... over the controllers' RPC port).
cli_tool() {
  local cp; cp=$(cli_classpath) || exit 2
  "$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.cairn.cli.Main "$@"
}

image_tool() {
  local dir="$CAIRN_ROOT/appliance-image/io.cairn.image/target"
  local jar; jar=$(ls "$dir"/io.cairn.image-*.jar 2>/dev/null | grep -v -- '-tests.jar' | head -n1)
  [ -n "$jar" ] && [ -d "$dir/lib" ] || die "the image tool is not built; run ./cairn build first"
  java -cp "$jar:$dir/lib/*" io.cairn.image.ImageTool "$@"
}

# bench_cluster DIR NAME IP...: starts a debug-image controller per IP (homes DIR/n0, DIR/n1, ...) and
# forms them into cluster NAME with admin credentials in DIR/admin; stop them with bench_cluster_stop DIR.
bench_cluster() {
  local dir="$1" name="$2" image i=0 ip list
  shift 2
  image=$(ls "$CAIRN_ROOT"/appliance-image/target/cairn-appliance-debug-*.tar.gz | head -n1)
  for ip in "$@"; do "$CAIRN_ROOT/bin/cairn" node start --home "$dir/n$i" --ip "$ip" --image "$image" >/dev/null & i=$((i + 1)); done
  wait
  list=$(IFS=,; echo "$*")
  "$CAIRN_ROOT/bin/cairn" cluster create --nodes "$list" --admin "$dir/admin" --name "$name" >/dev/null
}

# bench_medusa_ready DIR IP: waits (at most 150 s) until every Medusa shard of the cluster bench_cluster formed
# in DIR answers through node IP; exits the bench when it does not.
bench_medusa_ready() {
  local dir="$1" ip="$2" t0
  t0=$(date +%s)
  until "$CAIRN_ROOT/bin/cairn" rpc medusa.status '{}' --json --node "$ip" --admin "$dir/admin" 2>/dev/null | grep -q '"available" : 16'; do
    [ $(( $(date +%s) - t0 )) -lt 150 ] || { echo "Medusa not available after 150 s" >&2; exit 1; }
    sleep 2
  done
}

bench_cluster_stop() {
  local home
  for home in "$1"/n*; do "$CAIRN_ROOT/bin/cairn" node stop --home "$home" >/dev/null 2>&1 || true; done
  rm -rf "$1"
}
