/*
 * CostLoop: the real PooledByteBufAllocator's cost of one directBuffer + release, measured the way
 * benches/benches/direct_alloc.rs measures memsim's pool models: 100,000 allocations of the same
 * size mix (1 in 20 uniform in 1 B..1 MiB, else 256 B..64 KiB), each buffer held until up to 63
 * later allocations have happened, on one thread, on a fresh allocator with 4 direct arenas.
 * The program repeats until warmed up; the median of the last rounds is printed in ns per
 * alloc+free. Not JMH: a warmed-up loop, enough for the order of magnitude (README.md).
 *
 *   tools/netty-replay/cost.sh [--netty V]   (compiles and runs this with the replay's JVM flags)
 */

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public final class CostLoop {
    public static void main(String[] args) throws Exception {
        // Each round's chunks are destroyed as PoolArena's finalizer would (outside the timing), so
        // rounds never add up against the direct-memory cap.
        java.lang.reflect.Method destroy = Class.forName("io.netty.buffer.PoolArena").getDeclaredMethod("finalize");
        destroy.setAccessible(true);
        boolean cached = args.length > 0 && args[0].equals("cached");
        int n = 100_000;
        int[] sizes = new int[n];
        int[] keep = new int[n];
        long x = 3;
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            long r = x >>> 33;
            sizes[i] = r % 20 == 0 ? 1 + (int) ((r >>> 5) % (1 << 20)) : 256 + (int) ((r >>> 5) % (64 << 10));
            x = x * 6364136223846793005L + 1442695040888963407L;
            keep[i] = (int) ((x >>> 33) % 64);
        }
        int rounds = 40;
        double[] nsPerOp = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            io.netty.buffer.PooledByteBufAllocator alloc = new io.netty.buffer.PooledByteBufAllocator(
                    true, 0, 4, io.netty.buffer.PooledByteBufAllocator.defaultPageSize(),
                    io.netty.buffer.PooledByteBufAllocator.defaultMaxOrder(),
                    io.netty.buffer.PooledByteBufAllocator.defaultTinyCacheSize(),
                    io.netty.buffer.PooledByteBufAllocator.defaultSmallCacheSize(),
                    io.netty.buffer.PooledByteBufAllocator.defaultNormalCacheSize(), cached, 0);
            List<io.netty.buffer.ByteBuf> held = new ArrayList<>(64);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                held.add(alloc.directBuffer(sizes[i], sizes[i]));
                while (held.size() > keep[i]) {
                    // swap_remove(0), as the Rust bench does.
                    io.netty.buffer.ByteBuf b = held.get(0);
                    held.set(0, held.get(held.size() - 1));
                    held.remove(held.size() - 1);
                    b.release();
                }
            }
            nsPerOp[round] = (System.nanoTime() - start) / (double) n;
            for (io.netty.buffer.ByteBuf b : held) {
                b.release();
            }
            io.netty.util.concurrent.FastThreadLocal.removeAll();
            for (Object arena : alloc.metric().directArenas()) {
                destroy.invoke(arena);
            }
        }
        double[] last = Arrays.copyOfRange(nsPerOp, rounds / 2, rounds);
        Arrays.sort(last);
        System.out.printf("netty %s caches %s: median %.0f ns per alloc+free (rounds %d..%d: %.0f..%.0f ns)%n",
                io.netty.util.Version.identify().getOrDefault("netty-buffer", null) == null ? "?"
                        : io.netty.util.Version.identify().get("netty-buffer").artifactVersion(),
                cached ? "on" : "off", last[last.length / 2], rounds / 2, rounds, last[0], last[last.length - 1]);
    }
}
