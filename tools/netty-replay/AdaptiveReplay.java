import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays memsim allocation traces through the real {@code AdaptiveByteBufAllocator} of Netty 4.2
 * (direct buffers) and prints, per trace, one line of JSON: where every buffer landed, the errors,
 * and the allocator's state at each {@code metrics} line and at the end.
 *
 * <p>It reuses {@link NettyReplay}'s trace parser (same grammar, messages, line numbers); both are
 * compiled together against the 4.2 jars by {@code run.sh --adaptive}. See README.md, section
 * "Netty 4.2 AdaptiveByteBufAllocator", for the conventions (thread identity, arena numbering).
 *
 * <p>Several traces can be given: each gets a fresh allocator in the same JVM (the allocator's static
 * settings, read once per JVM, are shared: processors, low-memory mode, queue capacities).
 */
public final class AdaptiveReplay {
    static final String USAGE =
            "usage: java -cp <build>:netty-buffer-4.2.jar:netty-common-4.2.jar [JVM flags] AdaptiveReplay"
            + " [--cores N] [--max-direct-memory B] [--event-loop-threads] TRACE...\n"
            + "(tools/netty-replay/run.sh --adaptive passes the JVM flags; see tools/netty-replay/README.md)";

    /** The size classes of 4.2.13, by which a size-classed chunk's segment names its magazine group. */
    static int[] sizeClasses;

