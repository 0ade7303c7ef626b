#!/usr/bin/env python3
"""Measure a real program, Debian's H2 database server, the way measure.py measures Workload.

    tools/jvm-calibrate/validation/measure_h2.py CONFIG_NAME [--rows N] [--connections C]
        [--load-s S] [--results DIR] -- <JVM flags>

Starts `java -XX:NativeMemoryTracking=summary <JVM flags> -Dh2.bindAddress=127.0.0.1
-Xlog:gc:file=… -cp /usr/share/java/h2.jar org.h2.tools.Server -tcp -tcpPort P -ifNotExists`
(loopback only), waits for the server's own "TCP server running" line, fills an in-memory
database with a JDBC client in another JVM (`H2Client populate`: ROWS rows of ~470 bytes), then
starts C client connections running a query mix (`H2Client load`) and, once they are all open
(`LOADING`), lets the server run under that load for S seconds, then samples NMT until two
totals agree within 0.5 % (as measure.py) and reads /proc and jcmd as measure.py does, all while
the load runs. Then stops the load, runs `GC.run` and reads the heap used after it.

The JSON has measure.py's shape (`config`, `jvm_flags`, `nmt`, `proc_status`, `smaps`, …) plus
`program` (command, rows, connections, queries run) and `scenario_args`: what a user would state
about this server in a memsim scenario, each figure observed from the process (never a model
constant): `--threads` = OS threads whose names are not the JVM's own; `--classes` = classes NMT
counts less the 730 an idle JVM loads (`g1-256m-idle` in the fit set); `--live-heap` = heap used
after `GC.run`; `--hot-methods` = nmethods in the code cache (`Compiler.codelist`) less the 248 of
an idle JVM; `--churn` = the allocation rate under load, from the GC log (heap before each
collection less heap after the previous one, over the load window).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import measure as m  # noqa: E402

H2_JAR = "/usr/share/java/h2.jar"
CLIENT_BUILD = m.ROOT / "target" / "jvm-calibrate-validation"
IDLE_JVM_CLASSES = 730
# nmethods in the code cache of an idle JVM (`g1-256m-idle` in the fit set: the JDK's start-up).
IDLE_JVM_NMETHODS = 248
# Threads the JVM starts for itself (names as /proc shows them, trailing digits folded).
JVM_THREADS = {
    "Attach Listener", "C1 CompilerThre", "C2 CompilerThre", "Common-Cleaner", "Finalizer",
    "G1 Conc#", "G1 Main Marker", "G1 Refine#", "G1 Service", "GC Thread#", "Monitor Deflati",
    "Notification Th", "Reference Handl", "Service Thread", "Signal Dispatch", "Sweeper thread",
    "VM Periodic Tas", "VM Thread", "java",
}


def build_client() -> None:
    src = HERE / "H2Client.java"
    cls = CLIENT_BUILD / "H2Client.class"
    if not cls.exists() or cls.stat().st_mtime < src.stat().st_mtime:
        CLIENT_BUILD.mkdir(parents=True, exist_ok=True)
        subprocess.run(["javac", "--release", "17", "-nowarn", "-d", str(CLIENT_BUILD), str(src)], check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def churn_bytes_per_s(gc_log: str, t0: float, t1: float) -> float:
    """Allocation over [t0, t1] (JVM uptime seconds) from `-Xlog:gc` pause lines `A->B(C)`."""
    events = []
    for line in gc_log.splitlines():
        mt = re.match(r"^\[(\d+\.\d+)s\].*Pause.* (\d+)([KMG])->(\d+)([KMG])\(", line)
        if mt:
            unit = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
            events.append((float(mt.group(1)), int(mt.group(2)) * unit[mt.group(3)],
                           int(mt.group(4)) * unit[mt.group(5)]))
    inside = [e for e in events if t0 <= e[0] <= t1]
    if len(inside) < 2:
        return 0.0
    allocated = sum(b[1] - a[2] for a, b in zip(inside, inside[1:]))
    return allocated / (inside[-1][0] - inside[0][0])


def heap_used_kb(heap_info: str) -> int:
    """The Java heap's used KiB from `GC.heap_info`: the sum over its `total …K, used …K` lines (G1's
    one heap; Parallel's and Serial's young and old generations), Metaspace excluded."""
    return sum(int(x) for x in re.findall(r"total \d+K, used (\d+)K", heap_info))


def uptime_s(pid: int) -> float:
    out = m.jcmd(pid, "VM.uptime")
    return float(re.search(r"(\d+\.\d+) s", out).group(1))


def main(argv: list[str]) -> int:
    if len(argv) < 2 or "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    name = argv[0]
    sep = argv.index("--")
    dopts, flags = argv[1:sep], argv[sep + 1:]
    opts = {"--rows": "200000", "--connections": "8", "--load-s": "20",
            "--results": str(HERE)}
    for k, v in zip(dopts[::2], dopts[1::2]):
        if k not in opts:
            print(f"unknown option {k}", file=sys.stderr)
            return 2
        opts[k] = v
    rows, conns, load_s = int(opts["--rows"]), int(opts["--connections"]), float(opts["--load-s"])
    results = Path(opts["--results"]).resolve()
    rawdir = results / "raw"
    rawdir.mkdir(parents=True, exist_ok=True)
    build_client()
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="h2val."))
    gc_log = work / "gc.log"
    props = ["-Dh2.bindAddress=127.0.0.1"]
    cmd = ["java", *m.DRIVER_FLAGS, *flags, *props, f"-Xlog:gc:file={gc_log}", "-cp", H2_JAR,
           "org.h2.tools.Server", "-tcp", "-tcpPort", str(port), "-ifNotExists", "-baseDir", str(work)]
    m.log(f"{name}: {' '.join(cmd)}")
    url = f"jdbc:h2:tcp://127.0.0.1:{port}/mem:val;DB_CLOSE_DELAY=-1"
    client_cp = f"{CLIENT_BUILD}:{H2_JAR}"
    stderr = open(work / "server.stderr", "w")
    t_start = time.monotonic()
    server = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True)
    load = None
    try:
        line = server.stdout.readline()
        if "TCP server running" not in line:
            raise m.Failure(f"H2 did not start: {line!r}")
        pid = server.pid
        subprocess.run(["java", "-cp", client_cp, "H2Client", "populate", url, str(rows)], check=True,
                       stdout=subprocess.DEVNULL)
        load = subprocess.Popen(["java", "-cp", client_cp, "H2Client", "load", url, str(conns)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if not load.stdout.readline().startswith("LOADING"):
            raise m.Failure("the load client did not start")
        t_ready = time.monotonic()
        up_ready = uptime_s(pid)
        m.log(f"{name}: populated {rows} rows; {conns} connections loading; running {load_s}s")
        time.sleep(load_s)
        samples, prev, stable, summary = [], None, False, ""
        for _ in range(20):
            summary = m.jcmd(pid, "VM.native_memory", "summary")
            committed = m.parse_nmt(summary)["total"]["committed_kb"]
            samples.append({"t_s": round(time.monotonic() - t_ready, 2), "committed_kb": committed})
            if prev is not None and abs(committed - prev) <= m.STABLE_FRACTION * prev:
                stable = True
                break
            prev = committed
            time.sleep(1.0)
        status_text = Path(f"/proc/{pid}/status").read_text()
        smaps_text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        smaps_full = Path(f"/proc/{pid}/smaps").read_text()
        threads = m.thread_names(pid)
        up_measured = uptime_s(pid)
        summary_mb = m.jcmd(pid, "VM.native_memory", "summary", "scale=MB")
        summary_b = m.jcmd(pid, "VM.native_memory", "summary", "scale=b")
        flags_text = m.jcmd(pid, "VM.flags")
        flags_all = m.parse_flags_all(m.jcmd(pid, "VM.flags", "-all"))
        heap_info = m.jcmd(pid, "GC.heap_info")
        codecache_text = m.jcmd(pid, "Compiler.codecache")
        code = m.codelist_counts(m.jcmd(pid, "Compiler.codelist"))
        version = m.jcmd(pid, "VM.version")
        load.stdin.close()
        queries = load.stdout.read().strip()
        load.wait(timeout=120)
        load = None
        m.jcmd(pid, "GC.run")
        heap_after_gc = m.jcmd(pid, "GC.heap_info")
        log_text = gc_log.read_text()
    finally:
        if load is not None:
            load.kill()
            load.wait()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        stderr.close()
        server_stderr = (work / "server.stderr").read_text()
        shutil.rmtree(work, ignore_errors=True)
    nmt = m.parse_nmt(summary)
    used_kb = heap_used_kb(heap_after_gc)
    app_threads = sum(n for t, n in threads.items() if t not in JVM_THREADS)
    classes = nmt["categories"]["Class"]["classes"] - IDLE_JVM_CLASSES
    churn = churn_bytes_per_s(log_text, up_ready, up_measured)
    setup_ms = int((t_ready - t_start) * 1000)
    scenario_args = ["--threads", str(app_threads), "--classes", str(classes),
                     "--live-heap", f"{used_kb}k", "--churn", f"{int(churn) // 1024}k",
                     "--hot-methods", str(max(0, code["nmethods"] - IDLE_JVM_NMETHODS))]
    raw = {}
    for kind, text in [("summary", summary), ("summary-mb", summary_mb), ("status", status_text),
                       ("smaps_rollup", smaps_text), ("heap_info", heap_info),
                       ("heap_after_gc", heap_after_gc), ("gc-log", log_text), ("flags", flags_text)]:
        p = rawdir / f"{name}.{kind}.txt"
        p.write_text(text)
        raw[kind] = str(p.relative_to(m.ROOT)) if p.is_relative_to(m.ROOT) else str(p)
    result = {
        "config": name,
        "jdk": " | ".join(l.strip() for l in version.splitlines()[1:] if l.strip()),
        "machine": m.machine(),
        "command": cmd,
        "driver_jvm_flags": m.DRIVER_FLAGS,
        "env": {},
        "jvm_flags": flags,
        "system_properties": props,
        "workload_args": [],
        "program": {"name": "H2 database server (Debian libh2-java)", "jar": H2_JAR,
                    "rows": rows, "connections": conns, "load_s": load_s, "client_result": queries},
        "scenario_args": scenario_args,
        "workload_info": {"setup_ms": str(setup_ms), "heap_used_after_gc_kb": str(used_kb),
                          "churn_bytes_per_s": str(int(churn))},
        "workload_errors": [l for l in server_stderr.splitlines() if "Error" in l or "Exception" in l],
        "settle": {"seconds": load_s, "stable": stable, "samples": samples,
                   "ready_after_s": round(t_ready - t_start, 2)},
        "ergonomic_flags": flags_all,
        "vm_flags": flags_text.splitlines()[1].strip() if len(flags_text.splitlines()) > 1 else "",
        "nmt": nmt,
        "nmt_mb": m.parse_nmt(summary_mb),
        "nmt_bytes": m.parse_nmt(summary_b),
        "proc_status": {k: v for k, v in m.parse_kv_kb(status_text).items()
                        if k.startswith(("Vm", "Rss", "Huge")) or k == "Threads"},
        "smaps_rollup": m.parse_kv_kb(smaps_text),
        "threads_by_name": threads,
        "heap_info": heap_info.splitlines()[1:],
        "code": code,
        "codecache": m.parse_codecache(codecache_text),
        "smaps": m.smaps_breakdown(smaps_full, m.heap_range(heap_info)),
        "malloc_arenas": m.malloc_arenas(smaps_full),
        "raw": raw,
    }
    out = results / f"{name}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    st = result["proc_status"]
    m.log(f"{name}: NMT committed {nmt['total']['committed_kb'] / 1024:.1f} MiB, VmRSS "
          f"{st['VmRSS_kb'] / 1024:.1f} MiB; scenario {' '.join(scenario_args)}; {queries}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
