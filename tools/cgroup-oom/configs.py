"""The battery: one JVM workload per entry, each on one side of the kill boundary.

Every JVM is small and alike (Serial, C1 only, one compiler thread, 512 KiB stacks) so that the
kind of memory under test is what decides; limits are 128-160 MiB, so a run takes seconds.
``memsim`` turns each entry into a scenario (crates/memsim-engine/tests/cgroup.rs).
"""
MIB = 1 << 20

BASE = ["-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1"]
SMALL_HEAP = ["-Xms32m", "-Xmx32m"] + BASE
L160 = 160 * MIB

# The fit set: the constants of memsim's kernel model (kernel memory per thread, the JVM's page
# cache, its hot file pages, the slowdown and delay of the kill) are fitted on these four and
# nothing else.
FIT = ["fit-baseline", "fit-threads", "fit-slow", "fit-fast"]

CONFIGS = [
    {"name": "fit-baseline", "kind": "heap", "total": 8 * MIB, "hold_s": 2, "limit_bytes": 512 * MIB,
     "jvm": ["-Xms64m", "-Xmx64m"] + BASE},
    {"name": "fit-threads", "kind": "threads", "total": 2000, "hold_s": 2, "limit_bytes": 1024 * MIB,
     "jvm": ["-Xms64m", "-Xmx64m"] + BASE},
    {"name": "fit-slow", "kind": "direct", "total": 160 * MIB, "rate": 4 * MIB, "hold_s": 10,
     "limit_bytes": 128 * MIB, "jvm": SMALL_HEAP + ["-XX:MaxDirectMemorySize=1g"], "timeout_s": 90},
    {"name": "fit-fast", "kind": "heap", "total": 200 * MIB, "hold_s": 5, "limit_bytes": 128 * MIB,
     "jvm": ["-Xms16m", "-Xmx400m"] + BASE, "timeout_s": 60},
    # Anonymous memory: the heap touched at startup, Unsafe, direct buffers.
    {"name": "heap-pretouch-fit", "kind": "heap", "total": 8 * MIB, "hold_s": 3, "limit_bytes": L160,
     "jvm": ["-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch"] + BASE},
    {"name": "heap-pretouch-kill", "kind": "heap", "total": 8 * MIB, "hold_s": 3, "limit_bytes": L160,
     "jvm": ["-Xms200m", "-Xmx200m", "-XX:+AlwaysPreTouch"] + BASE},
    {"name": "unsafe-fit", "kind": "unsafe", "total": 96 * MIB, "hold_s": 3, "limit_bytes": L160,
     "jvm": SMALL_HEAP},
    {"name": "unsafe-kill", "kind": "unsafe", "total": 160 * MIB, "hold_s": 3, "limit_bytes": L160,
     "jvm": SMALL_HEAP},
    {"name": "direct-fit", "kind": "direct", "total": 96 * MIB, "hold_s": 3, "limit_bytes": L160,
     "jvm": SMALL_HEAP + ["-XX:MaxDirectMemorySize=1g"]},
    {"name": "direct-kill", "kind": "direct", "total": 160 * MIB, "hold_s": 3, "limit_bytes": L160,
     "jvm": SMALL_HEAP + ["-XX:MaxDirectMemorySize=1g"]},
    # Threads: user stack pages and JVM structures (anonymous) plus kernel memory per thread.
    {"name": "threads-fit", "kind": "threads", "total": 1000, "hold_s": 3, "limit_bytes": 128 * MIB,
     "jvm": SMALL_HEAP},
    {"name": "threads-kill", "kind": "threads", "total": 3000, "hold_s": 3, "limit_bytes": 128 * MIB,
     "jvm": SMALL_HEAP},
    # Files larger than the limit: read through a mapping, written through a MAP_SHARED mapping,
    # written with write() then read.
    {"name": "mapread-clean", "kind": "mapread", "file_bytes": 512 * MIB, "total": 0, "passes": 2,
     "hold_s": 3, "limit_bytes": L160, "jvm": SMALL_HEAP},
    {"name": "mapwrite-dirty", "kind": "mapwrite", "total": 512 * MIB, "hold_s": 3,
     "limit_bytes": L160, "jvm": SMALL_HEAP, "timeout_s": 120},
    {"name": "writeread", "kind": "writeread", "total": 512 * MIB, "passes": 1, "hold_s": 3,
     "limit_bytes": L160, "jvm": SMALL_HEAP, "timeout_s": 120},
    # Slow growth up to and past the limit: reclaim of the JVM's own file pages, then a kill or not.
    {"name": "unsafe-slow-fit", "kind": "unsafe", "total": 100 * MIB, "rate": 4 * MIB, "hold_s": 10,
     "limit_bytes": L160, "jvm": SMALL_HEAP},
    {"name": "unsafe-slow-kill", "kind": "unsafe", "total": 200 * MIB, "rate": 4 * MIB, "hold_s": 10,
     "limit_bytes": L160, "jvm": SMALL_HEAP, "timeout_s": 120},
    {"name": "heap-slow-kill", "kind": "heap", "total": 300 * MIB, "rate": 8 * MIB, "hold_s": 10,
     "limit_bytes": L160, "jvm": ["-Xms16m", "-Xmx400m"] + BASE, "timeout_s": 120},
]


def by_name(name):
    for c in CONFIGS:
        if c["name"] == name:
            return c
    raise KeyError(name)
