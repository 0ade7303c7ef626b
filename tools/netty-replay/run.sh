#!/usr/bin/env bash
# Replays a memsim trace through a real Netty PooledByteBufAllocator and prints JSON.
#
#   tools/netty-replay/run.sh TRACE [--arenas N] [--page-size B] [--max-order K] [--tiny-cache-size N]
#       [--small-cache-size N] [--normal-cache-size N] [--use-cache-for-all-threads true|false]
#       [--max-direct-memory B] [--cores N] [--netty 4.1.48|4.1.118|4.2.13]
#   tools/netty-replay/run.sh --batch [--max-direct-memory B] [--cores N] [--netty V] < JOBS
#       # JOBS: lines 'OUT TRACE [allocator options]', one JVM for all of them
#   tools/netty-replay/run.sh --build [--netty V]   # only compile; prints the build directory
#
# --netty picks the jars: 4.1.48 (the default) is Debian's libnetty-java; 4.1.118 and 4.2.13 are
# fetched from PyPI and cached by tools/pypi-fetch/fetch.sh (4.2.13: its PooledByteBufAllocator).
#
# Compiles NettyReplay.java into target/netty-replay/ (or $NETTY_REPLAY_BUILD_DIR) when the classes are
# missing or older than the source, then starts java with the flags the replay needs (README.md).
# Extra JVM flags (e.g. -Xmx16m to provoke garbage collections) can be given in NETTY_REPLAY_JAVA_OPTS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
src="$here/NettyReplay.java"
out="${NETTY_REPLAY_BUILD_DIR:-$root/target/netty-replay}"

# The version: the value after --netty anywhere in the arguments.
netty=4.1.48
prev=
for a in "$@"; do
  [ "$prev" = --netty ] && netty="$a"
  prev="$a"
done

die() {
  echo "netty-replay: $*" >&2
  exit 1
}

for tool in java javac; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "'$tool' not found: install a JDK 17 and Netty 4.1.48 with: apt-get install -y openjdk-17-jdk-headless libnetty-java"
done
case "$netty" in
  4.1.48)
    jars=(/usr/share/java/netty-buffer.jar /usr/share/java/netty-common.jar)
    for jar in "${jars[@]}"; do
      [ -r "$jar" ] || die "$jar not found: install Netty 4.1.48 with: apt-get install -y libnetty-java"
    done
    ;;
  4.1.118 | 4.2.13)
    dir=$("$root/tools/pypi-fetch/fetch.sh" netty "$netty") || die "fetching Netty $netty's jars failed"
    jars=("$dir/netty-buffer-$netty.Final.jar" "$dir/netty-common-$netty.Final.jar")
    out="$out-$netty"
    ;;
  *) die "--netty $netty: expected 4.1.48, 4.1.118 or 4.2.13" ;;
esac
cp="${jars[0]}:${jars[1]}"

# Compile under a lock, into a fresh directory that replaces the old one, so that concurrent runs never
# see a half-written build.
build() {
  mkdir -p "$(dirname "$out")"
  exec 9>"$out.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [ ! -f "$out/NettyReplay.class" ] || [ "$src" -nt "$out/NettyReplay.class" ]; then
    local tmp
    tmp=$(mktemp -d "$out.tmp.XXXXXX")
    if ! javac --release 17 -encoding UTF-8 -cp "$cp" -d "$tmp" "$src" >&2; then
      rm -rf "$tmp"
      die "javac failed on $src"
    fi
    rm -rf "$out"
    mv "$tmp" "$out"
  fi
  exec 9>&-
}

if [ "${1:-}" = "--build" ]; then
  [ $# -eq 1 ] || [ $# -eq 3 -a "${2:-}" = --netty ] || die "--build takes no other arguments than --netty V"
  build
  echo "$out"
  exit 0
fi

if [ "${1:-}" = "--adaptive" ]; then
  shift
  exec "$here/run-adaptive.sh" "$@"
fi

[ $# -ge 1 ] || { echo "usage: $0 TRACE [options] | --build | --adaptive ... (see $here/README.md)" >&2; exit 2; }
build

# -Dio.netty.availableProcessors (default 2) and -Dio.netty.maxDirectMemory from the options; the
# options are passed through too (NettyReplay sets the same properties before loading Netty).
cores=2
props=()
args=("$@")
for ((i = 1; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --cores) cores="${args[$((i + 1))]:-}" ;;
    --max-direct-memory) props+=("-Dio.netty.maxDirectMemory=${args[$((i + 1))]:-}") ;;
  esac
done

exec java \
  -XX:MaxDirectMemorySize=1g \
  -Dio.netty.tryReflectionSetAccessible=true \
  --add-opens java.base/java.nio=ALL-UNNAMED \
  -Dio.netty.availableProcessors="$cores" \
  -Dio.netty.leakDetection.level=disabled \
  "${props[@]}" \
  -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
  ${NETTY_REPLAY_JAVA_OPTS:-} \
  -cp "$out:$cp" \
  NettyReplay "$@"
