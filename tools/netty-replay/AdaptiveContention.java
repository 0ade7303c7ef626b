import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The adaptive allocator under real contention, for the statistical comparison with memsim's
 * one-at-a-time model: T plain threads run their own seeded programs (allocate, hold up to 64
 * buffers, free the oldest) concurrently, unsynchronised, R times on fresh allocators; each run
 * prints one line of JSON with {@code usedDirectMemory} while the last buffers are still held and
 * every shared group's magazine count. The same programs interleaved round-robin, one operation at
 * a time, are written as a memsim trace (the model's input: its {@code metrics held} snapshot is
 * what the runs are compared with).
 *
 * <p>Usage: {@code AdaptiveContention TRACE_OUT THREADS OPS_PER_THREAD RUNS SEED}, with the JVM
 * flags of run-adaptive.sh (run there with {@code --contention}).
 */
public final class AdaptiveContention {
    public static void main(String[] argv) throws Exception {
        // run-adaptive.sh passes its --cores through; the JVM flags already carry it.
        List<String> rest = new ArrayList<>(List.of(argv));
        while (!rest.isEmpty() && rest.get(0).startsWith("--")) {
            rest.subList(0, 2).clear();
        }
        String[] args = rest.toArray(new String[0]);
        String out = args[0];
        int threads = Integer.parseInt(args[1]);
        int ops = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        long seed = Long.parseLong(args[4]);
        int[][] sizes = new int[threads][ops];
        for (int t = 0; t < threads; t++) {
            Random r = new Random(seed * 1000 + t);
            for (int i = 0; i < ops; i++) {
                sizes[t][i] = r.nextInt(20) == 0 ? 1 + r.nextInt(1 << 20) : 256 + r.nextInt(16 << 10);
            }
        }
        final int hold = 64;
        // The one-at-a-time equivalent: thread 0's op, thread 1's op, ..., round-robin.
        StringBuilder trace = new StringBuilder("# AdaptiveContention round-robin program\n");
        for (int i = 0; i < ops; i++) {
            for (int t = 0; t < threads; t++) {
                trace.append("alloc t").append(t).append('_').append(i).append(' ').append(sizes[t][i])
                        .append(" thread t").append(t).append('\n');
                if (i >= hold) {
                    trace.append("free t").append(t).append('_').append(i - hold).append(" thread t").append(t)
                            .append('\n');
                }
            }
        }
        trace.append("metrics held\n");
        Files.write(Paths.get(out), trace.toString().getBytes(StandardCharsets.UTF_8));

        AdaptiveReplay.Replayer.check(io.netty.util.NettyRuntime.availableProcessors(), null);
        PrintStream o = System.out;
        for (int run = 0; run < runs; run++) {
            // Thread ids as in the trace: t0 is 0, t1 is 1, ... (the replay's convention).
            AdaptiveReplay.Replayer rep = new AdaptiveReplay.Replayer(false);
            io.netty.buffer.AdaptiveByteBufAllocator alloc = rep.allocator;
            List<List<io.netty.buffer.ByteBuf>> held = new ArrayList<>();
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int tt = t;
                final List<io.netty.buffer.ByteBuf> mine = new ArrayList<>();
                held.add(mine);
                Thread th = new AdaptiveReplay.TraceThread(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    java.util.ArrayDeque<io.netty.buffer.ByteBuf> q = new java.util.ArrayDeque<>();
                    for (int i = 0; i < ops; i++) {
                        q.addLast(alloc.directBuffer(sizes[tt][i], sizes[tt][i]));
                        if (i >= hold) {
                            q.removeFirst().release();
                        }
                    }
                    mine.addAll(q);
                }, "contention-" + t, t);
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) {
                th.join();
            }
            StringBuilder s = new StringBuilder();
            s.append("{\"usedDirectMemory\":").append(alloc.metric().usedDirectMemory()).append(",\"magazines\":[");
            Object[] groups = (Object[]) AdaptiveReplay.Replayer.groupsField.get(rep.pooling);
            for (int i = 0; i <= groups.length; i++) {
                Object g = i < groups.length ? groups[i] : AdaptiveReplay.Replayer.largeField.get(rep.pooling);
                if (i > 0) {
                    s.append(',');
                }
                s.append(((Object[]) AdaptiveReplay.Replayer.magsField.get(g)).length);
            }
            s.append("]}");
            o.println(s);
            for (List<io.netty.buffer.ByteBuf> l : held) {
                for (io.netty.buffer.ByteBuf b : l) {
                    b.release();
                }
            }
            rep.close();
        }
        o.flush();
    }
}
