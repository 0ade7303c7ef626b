#!/usr/bin/env bash
# The real Netty allocator's alloc+free cost (CostLoop.java), caches off and on.
#   tools/netty-replay/cost.sh [--netty 4.1.48|4.1.118|4.2.13]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
netty=4.1.48
[ "${1:-}" = --netty ] && netty="${2:?--netty needs a version}"
build=$(bash "$here/run.sh" --build --netty "$netty")
case "$netty" in
  4.1.48) cp=/usr/share/java/netty-buffer.jar:/usr/share/java/netty-common.jar ;;
  *) dir=$("$root/tools/pypi-fetch/fetch.sh" netty "$netty")
     cp="$dir/netty-buffer-$netty.Final.jar:$dir/netty-common-$netty.Final.jar" ;;
esac
out="$build-cost"
mkdir -p "$out"
javac --release 17 -encoding UTF-8 -cp "$cp" -d "$out" "$here/CostLoop.java"
for mode in plain cached; do
  java -XX:MaxDirectMemorySize=1g -Dio.netty.tryReflectionSetAccessible=true \
    --add-opens java.base/java.nio=ALL-UNNAMED -Dio.netty.leakDetection.level=disabled \
    -cp "$out:$cp" CostLoop "$mode"
done
