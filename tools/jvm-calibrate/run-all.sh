#!/usr/bin/env bash
# Measures every configuration below with measure.py (one JVM at a time), then writes
# results/summary.md with summarize.py.
#
#   tools/jvm-calibrate/run-all.sh            # all configurations (~8 minutes on 2 cores)
#   tools/jvm-calibrate/run-all.sh REGEX      # only the configurations whose name matches REGEX
#   tools/jvm-calibrate/run-all.sh --jdk "$(tools/pypi-fetch/fetch.sh jdk 21)" [REGEX]
#       # JDK 21's fit set: the configurations matching $JDK21_FIT (or REGEX), measured on that
#       # JAVA_HOME (measure.py --jdk) into results-jdk21/; summary.md is JDK 17's and is left alone
#
# Exit code 1 if any configuration failed (the others are still measured and summarized).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# JDK 21's fit set: the shapes that show what changed between 17 and 21 (each collector's native
# structures by heap size, threads, classes and loaders, hidden classes, compiled code, CPU count).
JDK21_FIT='^(c1only-g1-512m-idle|c1only-g1-512m-classes10000|c1only-g1-512m-50t-hot1k|c2only-g1-512m-classes10000|vt0|vt10k-d0|vt10k-d100|vt10k-d400|g1-256m-idle|parallel-256m-idle|serial-256m-idle|g1-default-heap-idle|g1-1g-200t-r1|parallel-2g-100t-hot2k-r1|serial-512m-xms256m-50t-hidden5k|g1-256m-500t-xss256k|g1-2g-50k-classes-50loaders|g1-2g-direct1g-unsafe512m|sweep-(g1|parallel|serial)-(256m|1g|4g)|sweep-classes20000|sweep-hot2000|sweep-t100-depth1000|cpu8-g1-512m-20t-churn|cpu4-parallel-512m-20t-churn|mech-parallel-1g-noxms-live256m-churn32m)$'
jdk_opts=()
results_opts=()
if [ "${1:-}" = "--jdk" ]; then
  jdk_opts=(--jdk "$2")
  results_opts=(--results "$here/results-jdk21")
  shift 2
  filter=${1:-$JDK21_FIT}
else
  filter=${1:-.}
fi
child=
failed=()

# measure.py kills its JVM on SIGTERM; forward INT/TERM/HUP to it and stop.
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; echo "run-all: interrupted" >&2; exit 130' INT TERM HUP

# run NAME [driver options] -- JVM flags -- workload args
run() {
  local name=$1
  shift
  [[ $name =~ $filter ]] || return 0
  python3 "$here/measure.py" "$name" ${jdk_opts[@]+"${jdk_opts[@]}"} ${results_opts[@]+"${results_opts[@]}"} "$@" &
  child=$!
  wait "$child"
  local rc=$?
  child=
  if [ "$rc" -ne 0 ]; then failed+=("$name"); fi
}

# --- idle JVMs per collector: the JVM's own threads and fixed categories
run g1-256m-idle         -- -XX:+UseG1GC -Xms256m -Xmx256m       -- --threads 10
run parallel-256m-idle   -- -XX:+UseParallelGC -Xms256m -Xmx256m -- --threads 10
run serial-256m-idle     -- -XX:+UseSerialGC -Xms256m -Xmx256m   -- --threads 10
run g1-default-heap-idle -- -XX:+UseG1GC                         -- --threads 10

# --- a mid-size service, repeated 3 times for run-to-run spread; and the same with Xss 256k / 2m
for r in 1 2 3; do
  run g1-1g-200t-r$r -- -XX:+UseG1GC -Xms1g -Xmx1g -Xss1m \
    -- --threads 200 --stack-depth 200 --live-heap 256m --churn 32m --classes 5000
done
run g1-1g-200t-xss256k -- -XX:+UseG1GC -Xms1g -Xmx1g -Xss256k \
  -- --threads 200 --stack-depth 200 --live-heap 256m --churn 32m --classes 5000
run g1-1g-200t-xss2m -- -XX:+UseG1GC -Xms1g -Xmx1g -Xss2m \
  -- --threads 200 --stack-depth 200 --live-heap 256m --churn 32m --classes 5000
run g1-1g-200t-depth2000 -- -XX:+UseG1GC -Xms1g -Xmx1g -Xss1m \
  -- --threads 200 --stack-depth 2000 --live-heap 256m --churn 32m --classes 5000

