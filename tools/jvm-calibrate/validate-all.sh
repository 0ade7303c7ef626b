#!/usr/bin/env bash
# Measures the validation battery into tools/jvm-calibrate/validation/ (one JVM at a time).
# Nothing in memsim is ever fitted on these: they are workload shapes the fit set
# (run-all.sh → results/) does not have — real library classes, heaps sized without -Xms, a long
# churn, a failed direct reservation, a C1-only JVM, a small unsegmented code cache, many deep
# threads under Serial, and a real program (Debian's H2 database server under a JDBC load).
#
#   tools/jvm-calibrate/validate-all.sh          # all (~6 minutes on 2 cores)
#   tools/jvm-calibrate/validate-all.sh REGEX    # only the configurations whose name matches
#
# Needs a JDK 17 and the Debian jars: apt-get install -y openjdk-17-jdk-headless libbcprov-java
# libcommons-math3-java libxerces2-java libh2-java (.ci/run installs them).
# Exit code 1 if any configuration failed (the others are still measured).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/validation
src=$here/validation
build=$root/target/jvm-calibrate-validation
# JDK 21's validation set (`--jdk JAVA_HOME [REGEX]`, into validation-jdk21/): shapes JDK 21's fit
# set (run-all.sh --jdk) does not have. The H2 program is not run on 21 (measure_h2.py starts the
# PATH's java).
JDK21_VALIDATION='^(v-vt-parallel-2g-50k-d50|v-vt-serial-512m-5k-d100-churn|v-jars-bcprov-g1-1g|v-jars-math3-xerces-parallel-noxms|v-g1-noxms-live-churn|v-c1-only-hot3k|v-parallel-codecache24m-hot3k|v-serial-400t-deep|v-live-jars-math3-serial|v-live-g1-noxms-churn)$'
jdk_opts=()
if [ "${1:-}" = "--jdk" ]; then
  jdk_opts=(--jdk "$2")
  out=$here/validation-jdk21
  mkdir -p "$out"
  shift 2
  filter=${1:-$JDK21_VALIDATION}
else
  filter=${1:-.}
fi
child=
failed=()
J=/usr/share/java

trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; echo "validate-all: interrupted" >&2; exit 130' INT TERM HUP

mkdir -p "$build"
javac --release 17 -nowarn -d "$build" "$src/JarLoad.java" "$src/H2Client.java" || exit 1

wait_child() {
  child=$!
  wait "$child"
  local rc=$?
  child=
  if [ "$rc" -ne 0 ]; then failed+=("$1"); fi
}

# run NAME [driver options] -- JVM flags -- Workload args
run() {
  local name=$1
  shift
  [[ $name =~ $filter ]] || return 0
  python3 "$here/measure.py" "$name" --results "$out" ${jdk_opts[@]+"${jdk_opts[@]}"} "$@" &
  wait_child "$name"
}

# jars NAME JAR[:JAR…] [driver options] -- JVM flags -- Workload args: JarLoad loads and
# initializes every class of the jars, then runs Workload with the args.
jars() {
  local name=$1 list=$2
  shift 2
  [[ $name =~ $filter ]] || return 0
  local dopts=()
  while [ "$1" != "--" ]; do dopts+=("$1"); shift; done
  shift
  local flags=()
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  python3 "$here/measure.py" "$name" --results "$out" ${jdk_opts[@]+"${jdk_opts[@]}"} --main JarLoad --classpath "$build:$list" \
    "${dopts[@]}" -- "${flags[@]}" -- --jars "$list" -- "$@" &
  wait_child "$name"
}

