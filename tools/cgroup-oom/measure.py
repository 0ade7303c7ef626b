#!/usr/bin/env python3
"""Runs a JVM workload (CgWorkload.java) inside a fresh memory cgroup with a limit and records what
the kernel did: the charge over time (usage, memory.stat), VmRSS, the workload's progress, whether
and when the OOM killer ran, the peak charge.

Usage: measure.py CONFIG_JSON_OR_NAME [--out FILE]   (names are those of configs.py)
       measure.py --all [--outdir DIR]               (every config of configs.py, one after another)

The group is ours alone: memsim-cgoom-<pid>-<n> under the memory controller's root (cgroup v1:
/sys/fs/cgroup/memory, v2: /sys/fs/cgroup), removed afterwards, also on error, timeout or signal.
The JVM runs from a private copy of the JDK (``JDK_COPY``) whose files are dropped from the page
cache before each run (posix_fadvise DONTNEED), so that libjvm, the CDS archive and the modules
image are faulted in by the JVM and charged to its group, as they are in a container whose image
nobody else on the node reads.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = os.environ.get("CGOOM_CLASSES", "/tmp/cgoom-classes")
def _java_home():
    java = shutil.which("java")
    return os.path.dirname(os.path.dirname(os.path.realpath(java))) if java else ""


JDK_SRC = os.environ.get("CGOOM_JDK") or _java_home()
JDK_COPY = os.environ.get("CGOOM_JDK_COPY", "/tmp/cgoom-jdk")
DATA_DIR = os.environ.get("CGOOM_DATA", "/var/tmp/cgoom-data")
SAMPLE_S = 0.1
V1_ROOT = "/sys/fs/cgroup/memory"
V2_ROOT = "/sys/fs/cgroup"
MIB = 1 << 20

STAT_V1 = ["rss", "cache", "mapped_file", "inactive_file", "active_file", "inactive_anon",
           "active_anon", "dirty", "writeback", "pgmajfault", "pgpgin", "pgpgout", "shmem"]
# cgroup v2 names of the same figures (memory.stat).
STAT_V2 = {"anon": "rss", "file": "cache", "file_mapped": "mapped_file",
           "inactive_file": "inactive_file", "active_file": "active_file",
           "inactive_anon": "inactive_anon", "active_anon": "active_anon", "file_dirty": "dirty",
           "file_writeback": "writeback", "pgmajfault": "pgmajfault", "kernel": "kernel",
           "kernel_stack": "kernel_stack", "pagetables": "pagetables",
           "workingset_refault_file": "workingset_refault_file", "shmem": "shmem"}


class CgroupError(Exception):
    pass


def read(path):
    with open(path) as f:
        return f.read()


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def kv(text):
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            try:
                out[parts[0]] = int(parts[1])
            except ValueError:
                pass
    return out


class Group:
    """A memory cgroup of our own, v1 or v2, with a hard limit and no swap."""

    seq = 0

    def __init__(self, limit_bytes):
        Group.seq += 1
        name = f"memsim-cgoom-{os.getpid()}-{Group.seq}"
        if os.path.exists(os.path.join(V1_ROOT, "memory.limit_in_bytes")):
            self.v2 = False
            self.path = os.path.join(V1_ROOT, name)
        elif os.path.exists(os.path.join(V2_ROOT, "cgroup.controllers")):
            self.v2 = True
            self.path = os.path.join(V2_ROOT, name)
            if "memory" not in read(os.path.join(V2_ROOT, "cgroup.controllers")).split():
                raise CgroupError("cgroup v2 without the memory controller")
            sub = os.path.join(V2_ROOT, "cgroup.subtree_control")
            if "memory" not in read(sub).split():
                write(sub, "+memory")
        else:
            raise CgroupError("no memory cgroup (neither v1 at %s nor v2 at %s)" % (V1_ROOT, V2_ROOT))
        if os.path.exists(self.path):
            raise CgroupError(f"{self.path} exists already; it is not ours")
        try:
            os.mkdir(self.path)
        except OSError as e:
            raise CgroupError(f"cannot create {self.path}: {e}") from e
        try:
            if self.v2:
                write(self.f("memory.max"), limit_bytes)
                if os.path.exists(self.f("memory.swap.max")):
                    write(self.f("memory.swap.max"), 0)
            else:
                write(self.f("memory.limit_in_bytes"), limit_bytes)
                if os.path.exists(self.f("memory.memsw.limit_in_bytes")):
                    write(self.f("memory.memsw.limit_in_bytes"), limit_bytes)
        except OSError as e:
            self.remove()
            raise CgroupError(f"cannot set the limit of {self.path}: {e}") from e

    def f(self, name):
        return os.path.join(self.path, name)

    def procs(self):
        return self.f("cgroup.procs")

    def usage(self):
        return int(read(self.f("memory.current" if self.v2 else "memory.usage_in_bytes")))

    def stat(self):
        s = kv(read(self.f("memory.stat")))
        if self.v2:
            return {v: s.get(k, 0) for k, v in STAT_V2.items()}
        out = {k: s.get(k, 0) for k in STAT_V1}
        if os.path.exists(self.f("memory.kmem.usage_in_bytes")):
            out["kernel"] = int(read(self.f("memory.kmem.usage_in_bytes")))
        return out

    def oom_kills(self):
        if self.v2:
            return kv(read(self.f("memory.events"))).get("oom_kill", 0)
        return kv(read(self.f("memory.oom_control"))).get("oom_kill", 0)

    def max_usage(self):
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        return int(read(self.f(name))) if os.path.exists(self.f(name)) else None

    def remove(self):
        # The tasks are gone (we waited for them); the charges of page cache move to the parent.
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                if not self.v2 and os.path.exists(self.f("memory.force_empty")):
                    try:
                        write(self.f("memory.force_empty"), 0)
                    except OSError:
                        pass
                time.sleep(0.1)
        raise CgroupError(f"could not remove {self.path}")


def drop_cached(path):
    """Drops a file's (or a tree's) clean pages from the page cache."""
    paths = []
    if os.path.isdir(path):
        for d, _, files in os.walk(path):
            paths += [os.path.join(d, f) for f in files]
    else:
        paths = [path]
    for p in paths:
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def prepare():
    if not os.path.exists(os.path.join(JDK_COPY, "bin", "java")):
        tmp = JDK_COPY + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(JDK_SRC, tmp, symlinks=True)
        os.rename(tmp, JDK_COPY)
    if not os.path.exists(os.path.join(CLASSES, "CgWorkload.class")):
        os.makedirs(CLASSES, exist_ok=True)
        subprocess.run(["javac", "-nowarn", "-d", CLASSES, os.path.join(HERE, "CgWorkload.java")],
                       check=True, stderr=subprocess.DEVNULL)
    os.makedirs(DATA_DIR, exist_ok=True)


def make_file(path, size):
    """A file of `size` bytes of non-zero data (not sparse), then out of the page cache."""
    if not (os.path.exists(path) and os.path.getsize(path) == size):
        block = bytes([7]) * MIB
        with open(path, "wb") as f:
            left = size
            while left > 0:
                n = min(left, MIB)
                f.write(block[:n])
                left -= n
    drop_cached(path)


# Thrashing, as read from the samples: at the limit (usage within 2 MiB of it), the group takes at
# least this many major faults within the next second (the JVM refaulting its own file pages). A
# program streaming a file larger than the limit takes a few dozen per second; thrashing, hundreds.
THRASH_MAJFAULTS_PER_S = 50
AT_LIMIT_SLACK = 2 * MIB


def summarize(rec):
    """The kernel's verdict in a few numbers: killed or not and when, when the group first reached
    its limit, when thrashing began (see THRASH_MAJFAULTS_PER_S), the peak charge."""
    limit = rec["config"]["limit_bytes"]
    samples = rec["samples"]
    at_limit = next((s["t_ms"] for s in samples if s["usage"] >= limit - AT_LIMIT_SLACK), None)
    thrash = None
    for i, s in enumerate(samples):
        if s["usage"] < limit - AT_LIMIT_SLACK:
            continue
        later = [x for x in samples[i:] if x["t_ms"] <= s["t_ms"] + 1000]
        if later[-1]["pgmajfault"] - s["pgmajfault"] >= THRASH_MAJFAULTS_PER_S:
            thrash = s["t_ms"]
            break
    return {"killed": rec["killed"], "kill_ms": rec["end_ms"] if rec["killed"] else None,
            "at_limit_ms": at_limit, "thrash_ms": thrash, "max_usage": rec["max_usage"],
            "thrash_majfaults_per_s": THRASH_MAJFAULTS_PER_S}


def run(cfg):
    """Runs one configuration; returns its record."""
    prepare()
    drop_cached(JDK_COPY)
    kind = cfg["kind"]
    file = None
    if kind in ("mapread", "mapwrite", "writeread"):
        file = os.path.join(DATA_DIR, f"{cfg['name']}.dat")
        if kind == "mapread":
            make_file(file, cfg["file_bytes"])
        elif os.path.exists(file):
            os.unlink(file)
    cmd = [os.path.join(JDK_COPY, "bin", "java")] + cfg["jvm"] + [
        "-cp", CLASSES, "CgWorkload", "--kind", kind, "--total", str(cfg["total"]),
        "--rate", str(cfg.get("rate", 0)), "--hold", str(cfg.get("hold_s", 5)),
        "--passes", str(cfg.get("passes", 1))]
    if file:
        cmd += ["--file", file]
    group = Group(cfg["limit_bytes"])
    proc = None
    lines = []
    samples = []
    try:
        # The shell moves itself into the group, then becomes the JVM (same pid).
        shell = 'echo $$ > "$0" && exec "$@"'
        proc = subprocess.Popen(["sh", "-c", shell, group.procs()] + cmd,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        progress = {"done": 0, "ready_ms": None, "done_ms": None}

        def reader():
            for line in proc.stdout:
                t = round((time.monotonic() - t0) * 1000)
                w = line.split()
                if not w:
                    continue
                if w[0] == "P":
                    progress["done"] = int(w[2])
                elif w[0] == "READY":
                    progress["ready_ms"] = t
                elif w[0] == "DONE":
                    progress["done_ms"] = t
                    lines.append(line.strip())
                else:
                    lines.append(line.strip())

        th = threading.Thread(target=reader, daemon=True)
        th.start()
        timeout = cfg.get("timeout_s", 60)
        next_at = t0
        timed_out = False
        while proc.poll() is None:
            now = time.monotonic()
            if now - t0 > timeout:
                timed_out = True
                proc.kill()
                break
            try:
                st = group.stat()
                rss = None
                try:
                    rss = kv(read(f"/proc/{proc.pid}/status").replace(":", "")).get("VmRSS")
                except (OSError, ValueError):
                    pass
                samples.append({"t_ms": round((now - t0) * 1000), "usage": group.usage(),
                                "vmrss": rss * 1024 if rss is not None else None,
                                "done": progress["done"], **st})
            except OSError:
                pass
            next_at += SAMPLE_S
            time.sleep(max(0.0, next_at - time.monotonic()))
        rc = proc.wait()
        end_ms = round((time.monotonic() - t0) * 1000)
        th.join(timeout=5)
        stderr = proc.stderr.read()
        kills = group.oom_kills()
        peak = group.max_usage()
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        try:
            group.remove()
        finally:
            if file and os.path.exists(file) and kind != "mapread":
                os.unlink(file)
    killed = kills > 0 and rc == -signal.SIGKILL
    rec = {
        "name": cfg["name"], "config": cfg, "cgroup": "v2" if group.v2 else "v1",
        "kernel": os.uname().release,
        "exit": rc, "signal": -rc if rc < 0 else None, "timed_out": timed_out,
        "oom_kills": kills, "killed": killed, "end_ms": end_ms,
        "ready_ms": progress["ready_ms"], "done_ms": progress["done_ms"],
        "max_usage": peak, "final_done": progress["done"], "lines": lines[-5:],
        "stderr_tail": stderr[-400:], "samples": samples,
    }
    rec["kernel_verdict"] = summarize(rec)
    return rec


def main():
    sys.path.insert(0, HERE)
    import configs
    args = sys.argv[1:]

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    if args and args[0] == "--resummarize":
        # Recomputes `kernel_verdict` of recorded results (after a change of the criteria).
        for path in args[1:]:
            with open(path) as f:
                rec = json.load(f)
            rec["kernel_verdict"] = summarize(rec)
            with open(path, "w") as f:
                json.dump(rec, f, indent=None, separators=(",", ":"))
                f.write("\n")
        return
    if args and args[0] == "--all":
        outdir = args[args.index("--outdir") + 1] if "--outdir" in args else os.path.join(HERE, "results")
        only = [a for a in args[1:] if not a.startswith("--") and a != outdir]
        for cfg in configs.CONFIGS:
            if only and cfg["name"] not in only:
                continue
            rec = run(cfg)
            with open(os.path.join(outdir, cfg["name"] + ".json"), "w") as f:
                json.dump(rec, f, indent=None, separators=(",", ":"))
                f.write("\n")
            print(f"{cfg['name']}: killed={rec['killed']} end={rec['end_ms']}ms "
                  f"peak={rec['max_usage'] and rec['max_usage'] // MIB}MiB done={rec['final_done']}",
                  flush=True)
        return
    name = args[0]
    cfg = json.loads(name) if name.startswith("{") else configs.by_name(name)
    rec = run(cfg)
    out = args[args.index("--out") + 1] if "--out" in args else None
    text = json.dumps(rec, separators=(",", ":"))
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