# --- Parallel with and without 2000 hot methods; the hot one repeated 3 times
run parallel-2g-100t -- -XX:+UseParallelGC -Xms2g -Xmx2g -Xss2m \
  -- --threads 100 --stack-depth 2000 --live-heap 512m --churn 64m --classes 5000
for r in 1 2 3; do
  run parallel-2g-100t-hot2k-r$r -- -XX:+UseParallelGC -Xms2g -Xmx2g -Xss2m \
    -- --threads 100 --stack-depth 2000 --live-heap 512m --churn 64m --classes 5000 --hot-methods 2000
done
run parallel-4g-xms1g-100t -- -XX:+UseParallelGC -Xms1g -Xmx4g -Xss1m \
  -- --threads 100 --stack-depth 1000 --live-heap 768m --churn 128m --classes 5000 --loaders 10

# --- Serial
run serial-512m-xms256m-50t-hidden5k -- -XX:+UseSerialGC -Xms256m -Xmx512m \
  -- --threads 50 --stack-depth 500 --live-heap 128m --churn 16m --classes 5000 --hidden true
run serial-4g-200t-xss2m -- -XX:+UseSerialGC -Xms4g -Xmx4g -Xss2m \
  -- --threads 200 --stack-bytes 1m --live-heap 512m --churn 32m --classes 20000

# --- many threads, classes, loaders, hidden classes
run g1-256m-500t-xss256k -- -XX:+UseG1GC -Xms256m -Xmx256m -Xss256k -- --threads 500
run g1-4g-xms512m-500t-xss256k -- -XX:+UseG1GC -Xms512m -Xmx4g -Xss256k \
  -- --threads 500 --stack-bytes 64k --live-heap 1g --churn 64m --classes 20000 --loaders 20
run g1-2g-50k-classes-50loaders -- -XX:+UseG1GC -Xms2g -Xmx2g \
  -- --threads 20 --live-heap 256m --classes 50000 --loaders 50
run g1-1g-20k-hidden -- -XX:+UseG1GC -Xms1g -Xmx1g -- --threads 20 --classes 20000 --hidden true

# --- native memory outside the heap: direct, Unsafe, mapped files
run g1-2g-direct1g-unsafe512m -- -XX:+UseG1GC -Xms2g -Xmx2g \
  -- --threads 50 --stack-depth 200 --live-heap 128m --direct 1g --unsafe 512m
run g1-1g-direct256m-mapped256m -- -XX:+UseG1GC -Xms1g -Xmx1g \
  -- --threads 50 --live-heap 128m --direct 256m --unsafe 64m --mapped 256m
run g1-512m-maxdirect64m-direct100m -- -XX:+UseG1GC -Xms512m -Xmx512m -XX:MaxDirectMemorySize=64m \
  -- --threads 10 --direct 100m

# --- flags: pre-touch, a small code cache with 2000 hot methods
run g1-1g-pretouch -- -XX:+UseG1GC -Xms1g -Xmx1g -XX:+AlwaysPreTouch -- --threads 20 --live-heap 128m
run g1-1g-codecache64m-hot2k -- -XX:+UseG1GC -Xms1g -Xmx1g -XX:ReservedCodeCacheSize=64m \
  -- --threads 20 --classes 5000 --hot-methods 2000

# --- one-factor sweeps around an idle base (G1, Xms=Xmx=512m, 10 parked threads), fitted in summary.md
base=(-XX:+UseG1GC -Xms512m -Xmx512m)
for n in 10 100 250 500; do
  run sweep-threads$n -- "${base[@]}" -- --threads $n
done
for d in 0 1000 4000; do
  run sweep-t100-depth$d -- "${base[@]}" -- --threads 100 --stack-depth $d
done
for c in 0 10000 20000 40000; do
  run sweep-classes$c -- "${base[@]}" -- --threads 10 --classes $c
done
run sweep-classes10000-m2 -- "${base[@]}" -- --threads 10 --classes 10000 --methods-per-class 2
run sweep-classes10000-m32 -- "${base[@]}" -- --threads 10 --classes 10000 --methods-per-class 32
run sweep-classes10000-loaders10 -- "${base[@]}" -- --threads 10 --classes 10000 --loaders 10
run sweep-classes10000-loaders100 -- "${base[@]}" -- --threads 10 --classes 10000 --loaders 100
run sweep-classes10000-hidden -- "${base[@]}" -- --threads 10 --classes 10000 --hidden true
for h in 0 500 2000 5000; do
  run sweep-hot$h -- "${base[@]}" -- --threads 10 --hot-methods $h