# h2 NAME [measure_h2 options] -- JVM flags: the H2 server under a JDBC load.
h2() {
  local name=$1
  shift
  [[ $name =~ $filter ]] || return 0
  [ ${#jdk_opts[@]} -eq 0 ] || return 0
  python3 "$src/measure_h2.py" "$name" --results "$out" "$@" &
  wait_child "$name"
}

# --- real library classes (none of them in the fit set's guava/commons-lang3/jackson)
jars v-jars-bcprov-g1-1g $J/bcprov.jar \
  -- -XX:+UseG1GC -Xms1g -Xmx1g -- --threads 20 --churn 16m
jars v-jars-math3-xerces-parallel-noxms $J/commons-math3.jar:$J/xercesImpl.jar \
  -- -XX:+UseParallelGC -Xmx1g -- --threads 30 --stack-depth 300 --live-heap 200m --churn 64m
jars v-jars-mapped-unsafe-g1-xms256m $J/bcprov.jar:$J/commons-math3.jar \
  -- -XX:+UseG1GC -Xms256m -Xmx768m -- --threads 100 --stack-depth 800 --mapped 200m --unsafe 100m
# a failed direct reservation after class loading left garbage on the heap
jars v-direct-failed-g1 $J/commons-math3.jar \
  -- -XX:+UseG1GC -Xms512m -Xmx512m -XX:MaxDirectMemorySize=32m -- --threads 10 --direct 96m --churn 32m

# --- heaps sized without -Xms, with live data and churn; a long churn
run v-g1-noxms-live-churn -- -XX:+UseG1GC -Xmx2g \
  -- --threads 50 --stack-depth 300 --live-heap 600m --churn 200m
run v-parallel-noxms-live-churn -- -XX:+UseParallelGC -Xmx3g \
  -- --threads 40 --live-heap 900m --churn 300m --classes 3000
run v-g1-noxms-long-churn-2min --settle 120 -- -XX:+UseG1GC -Xmx1g \
  -- --threads 10 --live-heap 300m --churn 400m

# --- compilation: C1 only; a small unsegmented code cache
run v-c1-only-hot3k -- -XX:+UseG1GC -Xms512m -Xmx512m -XX:TieredStopAtLevel=1 \
  -- --threads 20 --hot-methods 3000 --classes 2000
run v-parallel-codecache24m-hot3k -- -XX:+UseParallelGC -Xms512m -Xmx512m -XX:ReservedCodeCacheSize=24m \
  -- --threads 10 --hot-methods 3000

# --- many threads with deep stacks under Serial
run v-serial-400t-deep -- -XX:+UseSerialGC -Xms256m -Xmx256m -Xss512k \
  -- --threads 400 --stack-depth 1500 --churn 16m

# --- the two configurations crates/memsim-engine/tests/calibration.rs re-measures live in CI
jars v-live-jars-math3-serial $J/commons-math3.jar \
  -- -XX:+UseSerialGC -Xms128m -Xmx128m -- --threads 30 --stack-depth 500
run v-live-g1-noxms-churn -- -XX:+UseG1GC -Xmx512m -- --threads 20 --live-heap 100m --churn 64m

# --- JDK 21 only: virtual threads under Parallel and Serial, no System.gc(), with platform threads
if [ ${#jdk_opts[@]} -gt 0 ]; then
  run v-vt-parallel-2g-50k-d50 -- -XX:+UseParallelGC -Xms2g -Xmx2g \
    -- --threads 20 --virtual-threads 50000 --stack-depth 50
  run v-vt-serial-512m-5k-d100-churn -- -XX:+UseSerialGC -Xms512m -Xmx512m \
    -- --threads 10 --stack-depth 100 --virtual-threads 5000 --churn 16m
fi

# --- a real program: Debian's H2 database server (TCP, loopback only) under a JDBC load
h2 v-h2-server-g1-xmx1g --rows 200000 --connections 8 --load-s 20 -- -Xmx1g
h2 v-h2-server-parallel-maxram5 --rows 100000 --connections 16 --load-s 20 \
  -- -XX:+UseParallelGC -XX:MaxRAMPercentage=5 -Xss512k

if [ ${#failed[@]} -gt 0 ]; then
  echo "validate-all: FAILED: ${failed[*]}" >&2
  exit 1
fi
