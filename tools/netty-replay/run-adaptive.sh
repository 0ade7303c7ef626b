#!/usr/bin/env bash
# Replays memsim traces through the real Netty 4.2.13 AdaptiveByteBufAllocator (direct buffers) and
# prints one line of JSON per trace (README.md, "Netty 4.2 AdaptiveByteBufAllocator").
#
#   tools/netty-replay/run.sh --adaptive [--cores N] [--max-heap SIZE] [--max-direct-memory B]
#       [--event-loop-threads] TRACE...
#   tools/netty-replay/run.sh --adaptive --build    # only compile; prints the build directory
#
# The jars come from tools/pypi-fetch/fetch.sh (pyspark 4.3.0's, cached, never committed). The harness is
# compiled with NettyReplay.java (whose trace parser it uses) into target/netty-replay-adaptive/ (or
# $NETTY_REPLAY_ADAPTIVE_BUILD_DIR). --max-heap sets -Xmx (G1, so Runtime.maxMemory() is exactly that),
# which decides Netty's low-memory mode (maxMemory <= 512 MiB); default 1g.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out="${NETTY_REPLAY_ADAPTIVE_BUILD_DIR:-$root/target/netty-replay-adaptive}"

die() {
  echo "netty-replay (adaptive): $*" >&2
  exit 1
}

for tool in java javac; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found: install a JDK 17 (apt-get install -y openjdk-17-jdk-headless)"
done
jardir=$("$root/tools/pypi-fetch/fetch.sh" netty 4.2.13) || die "tools/pypi-fetch/fetch.sh netty 4.2.13 failed"
cp="$jardir/netty-buffer-4.2.13.Final.jar:$jardir/netty-common-4.2.13.Final.jar"

build() {
  mkdir -p "$(dirname "$out")"
  exec 9>"$out.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [ ! -f "$out/AdaptiveReplay.class" ] || [ "$here/AdaptiveReplay.java" -nt "$out/AdaptiveReplay.class" ] ||
    [ "$here/AdaptiveContention.java" -nt "$out/AdaptiveReplay.class" ] ||
    [ "$here/NettyReplay.java" -nt "$out/AdaptiveReplay.class" ]; then
    local tmp
    tmp=$(mktemp -d "$out.tmp.XXXXXX")
    if ! javac --release 17 -nowarn -encoding UTF-8 -cp "$cp" -d "$tmp" "$here/AdaptiveReplay.java" \
      "$here/AdaptiveContention.java" "$here/NettyReplay.java" >&2; then
      rm -rf "$tmp"
      die "javac failed"
    fi
    rm -rf "$out"
    mv "$tmp" "$out"
  fi
  exec 9>&-
}

# --contention OUT THREADS OPS RUNS SEED: AdaptiveContention (README.md) instead of the replay.
main=AdaptiveReplay
if [ "${1:-}" = "--contention" ]; then
  main=AdaptiveContention
  shift
fi

if [ "${1:-}" = "--build" ]; then
  build
  echo "$out"
  exit 0
fi
[ $# -ge 1 ] || { echo "usage: $0 [--cores N] [--max-heap SIZE] [--max-direct-memory B] TRACE... (see $here/README.md)" >&2; exit 2; }
build

cores=2
heap=1g
props=()
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cores) cores="${2:-}"; args+=("$1" "${2:-}"); shift 2 ;;
    --max-heap) heap="${2:-}"; shift 2 ;;
    --max-direct-memory) props+=("-Dio.netty.maxDirectMemory=${2:-}"); args+=("$1" "${2:-}"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

exec java \
  -XX:ActiveProcessorCount="$cores" \
  -Dio.netty.availableProcessors="$cores" \
  -Xmx"$heap" -XX:+UseG1GC \
  -XX:MaxDirectMemorySize=1g \
  -Dio.netty.tryReflectionSetAccessible=true \
  --add-opens java.base/java.nio=ALL-UNNAMED \
  -Dio.netty.leakDetection.level=disabled \
  "${props[@]}" \
  -XX:TieredStopAtLevel=1 -Xshare:auto \
  ${NETTY_REPLAY_JAVA_OPTS:-} \
  -cp "$out:$cp" \
  "$main" "${args[@]}"
