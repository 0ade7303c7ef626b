#!/usr/bin/env bash
# Records what HotSpot's ergonomics make of the heap-sizing and tiered-compilation flags memsim
# models: `java <flags> -XX:+PrintFlagsFinal -version`, one line per configuration, into
# tools/jvm-flags/results/printflags.txt (or the file given as $1). -XX:MaxRAM sets the memory the
# heap sizing sees, so the RAM-percentage rules are measured without a container.
set -euo pipefail
out=${1:-$(dirname "$0")/results/printflags.txt}
keep=' (MaxHeapSize|InitialHeapSize|ReservedCodeCacheSize|InitialCodeCacheSize|SegmentedCodeCache|CICompilerCount|UseCompressedOops|NonNMethodCodeHeapSize|ProfiledCodeHeapSize|NonProfiledCodeHeapSize|TieredCompilation|TieredStopAtLevel|UseSerialGC|UseG1GC) '
configs=(
  "-XX:+UseG1GC -XX:MaxRAM=4g"
  "-XX:+UseG1GC -XX:MaxRAM=4g -XX:MaxRAMPercentage=75"
  "-XX:+UseG1GC -XX:MaxRAM=200m"
  "-XX:+UseG1GC -XX:MaxRAM=200m -XX:MinRAMPercentage=25"
  "-XX:+UseG1GC -XX:MaxRAM=400m"
  "-XX:+UseG1GC -XX:MaxRAM=1g -XX:InitialRAMPercentage=50"
  "-XX:+UseG1GC -XX:MaxRAM=8g -XX:MaxRAMPercentage=50 -XX:InitialRAMPercentage=10"
  "-XX:+UseG1GC -XX:MaxRAM=2g -XX:MaxRAMPercentage=90"
  "-XX:+UseG1GC -XX:MaxRAM=4g -Xms3g"
  "-XX:+UseG1GC -XX:MaxRAM=100g -XX:MaxRAMPercentage=50"
  "-XX:+UseG1GC -XX:MaxRAMPercentage=75"
  "-XX:+UseSerialGC -XX:MaxRAM=400m"
  "-XX:+UseSerialGC -XX:MaxRAM=1g -XX:MaxRAMPercentage=33"
  "-XX:TieredStopAtLevel=1"
  "-XX:TieredStopAtLevel=2"
  "-XX:TieredStopAtLevel=3"
  "-XX:TieredStopAtLevel=0"
  "-XX:-TieredCompilation"
  "-XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=16"
  "-XX:-TieredCompilation -XX:ActiveProcessorCount=16"
  "-XX:ActiveProcessorCount=16"
  "-XX:TieredStopAtLevel=1 -XX:+SegmentedCodeCache"
  "-XX:ReservedCodeCacheSize=200m"
  "-XX:-SegmentedCodeCache"
  "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=300m"
  "-XX:-TieredCompilation -XX:+SegmentedCodeCache"
  "-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
  "-XX:CICompilerCount=1"
)
{
  echo "# $(java -version 2>&1 | head -1); $(nproc) CPUs; MemTotal $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
  for c in "${configs[@]}"; do
    # shellcheck disable=SC2086
    line=$(java $c -XX:+PrintFlagsFinal -version 2>/dev/null | grep -E "$keep" | awk '{print $2"="$4}' | tr '\n' ' ' || true)
    echo "$c | ${line:-JVM refused to start}"
  done
} > "$out"
echo "wrote $out"
