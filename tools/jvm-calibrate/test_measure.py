#!/usr/bin/env python3
"""Tests of measure.py's parsers on the real NMT texts in crates/memsim-report/tests/fixtures/nmt.

    python3 -m unittest discover -s tools/jvm-calibrate -p 'test_*.py'
"""

import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import measure  # noqa: E402

FIXTURES = HERE.parent.parent / "crates" / "memsim-report" / "tests" / "fixtures" / "nmt"


def load(name: str) -> dict:
    return measure.parse_nmt((FIXTURES / name).read_text())


class ParseNmt(unittest.TestCase):
    def test_every_fixture_sums_to_its_total(self):
        files = sorted(FIXTURES.glob("*.txt"))
        self.assertGreaterEqual(len(files), 5)
        for f in files:
            with self.subTest(f.name):
                p = measure.parse_nmt(f.read_text())
                sfx = measure._scale_suffix(p["scale"])
                total = p["total"][f"committed_{sfx}"]
                if p["scale"] == "MB":
                    self.assertLessEqual(p[f"sum_committed_{sfx}"], total + len(p["categories"]))
                else:
                    self.assertLessEqual(abs(p[f"sum_committed_{sfx}"] - total), 1)

    def test_jdk21_summary(self):
        # JDK 21: GCCardSet after GC, `threads #`, `at peak` on mmap lines, `readonly=` on CDS.
        p = load("jdk21-g1-256m-idle.summary.txt")
        self.assertEqual(p["order"][p["order"].index("GC") + 1], "GCCardSet")
        self.assertEqual(p["categories"]["Thread"]["threads"], 28)
        self.assertEqual(p["categories"]["Thread"]["stack_peak_kb"], 1840)
        self.assertTrue(p["categories"]["Java Heap"]["mmap_at_peak"])
        self.assertEqual(p["categories"]["Shared class space"]["readonly_kb"], 0)
        self.assertEqual(p["categories"]["Shared class space"]["mmap_peak_kb"], 12200)

    def test_kb_summary(self):
        p = load("g1-1g-200threads.summary.txt")
        self.assertEqual(p["scale"], "KB")
        self.assertFalse(p["diff"])
        self.assertEqual(p["total"]["committed_kb"], 1206088)
        self.assertEqual(p["order"][0], "Java Heap")
        t = p["categories"]["Thread"]
        self.assertEqual(t["thread"], 221)
        self.assertIn("stack_committed_kb", t)
        self.assertIn("arena_peak_kb", t)
        c = p["categories"]["Class"]
        for k in ("classes", "instance_classes", "array_classes", "metadata_used_kb",
                  "class_space_committed_kb", "class_space_waste_pct"):
            self.assertIn(k, c)
        self.assertIn("tracking_overhead_kb", p["categories"]["Native Memory Tracking"])

    def test_diff(self):
        p = load("g1-1g-200threads.diff.txt")
        self.assertTrue(p["diff"])
        self.assertEqual(p["total"]["committed_delta_kb"], 6805)
        t = p["categories"]["Thread"]
        self.assertEqual(t["thread_delta"], 10)
        self.assertEqual(t["arena_delta_kb"], 12)  # printed without a unit by JDK 17
        self.assertEqual(t["arena_count_delta"], 20)
        self.assertEqual(p["categories"]["Class"]["metadata_waste_delta_kb"], 1)
        self.assertNotIn("committed_delta_kb", p["categories"]["Java Heap"])

    def test_byte_scales(self):
        for name in ("g1-1g-200threads-b.summary.txt", "g1-1g-200threads.print-nmt-statistics.txt"):
            p = load(name)
            self.assertEqual(p["scale"], "B")
            self.assertIn("Arguments", p["categories"])
            self.assertEqual(p["sum_committed_b"], p["total"]["committed_b"])

    def test_mb(self):
        p = load("g1-1g-200threads-mb.summary.txt")
        self.assertEqual(p["scale"], "MB")
        self.assertEqual(p["total"]["committed_mb"], 1178)
        self.assertNotIn("Compiler", p["categories"])

    def test_not_nmt(self):
        with self.assertRaises(ValueError):
            measure.parse_nmt("1234:\nNative memory tracking is not enabled\n")


class OtherParsers(unittest.TestCase):
    def test_codecache(self):
        seg = measure.parse_codecache(
            "CodeHeap 'non-nmethods': size=5692Kb used=1107Kb max_used=1121Kb free=4584Kb\n"
            " bounds [0x00007f0000000000, 0x00007f0000270000, 0x00007f0000590000]\n"
            " total_blobs=4724 nmethods=4348 adapters=290\n")
        self.assertEqual(seg["heaps"]["non-nmethods"]["committed_kb"], 2496)
        self.assertEqual(seg["nmethods"], 4348)
        one = measure.parse_codecache(
            "CodeCache: size=65536Kb used=4133Kb max_used=4422Kb free=61402Kb\n"
            " bounds [0x00007f652c400000, 0x00007f652c860000, 0x00007f6530400000]\n")
        self.assertEqual(one["heaps"]["CodeCache"]["used_kb"], 4133)
        self.assertEqual(one["committed_kb"], 4480)

    def test_heap_range(self):
        r = measure.heap_range(
            " garbage-first heap   total 1048576K, used 341458K [0x00000000c0000000, 0x0000000100000000)\n"
            " Metaspace       used 12916K, committed 13120K, reserved 1114112K\n")
        self.assertEqual(r, (0xC0000000, 0x100000000))


if __name__ == "__main__":
    unittest.main()


class MallocArenas(unittest.TestCase):
    SMAPS = """\
7f0000000000-7f0000021000 rw-p 00000000 00:00 0 
Rss:                 100 kB
7f0000021000-7f0004000000 ---p 00000000 00:00 0 
Rss:                   0 kB
7f0004000000-7f0004400000 rw-p 00000000 00:00 0 
Rss:                4096 kB
7f0004400000-7f0008000000 ---p 00000000 00:00 0 
Rss:                   0 kB
7f0008000000-7f0008100000 rw-p 00000000 00:00 0 
Rss:                1024 kB
7f0009000000-7f0009100000 rw-p 00000000 08:01 1234 /usr/lib/libz.so
Rss:                  12 kB
"""

    def test_counts_64_mib_aligned_heaps_only(self):
        a = measure.malloc_arenas(self.SMAPS)
        # Two rw-p + ---p pairs of exactly 64 MiB; the lone 1 MiB mapping and the file are not arenas.
        self.assertEqual(a["heaps"], 2)
        self.assertEqual(a["rss_kb"], 4196)
        self.assertEqual(a["accessible_kb"], 132 + 4096)
