#!/usr/bin/env python3
"""Writes results/summary.md from every results/<CONFIG>.json written by measure.py.

    tools/jvm-calibrate/summarize.py [RESULTS_DIR]

Configurations named <base>-r<N> are treated as repeats of <base>; their spread is tabulated.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

KEY_CATEGORIES = [
    "Java Heap", "Class", "Thread", "Code", "GC", "Compiler", "Internal", "Other", "Symbol",
    "Native Memory Tracking", "Shared class space", "Arena Chunk", "Metaspace",
]
SHORT = {"Native Memory Tracking": "NMT", "Shared class space": "CDS", "Java Heap": "Heap",
         "Arena Chunk": "Arena"}
ERGO = ["MaxHeapSize", "InitialHeapSize", "G1HeapRegionSize", "ParallelGCThreads", "ConcGCThreads",
        "CICompilerCount", "ReservedCodeCacheSize", "MaxDirectMemorySize", "ThreadStackSize"]


def mib(kb: float) -> str:
    return f"{kb / 1024:.1f}"


def cat(d: dict, name: str, field: str = "committed_kb") -> int:
    return d["nmt"]["categories"].get(name, {}).get(field, 0)


def rest_kb(d: dict, field: str = "committed_kb") -> int:
    return sum(c.get(field, 0) for n, c in d["nmt"]["categories"].items() if n not in KEY_CATEGORIES)


def metrics(d: dict) -> dict:
    """Key values of one run, in KiB (counts as they are)."""
    st = d["proc_status"]
    m = {SHORT.get(n, n): cat(d, n) for n in KEY_CATEGORIES}
    m["rest"] = rest_kb(d)
    m["Total"] = d["nmt"]["total"]["committed_kb"]
    m["VmRSS"] = st.get("VmRSS_kb", 0)
    m["RssAnon"] = st.get("RssAnon_kb", 0)
    m["RssFile"] = st.get("RssFile_kb", 0)
    m["VmHWM"] = st.get("VmHWM_kb", 0)
    m["HeapRSS"] = d.get("smaps", {}).get("heap_rss_kb", 0)
    # what RSS has beyond "resident heap + NMT's non-heap committed"
    m["δ"] = m["VmRSS"] - m["HeapRSS"] - (m["Total"] - m["Heap"])
    return m


def fmt_flag(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int) and v >= 1 << 20 and v % (1 << 20) == 0:
        return f"{v >> 20}m"
    if isinstance(v, int) and v >= 1 << 20:
        return f"{v / (1 << 20):.1f}m"
    return str(v)


def linfit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a + b x; returns (a, b, r²)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    syy = sum((y - my) ** 2 for y in ys)
    b = sxy / sxx
    a = my - b * mx
    r2 = (sxy * sxy / (sxx * syy)) if syy > 0 else 1.0
    return a, b, r2


def info_int(d: dict, key: str) -> int:
    return int(d["workload_info"].get(key, 0))


def nmtv(name: str, field: str = "committed_kb"):
    return lambda d: cat(d, name, field)


def total_kb(d: dict) -> int:
    return d["nmt"]["total"]["committed_kb"]


def status(key: str):
    return lambda d: d["proc_status"].get(key, 0)


def rss_nonheap(d: dict) -> int:
    return d["proc_status"].get("VmRSS_kb", 0) - d.get("smaps", {}).get("heap_rss_kb", 0)


# (title, config regex, x label, x(d), y unit label, y scale from KiB, [(y label, y(d) in KiB)])
FITS = [
    ("Per thread, parked at depth 0 (G1 512m)", r"^sweep-threads\d+$", "NMT threads",
     lambda d: cat(d, "Thread", "thread"), "KiB/thread", 1.0,
     [("Thread committed", nmtv("Thread")), ("  stack committed", nmtv("Thread", "stack_committed_kb")),
      ("  stack reserved", nmtv("Thread", "stack_reserved_kb")),
      ("  malloc + arena", lambda d: cat(d, "Thread", "malloc_kb") + cat(d, "Thread", "arena_kb")),
      ("Internal", nmtv("Internal")), ("Native Memory Tracking", nmtv("Native Memory Tracking")),
      ("Synchronization", nmtv("Synchronization")), ("Total committed", total_kb),
      ("VmRSS", status("VmRSS_kb")), ("RssAnon", status("RssAnon_kb")), ("VmRSS − heap resident", rss_nonheap)]),
    ("Per interpreted frame (100 threads, depth 0/1000/4000)", r"^sweep-t100-depth\d+$",
     "frames (threads × depth)", lambda d: info_int(d, "stack_depth") * info_int(d, "app_threads"),
     "B/frame", 1024.0,
     [("stack committed", nmtv("Thread", "stack_committed_kb")), ("Total committed", total_kb),
      ("VmRSS", status("VmRSS_kb"))]),
    ("Per generated class (app loader, 4 int fields, 8 static methods + <init>)", r"^sweep-classes\d+$",
     "NMT classes", lambda d: cat(d, "Class", "classes"), "B/class", 1024.0,
     [("Class committed", nmtv("Class")), ("  class space used", nmtv("Class", "class_space_used_kb")),
      ("  Class malloc", nmtv("Class", "malloc_kb")), ("Metaspace committed", nmtv("Metaspace")),
      ("  metadata used", nmtv("Class", "metadata_used_kb")), ("Symbol", nmtv("Symbol")),
      ("Native Memory Tracking", nmtv("Native Memory Tracking")), ("Total committed", total_kb),
      ("VmRSS", status("VmRSS_kb")), ("VmRSS − heap resident", rss_nonheap)]),
    ("Per hot method (0/500/2000/5000 methods × 20000 calls, interpreted caller)", r"^sweep-hot\d+$",
     "hot methods", lambda d: info_int(d, "hot_methods"), "B/method", 1024.0,
     [("Code committed", nmtv("Code")), ("  Code malloc", nmtv("Code", "malloc_kb")),
      ("  code heaps used", lambda d: d.get("codecache", {}).get("used_kb", 0)),
      ("  code heaps committed", lambda d: d.get("codecache", {}).get("committed_kb", 0)),
      ("Metaspace committed", nmtv("Metaspace")), ("  metadata used", nmtv("Class", "metadata_used_kb")),
      ("Class committed", nmtv("Class")), ("Compiler", nmtv("Compiler")), ("Arena Chunk", nmtv("Arena Chunk")),
      ("Total committed", total_kb), ("VmRSS", status("VmRSS_kb")), ("VmRSS − heap resident", rss_nonheap)]),
]
for _gc in ("g1", "parallel", "serial"):
    FITS.append((f"GC committed against committed heap, {_gc} (Xms=Xmx, idle)",
                 rf"^(sweep-{_gc}-\d+[mg])$", "Java Heap committed KiB", nmtv("Java Heap"), "× heap", 1.0,
                 [("GC committed", nmtv("GC")), ("  GC malloc", nmtv("GC", "malloc_kb")),
                  ("  GC mmap", nmtv("GC", "mmap_committed_kb"))]))


def write_fits(runs: list[dict], w) -> None:
    w("## Fits over the one-factor sweeps\n")
    w("Least squares `y = a + b·x` over the `sweep-*` configurations named by each heading "
      "(intercept `a` in MiB; slope `b` in the unit given; r²).\n")
    for title, rx, xlabel, xf, unit, yscale, ys in FITS:
        ds = [d for d in runs if re.match(rx, d["config"])]
        if len(ds) < 2:
            continue
        xs = [float(xf(d)) for d in ds]
        w(f"### {title}\n")
        w(f"x = {xlabel}: " + ", ".join(f"{x:g}" for x in xs) + f" ({', '.join(d['config'] for d in ds)})\n")
        w(f"| y | a (MiB) | b ({unit}) | r² |")
        w("|---|---:|---:|---:|")
        for label, yf in ys:
            yv = [float(yf(d)) for d in ds]
            if len(set(xs)) < 2:
                continue
            a, b, r2 = linfit(xs, yv)
            if unit == "× heap":
                bs = f"{100 * b:.3f} %"
            else:
                bs = f"{b * yscale:.1f}"
            w(f"| {label} | {a / 1024:.2f} | {bs} | {r2:.5f} |")
        w("")
    base = next((d for d in runs if d["config"] == "sweep-classes0"), None)
    variants = [d for d in runs if re.match(r"^sweep-classes10000", d["config"])]
    if base and variants:
        w("### Class variants at 10000 classes: bytes per class above `sweep-classes0`\n")
        cols = [("Class", nmtv("Class")), ("class space used", nmtv("Class", "class_space_used_kb")),
                ("Metaspace", nmtv("Metaspace")), ("metadata used", nmtv("Class", "metadata_used_kb")),
                ("metadata waste", nmtv("Class", "metadata_waste_kb")),
                ("class space waste", nmtv("Class", "class_space_waste_kb")), ("Symbol", nmtv("Symbol")),
                ("NMT", nmtv("Native Memory Tracking")), ("Total", total_kb), ("VmRSS", status("VmRSS_kb")),
                ("VmRSS − heap res.", rss_nonheap)]
        w("| config | classes | " + " | ".join(c for c, _ in cols) + " |")
        w("|---|---:|" + "---:|" * len(cols))
        for d in variants:
            n = cat(d, "Class", "classes") - cat(base, "Class", "classes")
            w(f"| `{d['config']}` | {n} | " + " | ".join(
                f"{(f(d) - f(base)) * 1024 / n:.0f}" for _, f in cols) + " |")
        w("")


def main(argv: list[str]) -> int:
    results = Path(argv[0]) if argv else HERE / "results"
    runs = []
    for p in sorted(results.glob("*.json")):
        try:
            runs.append(json.loads(p.read_text()))
        except json.JSONDecodeError as e:
            print(f"summarize: skipping {p}: {e}", file=sys.stderr)
    if not runs:
        print(f"summarize: no results in {results}", file=sys.stderr)
        return 1
    out: list[str] = []
    w = out.append
    first = runs[0]
    mach = first["machine"]
    w("# jvm-calibrate results\n")
    w(f"JDK: {first['jdk']}  ")
    w(f"Machine: {mach['nproc']} CPUs, MemTotal {mach['mem_total_kb'] / 1048576:.1f} GiB, "
      f"page size {mach['page_size']} B, THP `{mach['thp_enabled']}`, kernel {mach['kernel']}.  ")
    w("Every JVM also ran with `" + " ".join(first["driver_jvm_flags"]) + "`. "
      "NMT values are from `jcmd <pid> VM.native_memory summary` after the settle period; "
      "MiB = KiB/1024 of NMT's KB figures; RSS from /proc/<pid>/status at the same moment. "
      "Generated by `summarize.py` from the JSON files next to this one.\n")

    # --- configurations
    w("## Configurations\n")
    w("| config | JVM flags | workload args | stack depth (frame B) | threads (NMT / OS) | classes (NMT) | errors |")
    w("|---|---|---|---|---|---|---|")
    for d in runs:
        info = d["workload_info"]
        depth = info.get("stack_depth", "")
        if "frame_bytes" in info:
            depth += f" ({info['frame_bytes']})"
        nthreads = cat(d, "Thread", "thread")
        ncls = cat(d, "Class", "classes")
        errs = "; ".join(d["workload_errors"])
        w(f"| `{d['config']}` | `{' '.join(d['jvm_flags'])}` | `{' '.join(d['workload_args'])}` | {depth} | "
          f"{nthreads} / {d['proc_status'].get('Threads', '')} | {ncls} | {errs} |")
    w("")

    # --- ergonomics
    w("## Ergonomic flags (from `VM.flags -all`)\n")
    w("| config | " + " | ".join(ERGO) + " |")
    w("|---|" + "---|" * len(ERGO))
    for d in runs:
        ef = d["ergonomic_flags"]
        w(f"| `{d['config']}` | " + " | ".join(fmt_flag(ef.get(f, {}).get("value", "")) for f in ERGO) + " |")
    w("")

    # --- overview
    cols = ["Heap", "Class", "Metaspace", "Thread", "Code", "GC", "Compiler", "Internal", "Other", "Symbol",
            "NMT", "CDS", "Arena", "rest", "Total", "VmRSS", "RssAnon", "RssFile", "VmHWM", "HeapRSS", "δ"]
    w("## Overview: committed MiB by NMT category, and RSS MiB\n")
    w("`rest` = the categories not named (Module, Safepoint, Synchronization, Serviceability, String "
      "Deduplication, Object Monitors, …). `HeapRSS` = resident pages of the Java heap's mappings "
      "(/proc/<pid>/smaps over the address range `GC.heap_info` prints). "
      "`δ` = VmRSS − HeapRSS − (Total − Heap): what RSS holds beyond the resident heap plus NMT's "
      "non-heap committed memory (file mappings, glibc malloc slack; negative where NMT counts "
      "committed-but-untouched memory: GC bitmaps, code heaps, guard pages).\n")
    w("| config | " + " | ".join(cols) + " |")
    w("|---|" + "---:|" * len(cols))
    for d in runs:
        m = metrics(d)
        w(f"| `{d['config']}` | " + " | ".join(mib(m[c]) for c in cols) + " |")
    w("")

    # --- per configuration
    w("## Per configuration\n")
    for d in runs:
        st = d["proc_status"]
        w(f"### `{d['config']}`\n")
        w(f"`{' '.join(d['jvm_flags'])}` — `{' '.join(d['workload_args'])}`  ")
        code = d.get("code", {})
        w(f"settled: {d['settle']['stable']} after {len(d['settle']['samples'])} samples; "
          f"compiled methods (nmethods) {code.get('nmethods', '?')} by level {code.get('by_level', {})}"
          + (f"; Hot_ methods compiled {code.get('hot_methods_compiled')}" if code.get("hot_methods_compiled") else "")
          + "\n")
        w("| category | reserved MiB | committed MiB | detail |")
        w("|---|---:|---:|---|")
        for n in KEY_CATEGORIES:
            c = d["nmt"]["categories"].get(n)
            if c is None:
                w(f"| {n} | – | – | not printed |")
                continue
            detail = []
            if "thread" in c:
                detail.append(f"{c['thread']} threads, stack committed {mib(c.get('stack_committed_kb', 0))}")
            if "classes" in c:
                detail.append(f"{c['classes']} classes")
            if "class_space_used_kb" in c:
                detail.append(f"class space used {mib(c['class_space_used_kb'])}, metadata used "
                              f"{mib(c.get('metadata_used_kb', 0))}")
            if "malloc_kb" in c and "mmap_committed_kb" in c:
                detail.append(f"malloc {mib(c['malloc_kb'])} + mmap {mib(c['mmap_committed_kb'])}")
            if "malloc_peak_kb" in c:
                detail.append(f"malloc peak {mib(c['malloc_peak_kb'])}")
            if n == "Code" and d.get("codecache"):
                cc = d["codecache"]
                detail.append(f"code heaps used {mib(cc['used_kb'])} of committed {mib(cc['committed_kb'])}, "
                              f"{cc.get('nmethods', '?')} nmethods")
            if "arena_peak_kb" in c:
                detail.append(f"arena peak {mib(c['arena_peak_kb'])}")
            w(f"| {n} | {mib(c['reserved_kb'])} | {mib(c['committed_kb'])} | {'; '.join(detail)} |")
        w(f"| (rest) | {mib(rest_kb(d, 'reserved_kb'))} | {mib(rest_kb(d))} | |")
        t = d["nmt"]["total"]
        w(f"| **Total** | {mib(t['reserved_kb'])} | **{mib(t['committed_kb'])}** | "
          f"malloc {mib(t.get('malloc_kb', 0))}, mmap committed {mib(t.get('mmap_committed_kb', 0))} |")
        sm = d.get("smaps", {})
        if sm:
            top = ", ".join(f"{Path(p).name} {mib(kb)}" for p, kb in list(sm["file_rss_kb"].items())[:4])
            w(f"| Java heap resident (smaps) | | {mib(sm['heap_rss_kb'])} | largest file-backed RSS: {top} |")
        w(f"| VmRSS / RssAnon / RssFile / RssShmem | | {mib(st.get('VmRSS_kb', 0))} | anon "
          f"{mib(st.get('RssAnon_kb', 0))}, file {mib(st.get('RssFile_kb', 0))}, shmem "
          f"{mib(st.get('RssShmem_kb', 0))}; VmHWM {mib(st.get('VmHWM_kb', 0))}; OS threads {st.get('Threads')} |")
        w("")

    write_fits(runs, w)

    # --- repeats
    groups: dict[str, list[dict]] = {}
    for d in runs:
        m = re.match(r"^(.*)-r(\d+)$", d["config"])
        if m:
            groups.setdefault(m.group(1), []).append(d)
    if groups:
        w("## Run-to-run spread of the repeated configurations\n")
        rcols = cols
        for base, ds in groups.items():
            w(f"### `{base}` ({len(ds)} runs)\n")
            names = [d["config"].rsplit("-", 1)[1] for d in ds]
            w("| value (MiB) | " + " | ".join(names) + " | max − min | (max − min) / mean |")
            w("|---|" + "---:|" * (len(ds) + 2))
            ms = [metrics(d) for d in ds]
            for c in rcols:
                vals = [m[c] for m in ms]
                spread = max(vals) - min(vals)
                mean = statistics.mean(vals)
                pct = f"{100 * spread / mean:.1f} %" if mean else "–"
                w(f"| {c} | " + " | ".join(mib(v) for v in vals) + f" | {mib(spread)} | {pct} |")
            w("")
    (results / "summary.md").write_text("\n".join(out) + "\n")
    print(f"summarize: wrote {results / 'summary.md'} ({len(runs)} runs)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