done
for gc in g1:G1 parallel:Parallel serial:Serial; do
  for heap in 256m 1g 2g 4g 8g; do
    run sweep-${gc%%:*}-$heap -- -XX:+Use${gc#*:}GC -Xms$heap -Xmx$heap -- --threads 10
  done
done
run sweep-g1-512m -- -XX:+UseG1GC -Xms512m -Xmx512m -- --threads 10
run sweep-g1-3g -- -XX:+UseG1GC -Xms3g -Xmx3g -- --threads 10

# --- ergonomics from the CPU count: the JVM is told N processors (the machine has 2), which sets
# ParallelGCThreads, ConcGCThreads, G1ConcRefinementThreads and CICompilerCount; idle, under churn
# (GC workers are started on demand) and compiling (compiler threads are started on demand)
for n in 1 2 4 8 16 32; do
  cpu=-XX:ActiveProcessorCount=$n
  run cpu$n-g1-512m-idle -- $cpu -XX:+UseG1GC -Xms512m -Xmx512m -- --threads 10
  run cpu$n-g1-512m-20t-churn -- $cpu -XX:+UseG1GC -Xms512m -Xmx512m -- --threads 20 --churn 32m
  run cpu$n-parallel-512m-20t-churn -- $cpu -XX:+UseParallelGC -Xms512m -Xmx512m \
    -- --threads 20 --churn 32m
done
for n in 4 16; do
  run cpu$n-g1-512m-hot2k -- -XX:ActiveProcessorCount=$n -XX:+UseG1GC -Xms512m -Xmx512m \
    -- --threads 10 --hot-methods 2000
done

# --- the chunk pool by compiler: NMT's Arena Chunk is the free chunks HotSpot's resource arenas gave
# back (C2's compiles use the largest arenas), trimmed by a periodic cleaner. A C1-only JVM
# (-XX:TieredStopAtLevel=1) idle, loading 10000 classes and compiling 1000 hot methods with 50
# threads; a C2-only JVM (-XX:-TieredCompilation) loading the same 10000 classes
c1=(-XX:TieredStopAtLevel=1 -XX:+UseG1GC -Xms512m -Xmx512m)
run c1only-g1-512m-idle -- "${c1[@]}" -- --threads 10
run c1only-g1-512m-classes10000 -- "${c1[@]}" -- --threads 10 --classes 10000
run c1only-g1-512m-50t-hot1k -- "${c1[@]}" -- --threads 50 --hot-methods 1000
run c2only-g1-512m-classes10000 -- -XX:-TieredCompilation -XX:+UseG1GC -Xms512m -Xmx512m \
  -- --threads 10 --classes 10000

# --- glibc malloc arenas: 100 threads using zlib (gzip rounds with closed streams, or Deflaters
# kept open) under MALLOC_ARENA_MAX=1, 2 and glibc's default (8 per core: 16 here)
for a in 1 2 default; do
  env=()
  [ "$a" = default ] || env=(--env MALLOC_ARENA_MAX=$a)
  run arena$a-g1-512m-100t-gzip "${env[@]}" -- -XX:+UseG1GC -Xms512m -Xmx512m \
    -- --threads 100 --gzip-rounds 4
  run arena$a-g1-512m-100t-deflaters "${env[@]}" -- -XX:+UseG1GC -Xms512m -Xmx512m \
    -- --threads 100 --deflaters-kept 2
done

# --- real class populations: the classes of Debian-packaged libraries (libguava-java,
# libcommons-lang3-java, libjackson2-databind-java; .ci/run installs them) loaded, linked and
# initialized in a URLClassLoader, and with --exercise true their public no-argument constructors
# called; the fit set of the class cost model (crates/memsim-jvm/src/class_profile.rs)
J=/usr/share/java
guava=(--jar $J/guava.jar)
lang3=(--jar $J/commons-lang3.jar)
jackson=(--jar $J/jackson-annotations.jar --jar $J/jackson-core.jar --jar $J/jackson-databind.jar)
run realcls-g1-512m-guava -- "${base[@]}" -- --threads 10 "${guava[@]}"
run realcls-g1-512m-guava1000 -- "${base[@]}" -- --threads 10 "${guava[@]}" --jar-classes 1000
run realcls-g1-512m-all -- "${base[@]}" -- --threads 10 "${guava[@]}" "${lang3[@]}" "${jackson[@]}"
run realcls-g1-512m-all-exercise -- "${base[@]}" \
  -- --threads 10 "${guava[@]}" "${lang3[@]}" "${jackson[@]}" --exercise true
run realcls-g1-512m-all-gc -- "${base[@]}" \
  -- --threads 10 "${guava[@]}" "${lang3[@]}" "${jackson[@]}" --system-gc true
run realcls-g1-512m-all-exercise-gc -- "${base[@]}" \
  -- --threads 10 "${guava[@]}" "${lang3[@]}" "${jackson[@]}" --exercise true --system-gc true
run realcls-g1-512m-nojar-gc -- "${base[@]}" -- --threads 10 --system-gc true
run realcls-parallel-1g-all-exercise -- -XX:+UseParallelGC -Xms1g -Xmx1g \
  -- --threads 20 "${guava[@]}" "${lang3[@]}" "${jackson[@]}" --exercise true
run realcls-serial-256m-lang3-jackson -- -XX:+UseSerialGC -Xms256m -Xmx256m \
  -- --threads 10 "${lang3[@]}" "${jackson[@]}" --exercise true

# --- heap mechanisms (mech-*): Parallel's size policy without -Xms (young and old generations from
# the initial heap), G1 shrinking after a full collection and at Remark once live data dropped, and a
# failing direct-buffer reservation (Bits.reserveMemory collects and retries before it throws)
run mech-parallel-1g-noxms-live256m-churn32m -- -XX:+UseParallelGC -Xmx1g \
  -- --threads 20 --live-heap 256m --churn 32m
run mech-parallel-4g-noxms-live1g-churn64m -- -XX:+UseParallelGC -Xmx4g \
  -- --threads 20 --live-heap 1g --churn 64m
run mech-parallel-default-noxms-live128m-churn128m -- -XX:+UseParallelGC \
  -- --threads 10 --live-heap 128m --churn 128m
run mech-parallel-2g-noxms-idle -- -XX:+UseParallelGC -Xmx2g -- --threads 10
run mech-g1-2g-noxms-live768m-drop640m-gc -- -XX:+UseG1GC -Xmx2g \
  -- --threads 10 --live-heap 768m --drop-live 640m --system-gc true
run mech-g1-2g-noxms-live1g-drop896m-churn64m -- -XX:+UseG1GC -Xmx2g \
  -- --threads 10 --live-heap 1g --drop-live 896m --churn 64m
run mech-g1-1g-noxms-drop192m-maxdirect64m-direct100m -- -XX:+UseG1GC -Xmx1g -XX:MaxDirectMemorySize=64m \
  -- --threads 10 --live-heap 256m --drop-live 192m --direct 100m
run mech-parallel-1g-noxms-drop192m-maxdirect64m-direct100m -- -XX:+UseParallelGC -Xmx1g \
  -XX:MaxDirectMemorySize=64m -- --threads 10 --live-heap 256m --drop-live 192m --direct 100m

# --- JDK 21 only: virtual threads parked at the bottom of the recursion (their frames go to the
# heap as stack chunks), heap used after System.gc(); the fit of crates/memsim-jvm/src/virtual_threads.rs
if [ ${#jdk_opts[@]} -gt 0 ]; then
  for vt in vt0:0:0 vt10k-d0:10000:0 vt10k-d100:10000:100 vt10k-d400:10000:400; do
    IFS=: read -r n v d <<< "$vt"
    run $n -- -XX:+UseG1GC -Xms1g -Xmx1g \
      -- --threads 10 --virtual-threads $v --stack-depth $d --system-gc true
  done
fi

[ ${#jdk_opts[@]} -gt 0 ] || python3 "$here/summarize.py" || failed+=("summarize.py")

if [ ${#failed[@]} -gt 0 ]; then
  echo "run-all: FAILED: ${failed[*]}" >&2
  exit 1
fi
if [ ${#jdk_opts[@]} -gt 0 ]; then
  echo "run-all: all configurations measured into $here/results-jdk21/" >&2
else
  echo "run-all: all configurations measured; see $here/results/summary.md" >&2
fi
