import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A heap workload for measuring GC pauses: keeps a live set, then allocates a fixed number of bytes
 * of short-lived garbage at a given rate, then exits. The amount allocated, not the wall time,
 * decides how many collections run, so the pause count is a firm fact to compare memsim with.
 *
 * <p>Options (sizes take a k/m/g suffix, binary): {@code --live B} retained in 64 KiB arrays;
 * {@code --churn B} total garbage (the same mix as tools/jvm-calibrate/Workload.java: one 1 KiB
 * array and a few small objects per step); {@code --rate B} garbage per second, paced in 10 ms
 * slices (0 = as fast as possible); {@code --threads N} parks N more threads 50 frames deep (their stacks are
 * roots every collection scans); {@code --leak-every N} retains one 1 KiB array in N, unpaced, until the heap is
 * exhausted (for the GC overhead limit; churn and rate are then ignored).
 * Prints {@code INFO key=value} lines and, when an OutOfMemoryError ends the run,
 * {@code CAUGHT <Throwable.toString()>}.
 */
public final class GcWorkload {
    static volatile Object sink;
    /** The live set, static so that it stays reachable after setup (a local would be dead to the JIT). */
    static List<long[]> kept = new ArrayList<>();
    static List<byte[]> leaked = new ArrayList<>();

    public static void main(String[] args) {
        long live = 0, churn = 0, rate = 0, leakEvery = 0, threads = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            long v = parseSize(args[i + 1]);
            switch (args[i]) {
                case "--live": live = v; break;
                case "--churn": churn = v; break;
                case "--rate": rate = v; break;
                case "--leak-every": leakEvery = v; break;
                case "--threads": threads = v; break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        // Parked threads whose stacks are GC roots (each 50 frames deep).
        for (long i = 0; i < threads; i++) {
            Thread t = new Thread(() -> park(50), "parked-" + i);
            t.setDaemon(true);
            t.start();
        }
        long t0 = System.nanoTime();
        try {
            for (long done = 0; done < live; done += 8192 * 8) {
                kept.add(new long[8192]);
            }
            long t1 = System.nanoTime();
            System.out.println("INFO live_ms=" + (t1 - t0) / 1_000_000);
            Object[] ring = new Object[64];
            int k = 0;
            long done = 0;
            // With --leak-every N, one garbage array in N is retained instead: the live set grows
            // until the heap is exhausted (churn is then ignored).
            while (leakEvery > 0 || done < churn) {
                long target = leakEvery > 0 || rate == 0 ? done + (1 << 20)
                        : Math.min(churn, (long) ((System.nanoTime() - t1) / 1e9 * rate));
                while (done < target) {
                    byte[] b = new byte[1024];
                    b[k & 1023] = (byte) k;
                    ring[k & 63] = b;
                    ring[(k + 1) & 63] = new int[8];
                    ring[(k + 2) & 63] = Integer.toString(k);
                    if (leakEvery > 0 && (k / 3) % leakEvery == 0) {
                        leaked.add(b);
                    }
                    k += 3;
                    done += 1024 + 16 + 48 + 56;
                }
                sink = ring[k & 63];
                if (rate != 0 && leakEvery == 0) {
                    LockSupport.parkNanos(10_000_000L);
                }
            }
            System.out.println("INFO churn_ms=" + (System.nanoTime() - t1) / 1_000_000);
            System.out.println("INFO churned_bytes=" + done);
        } catch (OutOfMemoryError e) {
            int n = leaked.size();
            leaked = null;
            kept = null;
            System.out.println("CAUGHT " + e);
            System.out.println("INFO leaked_arrays=" + n);
            System.out.println("INFO oom_ms=" + (System.nanoTime() - t0) / 1_000_000);
        }
        System.out.println("INFO total_ms=" + (System.nanoTime() - t0) / 1_000_000);
    }

    static void park(int depth) {
        if (depth > 0) {
            park(depth - 1);
        } else {
            while (true) {
                LockSupport.park();
            }
        }
    }

    static long parseSize(String s) {
        s = s.trim().toLowerCase();
        long m = 1;
        char c = s.charAt(s.length() - 1);
        if (c == 'k') m = 1L << 10; else if (c == 'm') m = 1L << 20; else if (c == 'g') m = 1L << 30;
        if (m != 1) s = s.substring(0, s.length() - 1);
        return Long.parseLong(s) * m;
    }
}
