#!/usr/bin/env python3
"""Measure real JDK 17 GC pauses for memsim's pause model (see README.md in this directory).

Usage: measure.py [--results DIR] [--only REGEX] [--list]
Runs each configuration below once: `java <flags> -Xlog:gc:file=<log> GcWorkload <args>`, parses every
`Pause ...` line of the unified GC log and writes results/<config>.json. Exit 0 on success, 1 when a
JVM fails or a log cannot be parsed, 2 on bad arguments. Needs java and javac (JDK 17) on the PATH.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))

# name -> (JVM flags, workload args). Sizes in the workload args are binary (1m = 1 MiB).
CONFIGS = {
    "g1-512m-live128m-churn2g": ("-XX:+UseG1GC -Xms512m -Xmx512m", "--live 128m --churn 2g --rate 512m"),
    "parallel-512m-live128m-churn2g": ("-XX:+UseParallelGC -Xms512m -Xmx512m", "--live 128m --churn 2g --rate 512m"),
    "serial-512m-live128m-churn2g": ("-XX:+UseSerialGC -Xms512m -Xmx512m", "--live 128m --churn 2g --rate 512m"),
    "g1-1g-live512m-churn2g": ("-XX:+UseG1GC -Xms1g -Xmx1g", "--live 512m --churn 2g --rate 512m"),
    "parallel-1g-live512m-churn2g": ("-XX:+UseParallelGC -Xms1g -Xmx1g", "--live 512m --churn 2g --rate 512m"),
    "g1-xms64m-xmx1g-live256m-churn2g": ("-XX:+UseG1GC -Xms64m -Xmx1g", "--live 256m --churn 2g --rate 512m"),
    "parallel-xms64m-xmx1g-live256m-churn2g": ("-XX:+UseParallelGC -Xms64m -Xmx1g", "--live 256m --churn 2g --rate 512m"),
    "serial-512m-live128m-churn2g-1000t": ("-XX:+UseSerialGC -Xms512m -Xmx512m", "--live 128m --churn 2g --rate 512m --threads 1000"),
    "parallel-512m-live128m-churn2g-1000t": ("-XX:+UseParallelGC -Xms512m -Xmx512m", "--live 128m --churn 2g --rate 512m --threads 1000"),
    "g1-512m-live128m-churn2g-1000t": ("-XX:+UseG1GC -Xms512m -Xmx512m", "--live 128m --churn 2g --rate 512m --threads 1000"),
    "parallel-64m-leak": ("-XX:+UseParallelGC -Xmx64m", "--leak-every 4"),
    "g1-64m-leak": ("-XX:+UseG1GC -Xmx64m", "--leak-every 4"),
}

PAUSE = re.compile(
    r"^\[(?P<t>[0-9.]+)s\]\[info\]\[gc\s*\] GC\((?P<id>\d+)\) Pause (?P<what>.*?) "
    r"(?:(?P<before>\d+)M->(?P<after>\d+)M\((?P<committed>\d+)M\) )?(?P<ms>[0-9.]+)ms$"
)


def kind_of(what):
    """young | mixed | full | remark | cleanup, from the text after `Pause`."""
    if what.startswith("Full"):
        return "full"
    if what.startswith("Young (Mixed)"):
        return "mixed"
    if what.startswith("Young"):
        return "young"
    if what.startswith("Remark"):
        return "remark"
    if what.startswith("Cleanup"):
        return "cleanup"
    raise ValueError("unknown pause: " + what)


def parse_log(text):
    pauses = []
    for line in text.splitlines():
        if "] GC(" not in line or " Pause " not in line:
            continue
        m = PAUSE.match(line.strip())
        if not m:
            raise ValueError("unparsed GC line: " + line)
        p = {
            "t_s": float(m["t"]),
            "gc_id": int(m["id"]),
            "kind": kind_of(m["what"]),
            "what": m["what"],
            "ms": float(m["ms"]),
        }
        if m["before"] is not None:
            p.update(before_mb=int(m["before"]), after_mb=int(m["after"]), committed_mb=int(m["committed"]))
        pauses.append(p)
    return pauses


def percentile(xs, q):
    """Nearest-rank percentile (as hdrhistogram reports: the smallest value with >= q % at or below)."""
    xs = sorted(xs)
    if not xs:
        return None
    k = max(0, min(len(xs) - 1, -(-len(xs) * q // 100) - 1))
    return xs[int(k)]


def summarize(pauses):
    out = {}
    for kind in sorted({p["kind"] for p in pauses}):
        ms = [p["ms"] for p in pauses if p["kind"] == kind]
        out[kind] = {
            "count": len(ms),
            "p50_ms": percentile(ms, 50),
            "p90_ms": percentile(ms, 90),
            "p99_ms": percentile(ms, 99),
            "max_ms": max(ms),
            "total_ms": round(sum(ms), 3),
        }
    return out


def build(build_dir):
    src = os.path.join(HERE, "GcWorkload.java")
    cls = os.path.join(build_dir, "GcWorkload.class")
    if not os.path.exists(cls) or os.path.getmtime(cls) < os.path.getmtime(src):
        os.makedirs(build_dir, exist_ok=True)
        subprocess.run(["javac", "-d", build_dir, src], check=True)


def run(name, flags, args, build_dir):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "gc.log")
        cmd = ["java", *flags.split(), f"-Xlog:gc:file={log}", "-cp", build_dir, "GcWorkload", *args.split()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"{name}: exit {proc.returncode}\n{proc.stderr}")
        with open(log) as f:
            text = f.read()
    info = {}
    caught = []
    for line in proc.stdout.splitlines():
        if line.startswith("INFO "):
            k, _, v = line[5:].partition("=")
            info[k] = v
        elif line.startswith("CAUGHT "):
            caught.append(line[7:])
    pauses = parse_log(text)
    version = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return {
        "config": name,
        "jvm_flags": flags.split(),
        "workload_args": args.split(),
        "jdk": version,
        "machine": {"nproc": os.cpu_count(), "machine": platform.machine()},
        "workload_info": info,
        "workload_errors": caught,
        "pauses": pauses,
        "summary": summarize(pauses),
        "gc_log": text.splitlines(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--only", default=".*", help="regex over configuration names")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--config", nargs=3, metavar=("NAME", "FLAGS", "ARGS"), help="one ad-hoc configuration")
    a = ap.parse_args()
    configs = {a.config[0]: (a.config[1], a.config[2])} if a.config else CONFIGS
    names = [n for n in configs if re.search(a.only, n)]
    if a.list:
        print("\n".join(names))
        return 0
    if not names:
        print("no configuration matches", file=sys.stderr)
        return 2
    build_dir = os.environ.get("GC_PAUSES_BUILD_DIR", os.path.join(ROOT, "target", "gc-pauses"))
    try:
        build(build_dir)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"cannot compile GcWorkload.java (is a JDK 17 installed?): {e}", file=sys.stderr)
        return 1
    os.makedirs(a.results, exist_ok=True)
    for n in names:
        flags, args = configs[n]
        try:
            r = run(n, flags, args, build_dir)
        except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            print(f"{n}: {e}", file=sys.stderr)
            return 1
        path = os.path.join(a.results, n + ".json")
        with open(path + ".tmp", "w") as f:
            json.dump(r, f, indent=1)
            f.write("\n")
        os.replace(path + ".tmp", path)
        s = ", ".join(f"{k} {v['count']}× p50 {v['p50_ms']} ms max {v['max_ms']} ms" for k, v in r["summary"].items())
        print(f"{n}: {s} {r['workload_errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
