import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The real jars' cost of one allocate + free: runs a program of {@code size keep} lines (the
 * direct-pool benches' program, printed by {@code cargo run -p memsim-benches --example
 * alloc_program}) through an allocator on one plain thread, warmed up, and prints nanoseconds per
 * allocation (each followed, in the program's hold pattern, by its free).
 *
 * <p>Usage: {@code java -cp <build>:<jars> AllocCost PROGRAM adaptive|pooled [ROUNDS]} (adaptive needs
 * the 4.2 jars; the adaptive allocator is looked up by reflection so the same class also runs on
 * 4.1's); run with the flags of run-adaptive.sh (Netty's counter on, leak detection off).
 */
public final class AllocCost {
    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]));
        int n = lines.size();
        int[] sizes = new int[n];
        int[] keeps = new int[n];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i).trim().split(" ");
            sizes[i] = Integer.parseInt(f[0]);
            keeps[i] = Integer.parseInt(f[1]);
        }
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        io.netty.buffer.ByteBufAllocator alloc = args[1].equals("adaptive")
                ? (io.netty.buffer.ByteBufAllocator) Class.forName("io.netty.buffer.AdaptiveByteBufAllocator")
                        .getConstructor(boolean.class, boolean.class).newInstance(true, false)
                : new io.netty.buffer.PooledByteBufAllocator(true);
        long best = Long.MAX_VALUE;
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            sink += run(alloc, sizes, keeps);
            long t = System.nanoTime() - t0;
            if (r >= rounds / 2) {
                best = Math.min(best, t);
            }
        }
        System.out.printf("%s: %.1f ns per alloc+free (best of the last %d rounds of %d ops; sink %d)%n",
                args[1], (double) best / n, rounds - rounds / 2, n, sink & 1);
    }

    static long run(io.netty.buffer.ByteBufAllocator alloc, int[] sizes, int[] keeps) {
        ArrayList<io.netty.buffer.ByteBuf> held = new ArrayList<>(64);
        long sum = 0;
        for (int i = 0; i < sizes.length; i++) {
            io.netty.buffer.ByteBuf b = alloc.directBuffer(sizes[i], sizes[i]);
            held.add(b);
            while (held.size() > keeps[i]) {
                // swap_remove(0), as the Rust bench does
                io.netty.buffer.ByteBuf first = held.get(0);
                io.netty.buffer.ByteBuf last = held.remove(held.size() - 1);
                if (first != last) {
                    held.set(0, last);
                }
                sum += first.capacity();
                first.release();
            }
        }
        for (io.netty.buffer.ByteBuf b : held) {
            b.release();
        }
        return sum;
    }
}
