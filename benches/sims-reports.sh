#!/usr/bin/env bash
# Runs every bundled scenario (sims/*.toml) with one memsim binary and writes its reports into
# OUT/NAME/ (memsim run --out), its stdout into OUT/NAME.stdout (the output path replaced by
# `OUT`), and its wall time into OUT/times.txt. Two such directories from two builds must be
# identical byte for byte, except times.txt: a speed change must not change a report.
#
#   benches/sims-reports.sh BEFORE_MEMSIM /tmp/before
#   benches/sims-reports.sh target/release/memsim /tmp/after
#   diff -r -x times.txt /tmp/before /tmp/after && echo identical
set -euo pipefail
memsim=$(realpath "$1")
out=$2
cd "$(dirname "$0")/.."
rm -rf "$out"
mkdir -p "$out"
out=$(realpath "$out")
for f in sims/*.toml; do
    name=$(basename "$f" .toml)
    start=$(date +%s%N)
    # --exit-zero: the verdict is in the reports; the script only needs memsim to have run.
    "$memsim" run "$f" --out "$out/$name" --exit-zero >"$out/$name.stdout.raw"
    end=$(date +%s%N)
    sed "s#$out#OUT#g" "$out/$name.stdout.raw" >"$out/$name.stdout"
    rm "$out/$name.stdout.raw"
    printf '%-28s %6d ms\n' "$name" $(((end - start) / 1000000)) >>"$out/times.txt"
done
cat "$out/times.txt"