    public static void main(String[] args) throws Exception {
        Integer cores = null;
        Long maxDirect = null;
        boolean eventLoop = false;
        List<String> traces = new ArrayList<>();
        List<List<NettyReplay.Op>> parsed = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--event-loop-threads")) {
                    eventLoop = true;
                } else if (a.equals("--cores") || a.equals("--max-direct-memory")) {
                    if (i + 1 >= args.length) {
                        throw new NettyReplay.UsageError("option " + a + " needs a value");
                    }
                    String v = args[++i];
                    if (a.equals("--cores")) {
                        cores = NettyReplay.parseInt(a, v, 1);
                    } else {
                        try {
                            maxDirect = Long.parseLong(v);
                        } catch (NumberFormatException e) {
                            throw new NettyReplay.UsageError(a + " expects an integer number of bytes, got '" + v + "'");
                        }
                    }
                } else if (a.startsWith("--")) {
                    throw new NettyReplay.UsageError("unknown option " + a);
                } else {
                    traces.add(a);
                }
            }
            if (traces.isEmpty()) {
                throw new NettyReplay.UsageError("missing TRACE");
            }
            for (String path : traces) {
                String text;
                try {
                    text = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new NettyReplay.UsageError("cannot read trace " + path + ": " + e);
                }
                parsed.add(NettyReplay.parseTrace(text));
            }
        } catch (NettyReplay.UsageError e) {
            System.err.println("AdaptiveReplay: " + e.getMessage());
            if (!(e instanceof NettyReplay.SyntaxError)) {
                System.err.println(USAGE);
            }
            System.exit(2);
            return;
        }
        // Before any Netty class is initialised: read once, in static initialisers.
        int n = cores != null ? cores : 2;
        System.setProperty("io.netty.availableProcessors", Integer.toString(n));
        if (maxDirect != null) {
            System.setProperty("io.netty.maxDirectMemory", Long.toString(maxDirect));
        }
        System.setProperty("io.netty.leakDetection.level", "disabled");
        Replayer.check(n, maxDirect);
        PrintStream out = System.out;
        for (List<NettyReplay.Op> ops : parsed) {
            Replayer r = new Replayer(eventLoop);
            for (NettyReplay.Op op : ops) {
                r.apply(op);
            }
            out.print(r.json());
            r.close();
        }
        out.flush();
        if (out.checkError()) {
            NettyReplay.fail(System.err, "could not write the JSON to stdout");
        }
    }

    /** A plain Thread (not a FastThreadLocalThread) whose getId() is the trace's thread number. */
    static final class TraceThread extends Thread {
        final long traceId;

        TraceThread(Runnable r, String name, long traceId) {
            super(r, name);
            this.traceId = traceId;
        }

        @Override
        @SuppressWarnings("deprecation")
        public long getId() {
            return traceId;
        }
    }

    /**
     * A FastThreadLocalThread (cleaning up its FastThreadLocals, as event-loop threads do) whose
     * getId() is the trace's thread number.
     */
    static final class EventLoopTraceThread extends io.netty.util.concurrent.FastThreadLocalThread {
        final long traceId;

        EventLoopTraceThread(Runnable r, String name, long traceId) {
            super(r, name);
            this.traceId = traceId;
        }

        @Override
        @SuppressWarnings("deprecation")
        public long getId() {
            return traceId;
        }
    }

    /** Runs one trace thread's operations on its own thread, one at a time. */
    static final class Worker {
        final java.util.concurrent.SynchronousQueue<java.util.concurrent.FutureTask<?>> queue =
                new java.util.concurrent.SynchronousQueue<>();
        final Thread thread;
        boolean stop; // worker thread only

        Worker(String name, long id, boolean eventLoop) {
            String n = "replay-" + name + "#" + id;
            thread = eventLoop ? new EventLoopTraceThread(this::loop, n, id) : new TraceThread(this::loop, n, id);
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            try {
                while (!stop) {
                    queue.take().run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        <T> T call(java.util.concurrent.Callable<T> c) throws Exception {
            java.util.concurrent.FutureTask<T> f = new java.util.concurrent.FutureTask<>(c);
            queue.put(f);
            try {
                return f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception) {
                    throw (Exception) cause;
                }
                throw new RuntimeException(cause);
            }
        }
    }

    static java.lang.reflect.Field field(Class<?> c, String name) throws NoSuchFieldException {
        java.lang.reflect.Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    static final class Replayer {
        final boolean eventLoop;
        /** Event-loop mode: every FastThreadLocalThread gets thread-local magazines. */
        final io.netty.buffer.AdaptiveByteBufAllocator allocator;
        final Object pooling; // AdaptivePoolingAllocator (direct)
        final java.util.IdentityHashMap<Object, Integer> chunkIds = new java.util.IdentityHashMap<>();
        final List<Object> chunks = new ArrayList<>();
        final List<Integer> chunkGroups = new ArrayList<>();
        final java.util.Map<String, Worker> workers = new java.util.HashMap<>();
        /** Trace thread numbers: given at a name's first mention (alloc, free, trim), dropped by exit. */
        final java.util.Map<String, Long> threadIds = new java.util.HashMap<>();
        long nextThreadId;
        final java.util.Map<String, io.netty.buffer.ByteBuf> live = new java.util.HashMap<>();
        final List<io.netty.buffer.ByteBuf> keep = new ArrayList<>();
        final StringBuilder errors = new StringBuilder();
        final StringBuilder placements = new StringBuilder();
        final StringBuilder snapshots = new StringBuilder();

        static java.lang.reflect.Field bufChunk, bufStart, bufFast, chunkDelegate, segSize;
        static java.lang.reflect.Field directField, groupsField, largeField, magsField, cacheField;
        static java.lang.reflect.Field queueField, skipField, strategyField, maxChunkField;
        static Class<?> sizeClassedChunk, buddyChunk;

        static void check(int cores, Long maxDirect) throws Exception {
            if (io.netty.util.NettyRuntime.availableProcessors() != cores) {
                NettyReplay.fail(System.err, "io.netty.availableProcessors did not take effect");
            }
            boolean jdkMode = maxDirect != null && maxDirect == 0;
            if (!jdkMode && io.netty.util.internal.PlatformDependent.usedDirectMemory() == -1) {
                NettyReplay.fail(System.err, "Netty's direct memory counter is off: run java with"
                        + " -Dio.netty.tryReflectionSetAccessible=true --add-opens java.base/java.nio=ALL-UNNAMED");
            }
            Class<?> apa = Class.forName("io.netty.buffer.AdaptivePoolingAllocator");
            java.lang.reflect.Method m = apa.getDeclaredMethod("getSizeClasses");
            m.setAccessible(true);
            sizeClasses = (int[]) m.invoke(null);
            Class<?> buf = Class.forName("io.netty.buffer.AdaptivePoolingAllocator$AdaptiveByteBuf");
            bufChunk = field(buf, "chunk");
            bufStart = field(buf, "startIndex");
            bufFast = field(buf, "maxFastCapacity");
            Class<?> chunk = Class.forName("io.netty.buffer.AdaptivePoolingAllocator$Chunk");
            chunkDelegate = field(chunk, "delegate");
            sizeClassedChunk = Class.forName("io.netty.buffer.AdaptivePoolingAllocator$SizeClassedChunk");
            buddyChunk = Class.forName("io.netty.buffer.AdaptivePoolingAllocator$BuddyChunk");
            segSize = field(sizeClassedChunk, "segmentSize");
            directField = field(io.netty.buffer.AdaptiveByteBufAllocator.class, "direct");
            groupsField = field(apa, "sizeClassedMagazineGroups");
            largeField = field(apa, "largeBufferMagazineGroup");
            Class<?> group = Class.forName("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup");
            magsField = field(group, "magazines");
            cacheField = field(group, "chunkCache");
            strategyField = field(group, "chunkManagementStrategy");
            queueField = field(Class.forName("io.netty.buffer.AdaptivePoolingAllocator$ConcurrentQueueChunkCache"), "queue");
            skipField = field(Class.forName("io.netty.buffer.AdaptivePoolingAllocator$ConcurrentSkipListChunkCache"), "chunks");
            maxChunkField = field(Class.forName("io.netty.buffer.AdaptivePoolingAllocator$BuddyChunkManagementStrategy"), "maxChunkSize");
        }

        Replayer(boolean eventLoop) throws Exception {
            this.eventLoop = eventLoop;
            allocator = new io.netty.buffer.AdaptiveByteBufAllocator(true, eventLoop);
            pooling = directField.get(allocator);
        }

        long threadId(String name) {
            Long id = threadIds.get(name);
            if (id == null) {
                id = nextThreadId++;
                threadIds.put(name, id);
            }
            return id;
        }

        Worker worker(String name) {
            long id = threadId(name);
            Worker w = workers.get(name);
            if (w == null) {
                w = new Worker(name, id, eventLoop);
                workers.put(name, w);
            }
            return w;
        }

        void apply(NettyReplay.Op op) throws Exception {
            switch (op.kind) {
                case NettyReplay.ALLOC: {
                    final int size = op.size;
                    Object result = worker(op.thread).call(() -> {
                        try {
                            return allocator.directBuffer(size, size);
                        } catch (Throwable t) {
                            return t;
                        }
                    });
                    if (result instanceof Throwable) {
                        live.remove(op.id);
                        comma(errors);
                        errors.append("{\"line\":").append(op.line).append(",\"message\":");
                        NettyReplay.jsonString(errors, result.toString());
                        errors.append('}');
                        return;
                    }
                    io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) result;
                    keep.add(b);
                    live.put(op.id, b);
                    placement(op, b);
                    return;
                }
                case NettyReplay.FREE: {
                    threadId(op.thread);
                    final io.netty.buffer.ByteBuf b = live.remove(op.id);
                    if (b == null) {
                        return;
                    }
                    worker(op.thread).call(() -> b.release());
                    return;
                }
                case NettyReplay.TRIM:
                    // AdaptiveByteBufAllocator has no thread cache to trim: the thread is only started.
                    worker(op.thread).call(() -> null);
                    return;
                case NettyReplay.EXIT: {
                    threadIds.remove(op.thread);
                    final Worker w = workers.remove(op.thread);
                    if (w == null) {
                        return;
                    }
                    w.call(() -> {
                        io.netty.util.concurrent.FastThreadLocal.removeAll();
                        w.stop = true;
                        return null;
                    });
                    w.thread.join();
                    return;
                }
                case NettyReplay.METRICS:
                    snapshot(op.label);
                    return;
                default:
                    throw new IllegalStateException("op kind " + op.kind);
            }
        }

        /**
         * Ends the trace (after its JSON is out): every live buffer released, every magazine group
         * freed, the threads stopped (freeing their thread-local groups), any chunk still alive
         * deallocated directly (thread-local caches can keep full-looking chunks forever), and
         * Netty's counter checked back at zero, so the next trace in the same JVM starts from
         * nothing.
         */
        void close() throws Exception {
            for (io.netty.buffer.ByteBuf b : live.values()) {
                b.release();
            }
            live.clear();
            java.lang.reflect.Method free = Class.forName("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup")
                    .getDeclaredMethod("free");
            free.setAccessible(true);
            for (Object g : (Object[]) groupsField.get(pooling)) {
                free.invoke(g);
            }
            free.invoke(largeField.get(pooling));
            for (Worker w : workers.values()) {
                w.call(() -> {
                    w.stop = true;
                    return null;
                });
                w.thread.join();
            }
            java.lang.reflect.Method dealloc = Class.forName("io.netty.buffer.AdaptivePoolingAllocator$Chunk")
                    .getDeclaredMethod("deallocate");
            dealloc.setAccessible(true);
            for (Object c : chunks) {
                if (((io.netty.buffer.ByteBuf) chunkDelegate.get(c)).refCnt() > 0) {
                    dealloc.invoke(c);
                }
            }
            long left = io.netty.util.internal.PlatformDependent.usedDirectMemory();
            if (left > 0) {
                NettyReplay.fail(System.err, "after the trace Netty's counter is " + left + ", not 0");
            }
        }

        static void comma(StringBuilder sb) {
            if (sb.length() > 0) {
                sb.append(',');
            }
        }

        int groupOf(Object chunk) throws Exception {
            if (sizeClassedChunk.isInstance(chunk)) {
                int seg = segSize.getInt(chunk);
                for (int i = 0; i < sizeClasses.length; i++) {
                    if (sizeClasses[i] == seg) {
                        return i;
                    }
                }
                throw new IllegalStateException("segment size " + seg);
            }
            return sizeClasses.length;
        }

        void placement(NettyReplay.Op op, io.netty.buffer.ByteBuf b) throws Exception {
            comma(placements);
            placements.append("{\"line\":").append(op.line).append(",\"id\":");
            NettyReplay.jsonString(placements, op.id);
            Object chunk = b.capacity() == 0 ? null : bufChunk.get(b);
            if (chunk == null) {
                placements.append(",\"arena\":null,\"chunk\":null,\"offset\":null,\"normSize\":null,\"huge\":null}");
                return;
            }
            Integer id = chunkIds.get(chunk);
            if (id == null) {
                id = chunks.size();
                chunkIds.put(chunk, id);
                chunks.add(chunk);
                chunkGroups.add(groupOf(chunk));
            }
            boolean huge = !sizeClassedChunk.isInstance(chunk) && !buddyChunk.isInstance(chunk);
            long norm;
            if (sizeClassedChunk.isInstance(chunk)) {
                norm = segSize.getInt(chunk);
            } else if (huge) {
                norm = ((io.netty.buffer.ByteBuf) chunkDelegate.get(chunk)).capacity();
            } else {
                norm = bufFast.getInt(b);
            }
            placements.append(",\"arena\":").append(chunkGroups.get(id))
                    .append(",\"chunk\":").append(id)
                    .append(",\"offset\":").append(bufStart.getInt(b))
                    .append(",\"normSize\":").append(norm)
                    .append(",\"huge\":").append(huge).append('}');
        }

        void snapshot(String label) throws Exception {
            comma(snapshots);
            StringBuilder s = snapshots;
            s.append("{\"label\":");
            NettyReplay.jsonString(s, label);
            s.append(",\"usedDirectMemory\":").append(allocator.metric().usedDirectMemory());
            s.append(",\"nettyCounter\":").append(io.netty.util.internal.PlatformDependent.usedDirectMemory());
            s.append(",\"liveChunks\":[");
            boolean first = true;
            for (int i = 0; i < chunks.size(); i++) {
                io.netty.buffer.ByteBuf d = (io.netty.buffer.ByteBuf) chunkDelegate.get(chunks.get(i));
                if (d.refCnt() > 0) {
                    if (!first) {
                        s.append(',');
                    }
                    first = false;
                    s.append("{\"id\":").append(i).append(",\"capacity\":").append(d.capacity()).append('}');
                }
            }
            s.append("],\"groups\":[");
            Object[] groups = (Object[]) groupsField.get(pooling);
            for (int i = 0; i <= groups.length; i++) {
                Object g = i < groups.length ? groups[i] : largeField.get(pooling);
                Object[] mags = (Object[]) magsField.get(g);
                Object cache = cacheField.get(g);
                int cached;
                if (i < groups.length) {
                    cached = ((java.util.Queue<?>) queueField.get(cache)).size();
                } else {
                    cached = ((io.netty.util.concurrent.ConcurrentSkipListIntObjMultimap<?>) skipField.get(cache)).size();
                }
                if (i > 0) {
                    s.append(',');
                }
                s.append("{\"index\":").append(i)
                        .append(",\"segmentSize\":").append(i < groups.length ? sizeClasses[i] : 0)
                        .append(",\"magazines\":").append(mags.length)
                        .append(",\"cachedChunks\":").append(cached);
                if (i == groups.length) {
                    Object strategy = strategyField.get(g);
                    s.append(",\"maxChunkSize\":")
                            .append(((java.util.concurrent.atomic.AtomicInteger) maxChunkField.get(strategy)).get());
                }
                s.append('}');
            }
            s.append("]}");
        }

        String json() throws Exception {
            StringBuilder sb = new StringBuilder();
            String before = snapshots.toString();
            snapshots.setLength(0);
            snapshot("final");
            String fin = snapshots.toString();
            snapshots.setLength(0);
            snapshots.append(before);
            sb.append("{\"errors\":[").append(errors).append("],\"placements\":[").append(placements)
                    .append("],\"snapshots\":[").append(snapshots).append("],\"final\":").append(fin)
                    .append("}\n");
            return sb.toString();
        }
    }
}
