/*
 * NettyReplay: replays a memsim allocation trace through the real Netty PooledByteBufAllocator
 * (Debian's libnetty-java 4.1.48.Final, or the 4.1.118 / 4.2.13 jars run.sh --netty picks) and
 * prints what happened as JSON on stdout; with --batch, many traces in one JVM.
 *
 * Written for memsim's differential test (crates/memsim-direct/tests/netty_diff.rs); see README.md
 * next to this file for the trace format, the options, the JSON and the JVM flags it needs.
 *
 * This class does not reference any Netty type: it parses the command line and the trace, sets the
 * io.netty.* system properties, and only then hands over to Replayer, whose first use of Netty
 * initialises PlatformDependent and PooledByteBufAllocator with those properties in place.
 */

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

public final class NettyReplay {
    static final int ALLOC = 0;
    static final int FREE = 1;
    static final int TRIM = 2;
    static final int EXIT = 3;
    static final int METRICS = 4;

    /** One trace line. */
    static final class Op {
        final int kind;
        final int line;
        final String id;     // alloc, free
        final int size;      // alloc
        final String thread; // alloc, free, trim, exit
        final String label;  // metrics

        Op(int kind, int line, String id, int size, String thread, String label) {
            this.kind = kind;
            this.line = line;
            this.id = id;
            this.size = size;
            this.thread = thread;
            this.label = label;
        }
    }

    /** Allocator settings from the command line; null = Netty's default. */
    static final class Options {
        Integer arenas;
        Integer pageSize;
        Integer maxOrder;
        Integer tinyCacheSize;
        Integer smallCacheSize;
        Integer normalCacheSize;
        Boolean useCacheForAllThreads;
        Long maxDirectMemory;
        Integer cores;
        /** The jar's version, as run.sh --netty names it: 4.1.48 has tiny caches and counters. */
        String netty = "4.1.48";

        boolean hasTiny() {
            return netty.equals("4.1.48");
        }
    }

    static class UsageError extends Exception {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    /** A syntax error in the trace: reported without the usage text. */
    static final class SyntaxError extends UsageError {
        private static final long serialVersionUID = 1L;

        SyntaxError(int line, String message) {
            super("trace syntax error: line " + line + ": " + message);
        }
    }

    static final String USAGE =
            "usage: java -cp <build>:netty-buffer.jar:netty-common.jar [JVM flags] NettyReplay TRACE\n"
            + "         [--arenas N] [--page-size B] [--max-order K] [--tiny-cache-size N]\n"
            + "         [--small-cache-size N] [--normal-cache-size N] [--use-cache-for-all-threads true|false]\n"
            + "         [--max-direct-memory B] [--cores N] [--netty VERSION]\n"
            + "   or: ... NettyReplay --batch [--max-direct-memory B] [--cores N] [--netty VERSION]\n"
            + "         < lines 'OUT TRACE [allocator options]'\n"
            + "(tools/netty-replay/run.sh passes the JVM flags; see tools/netty-replay/README.md)";

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--batch")) {
            batch(args);
            return;
        }
        String tracePath;
        Options opts;
        List<Op> ops;
        try {
            if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
                throw new UsageError("missing TRACE");
            }
            tracePath = args[0];
            if (tracePath.startsWith("--")) {
                throw new UsageError("the first argument must be the trace file, got " + tracePath);
            }
            opts = parseOptions(args);
            String text;
            try {
                text = new String(Files.readAllBytes(Paths.get(tracePath)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UsageError("cannot read trace " + tracePath + ": " + e);
            }
            ops = parseTrace(text);
        } catch (UsageError e) {
            System.err.println("NettyReplay: " + e.getMessage());
            if (!(e instanceof SyntaxError)) {
                System.err.println(USAGE);
            }
            System.exit(2);
            return;
        }

        int cores = setProperties(opts);
        Replayer.run(ops, opts, cores, System.out);
    }

    /**
     * Before any Netty class is initialised: these are read once, in static initialisers.
     * (Setting them here works exactly like -D on the command line; Replayer checks that they
     * took effect.) Returns the processor count.
     */
    static int setProperties(Options opts) {
        int cores;
        if (opts.cores != null) {
            cores = opts.cores;
        } else {
            String p = System.getProperty("io.netty.availableProcessors");
            cores = p == null ? 2 : Integer.parseInt(p.trim());
        }
        System.setProperty("io.netty.availableProcessors", Integer.toString(cores));
        if (opts.maxDirectMemory != null) {
            System.setProperty("io.netty.maxDirectMemory", Long.toString(opts.maxDirectMemory));
        }
        // No sampled leak-tracking wrappers: the sampling is random and the wrappers hide the
        // PooledByteBuf (they do not change the allocator's behaviour).
        System.setProperty("io.netty.leakDetection.level", "disabled");
        return cores;
    }

    /**
     * Many traces in one JVM: the JVM-wide options (cap, processors, version) come from the command
     * line, each stdin line 'OUT TRACE [allocator options]' names a trace, the file its JSON goes
     * to, and its allocator options. After each trace every buffer is released, every thread cache
     * freed and every arena's chunks destroyed, and Netty's counter must be back at 0.
     */
    static void batch(String[] args) throws Exception {
        Options global;
        List<String[]> jobs = new ArrayList<>();
        try {
            String[] shifted = args.clone();
            global = parseOptions(shifted);
            if (global.arenas != null || global.pageSize != null || global.maxOrder != null
                    || global.tinyCacheSize != null || global.smallCacheSize != null
                    || global.normalCacheSize != null || global.useCacheForAllThreads != null) {
                throw new UsageError("--batch takes allocator options per stdin line, not on the command line");
            }
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                List<String> t = tokens(line);
                if (!t.isEmpty()) {
                    jobs.add(t.toArray(new String[0]));
                }
            }
        } catch (UsageError e) {
            System.err.println("NettyReplay: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        int cores = setProperties(global);
        for (String[] job : jobs) {
            if (job.length < 2) {
                fail(System.err, "batch line needs OUT TRACE: " + String.join(" ", job));
            }
            String[] optArgs = new String[job.length - 1];
            optArgs[0] = job[1];
            System.arraycopy(job, 2, optArgs, 1, job.length - 2);
            Options o;
            List<Op> ops;
            try {
                o = parseOptions(optArgs);
                if (o.cores != null || o.maxDirectMemory != null || !o.netty.equals("4.1.48")) {
                    throw new UsageError("--cores, --max-direct-memory and --netty are per JVM in --batch");
                }
                o.cores = global.cores;
                o.maxDirectMemory = global.maxDirectMemory;
                o.netty = global.netty;
                checkVersionOptions(o);
                ops = parseTrace(new String(Files.readAllBytes(Paths.get(job[1])), StandardCharsets.UTF_8));
            } catch (UsageError | IOException e) {
                System.err.println("NettyReplay: " + job[1] + ": " + e.getMessage());
                System.exit(2);
                return;
            }
            try (PrintStream out = new PrintStream(
                    new java.io.FileOutputStream(job[0]), false, StandardCharsets.UTF_8.name())) {
                Replayer.run(ops, o, cores, out).cleanUp();
            }
        }
    }

    static void checkVersionOptions(Options o) throws UsageError {
        if (!o.hasTiny() && o.tinyCacheSize != null) {
            throw new UsageError("--tiny-cache-size: Netty " + o.netty + " has no tiny caches");
        }
    }

    static Options parseOptions(String[] args) throws UsageError {
        Options o = new Options();
        for (int i = 1; i < args.length; i += 2) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new UsageError("option " + name + " needs a value");
            }
            String v = args[i + 1];
            switch (name) {
                case "--arenas": o.arenas = parseInt(name, v, 0); break;
                case "--page-size": o.pageSize = parseInt(name, v, 1); break;
                case "--max-order": o.maxOrder = parseInt(name, v, 0); break;
                case "--tiny-cache-size": o.tinyCacheSize = parseInt(name, v, 0); break;
                case "--small-cache-size": o.smallCacheSize = parseInt(name, v, 0); break;
                case "--normal-cache-size": o.normalCacheSize = parseInt(name, v, 0); break;
                case "--cores": o.cores = parseInt(name, v, 1); break;
                case "--netty": o.netty = v; break;
                case "--use-cache-for-all-threads":
                    if (v.equals("true")) {
                        o.useCacheForAllThreads = Boolean.TRUE;
                    } else if (v.equals("false")) {
                        o.useCacheForAllThreads = Boolean.FALSE;
                    } else {
                        throw new UsageError(name + " expects true or false, got '" + v + "'");
                    }
                    break;
                case "--max-direct-memory":
                    try {
                        o.maxDirectMemory = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new UsageError(name + " expects an integer number of bytes, got '" + v + "'");
                    }
                    break;
                default:
                    throw new UsageError("unknown option " + name);
            }
        }
        checkVersionOptions(o);
        return o;
    }

    static int parseInt(String name, String v, int min) throws UsageError {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageError(name + " expects an integer, got '" + v + "'");
        }
        if (n < min) {
            throw new UsageError(name + " must be at least " + min + ", got " + n);
        }
        return n;
    }

    // ---- trace parsing (the same grammar as memsim_direct::trace::parse_trace) ----

    /** Rust's u8::is_ascii_whitespace: space, \t, \n, form feed, \r. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }

    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    static String trim(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isSpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isSpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    static SyntaxError syntax(int line, String message) {
        return new SyntaxError(line, message);
    }

    /** Accepts [] (thread main) or ["thread", t] after the fixed tokens. */
    static String threadSuffix(List<String> t, int from, int line, String verb) throws UsageError {
        int rest = t.size() - from;
        if (rest == 0) {
            return "main";
        }
        if (rest == 2 && t.get(from).equals("thread")) {
            return t.get(from + 1);
        }
        throw syntax(line, "expected '" + verb + "' followed by nothing or 'thread <t>', got '"
                + String.join(" ", t.subList(from, t.size())) + "'");
    }

    static List<Op> parseTrace(String text) throws UsageError {
        List<Op> ops = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int line = i + 1;
            String raw = lines[i];
            int hash = raw.indexOf('#');
            String body = hash >= 0 ? raw.substring(0, hash) : raw;
            List<String> t = tokens(body);
            if (t.isEmpty()) {
                continue;
            }
            String verb = t.get(0);
            switch (verb) {
                case "alloc": {
                    if (t.size() < 3) {
                        throw syntax(line, "expected 'alloc <id> <size> [thread <t>]'");
                    }
                    int size = parseSize(t.get(2), line);
                    String thread = threadSuffix(t, 3, line, "alloc <id> <size>");
                    ops.add(new Op(ALLOC, line, t.get(1), size, thread, null));
                    break;
                }
                case "free": {
                    if (t.size() < 2) {
                        throw syntax(line, "expected 'free <id> [thread <t>]'");
                    }
                    String thread = threadSuffix(t, 2, line, "free <id>");
                    ops.add(new Op(FREE, line, t.get(1), 0, thread, null));
                    break;
                }
                case "trim": {
                    String thread = threadSuffix(t, 1, line, "trim");
                    ops.add(new Op(TRIM, line, null, 0, thread, null));
                    break;
                }
                case "exit": {
                    if (t.size() != 2) {
                        throw syntax(line, "expected 'exit <t>'");
                    }
                    ops.add(new Op(EXIT, line, null, 0, t.get(1), null));
                    break;
                }
                case "metrics": {
                    int at = body.indexOf("metrics");
                    String label = trim(body.substring(at + "metrics".length()));
                    ops.add(new Op(METRICS, line, null, 0, null, label));
                    break;
                }
                default:
                    throw syntax(line, "unknown verb '" + verb + "' (expected alloc, free, trim, exit or metrics)");
            }
        }
        return ops;
    }

    static int parseSize(String s, int line) throws UsageError {
        if (s.isEmpty()) {
            throw syntax(line, "empty size");
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw syntax(line, "bad size '" + s + "' (expected a non-negative integer of bytes)");
            }
            v = v * 10 + (c - '0');
            if (v > Integer.MAX_VALUE) {
                throw syntax(line, "size " + s + " exceeds 2147483647 (Netty's int capacity)");
            }
        }
        return (int) v;
    }

    // ---- JSON ----

    static void jsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    static void fail(PrintStream err, String message) {
        err.println("NettyReplay: " + message);
        System.exit(1);
    }

    // ---- the replay (everything that touches Netty) ----

    /** Runs one trace thread's ops on its own plain java.lang.Thread, one at a time. */
    static final class Worker {
        final java.util.concurrent.SynchronousQueue<java.util.concurrent.FutureTask<?>> queue =
                new java.util.concurrent.SynchronousQueue<>();
        final Thread thread;
        boolean stop; // written and read by the worker thread only

        Worker(String name, int generation) {
            thread = new Thread(this::loop, "replay-" + name + "#" + generation);
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

        /** Runs c on this worker's thread and waits for it (happens-before both ways). */
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

    static final class Replayer {
        private final io.netty.buffer.PooledByteBufAllocator allocator;
        private final List<io.netty.buffer.PoolArenaMetric> arenas;
        private final java.util.IdentityHashMap<Object, Integer> chunkIds = new java.util.IdentityHashMap<>();
        private final java.util.Map<String, Worker> workers = new java.util.HashMap<>();
        private final java.util.Map<String, Integer> generations = new java.util.HashMap<>();
        /** Live buffers by id; an id whose alloc failed maps to nothing and is not here. */
        private final java.util.Map<String, io.netty.buffer.ByteBuf> live = new java.util.HashMap<>();
        /** Every buffer ever handed out, so none is garbage-collected (only matters for leaked ids). */
        private final List<io.netty.buffer.ByteBuf> keep = new ArrayList<>();

        private final Class<?> pooledByteBuf;
        private final java.lang.reflect.Field bufChunk;
        private final java.lang.reflect.Field bufOffset;
        private final java.lang.reflect.Field bufMaxLength;
        private final java.lang.reflect.Field chunkArena;
        private final java.lang.reflect.Field chunkUnpooled;

        private final StringBuilder errors = new StringBuilder();
        private final StringBuilder placements = new StringBuilder();
        private final StringBuilder snapshots = new StringBuilder();

        Replayer(io.netty.buffer.PooledByteBufAllocator allocator, boolean tiny) throws Exception {
            this.allocator = allocator;
            this.tiny = tiny;
            this.arenas = allocator.metric().directArenas();
            pooledByteBuf = Class.forName("io.netty.buffer.PooledByteBuf");
            bufChunk = field(pooledByteBuf, "chunk");
            bufOffset = field(pooledByteBuf, "offset");
            bufMaxLength = field(pooledByteBuf, "maxLength");
            Class<?> poolChunk = Class.forName("io.netty.buffer.PoolChunk");
            chunkArena = field(poolChunk, "arena");
            chunkUnpooled = field(poolChunk, "unpooled");
        }

        private static java.lang.reflect.Field field(Class<?> c, String name) throws NoSuchFieldException {
            java.lang.reflect.Field f = c.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        }

        private final boolean tiny;

        /** Replays ops and prints the JSON; returns the replayer for cleanUp (batch mode). */
        static Replayer run(List<Op> ops, Options o, int cores, PrintStream out) throws Exception {
            // Check the environment first: the replay is only meaningful with Netty's own counter.
            if (io.netty.util.NettyRuntime.availableProcessors() != cores) {
                fail(System.err, "io.netty.availableProcessors did not take effect: NettyRuntime says "
                        + io.netty.util.NettyRuntime.availableProcessors() + ", wanted " + cores);
            }
            long maxDirect = io.netty.util.internal.PlatformDependent.maxDirectMemory();
            if (o.maxDirectMemory != null && o.maxDirectMemory > 0 && maxDirect != o.maxDirectMemory) {
                fail(System.err, "io.netty.maxDirectMemory did not take effect: PlatformDependent.maxDirectMemory() = "
                        + maxDirect + ", wanted " + o.maxDirectMemory
                        + " (was a Netty class initialised before main set the property?)");
            }
            boolean jdkMode = o.maxDirectMemory != null && o.maxDirectMemory == 0;
            if (!jdkMode && io.netty.util.internal.PlatformDependent.usedDirectMemory() == -1) {
                fail(System.err, "Netty's direct memory counter is off (PlatformDependent.usedDirectMemory() == -1),"
                        + " so OutOfDirectMemoryError can never happen: on JDK 9+ run java with"
                        + " -Dio.netty.tryReflectionSetAccessible=true --add-opens java.base/java.nio=ALL-UNNAMED"
                        + " (tools/netty-replay/run.sh does)");
            }
            if (o.maxDirectMemory == null && maxDirect != 1L << 30) {
                System.err.println("NettyReplay: warning: Netty's direct memory limit is " + maxDirect
                        + ", not the 1 GiB memsim assumes (run.sh passes -XX:MaxDirectMemorySize=1g)");
            }

            io.netty.buffer.PooledByteBufAllocator allocator;
            try {
                allocator = new io.netty.buffer.PooledByteBufAllocator(
                        true,
                        0,
                        o.arenas != null ? o.arenas : io.netty.buffer.PooledByteBufAllocator.defaultNumDirectArena(),
                        o.pageSize != null ? o.pageSize : io.netty.buffer.PooledByteBufAllocator.defaultPageSize(),
                        o.maxOrder != null ? o.maxOrder : io.netty.buffer.PooledByteBufAllocator.defaultMaxOrder(),
                        o.tinyCacheSize != null ? o.tinyCacheSize
                                : io.netty.buffer.PooledByteBufAllocator.defaultTinyCacheSize(),
                        o.smallCacheSize != null ? o.smallCacheSize
                                : io.netty.buffer.PooledByteBufAllocator.defaultSmallCacheSize(),
                        o.normalCacheSize != null ? o.normalCacheSize
                                : io.netty.buffer.PooledByteBufAllocator.defaultNormalCacheSize(),
                        o.useCacheForAllThreads != null ? o.useCacheForAllThreads
                                : io.netty.buffer.PooledByteBufAllocator.defaultUseCacheForAllThreads(),
                        0);
            } catch (IllegalArgumentException e) {
                System.err.println("NettyReplay: invalid allocator configuration: " + e.getMessage());
                System.exit(2);
                return null;
            }
            Replayer r = new Replayer(allocator, o.hasTiny());
            for (Op op : ops) {
                r.apply(op);
            }
            StringBuilder sb = new StringBuilder();
            StringBuilder end = new StringBuilder();
            r.snapshotInto(end, "final");
            sb.append("{\"errors\":[").append(r.errors).append("],\n\"placements\":[")
                    .append(r.placements).append("],\n\"snapshots\":[").append(r.snapshots)
                    .append("],\n\"final\":").append(end).append("}\n");
            out.print(sb);
            out.flush();
            if (out.checkError()) {
                fail(System.err, "could not write the JSON to stdout");
            }
            return r;
        }

        /**
         * Returns everything to the OS so the next trace of a batch starts from a zero counter:
         * every thread cache freed (FastThreadLocal.removeAll on each worker), every buffer
         * released (to its arena: its cache is freed), then each arena's chunks destroyed as its
         * finalizer would.
         */
        void cleanUp() throws Exception {
            for (Worker w : workers.values()) {
                w.call(() -> {
                    io.netty.util.concurrent.FastThreadLocal.removeAll();
                    w.stop = true;
                    return null;
                });
                w.thread.join();
            }
            workers.clear();
            for (io.netty.buffer.ByteBuf b : keep) {
                if (b.refCnt() > 0) {
                    b.release();
                }
            }
            keep.clear();
            live.clear();
            java.lang.reflect.Method fin = Class.forName("io.netty.buffer.PoolArena").getDeclaredMethod("finalize");
            fin.setAccessible(true);
            for (io.netty.buffer.PoolArenaMetric a : arenas) {
                fin.invoke(a);
            }
            long used = io.netty.util.internal.PlatformDependent.usedDirectMemory();
            if (used != 0) {
                fail(System.err, "after a batch trace Netty's direct memory counter is " + used + ", not 0");
            }
        }

        private Worker worker(String name) {
            Worker w = workers.get(name);
            if (w == null) {
                int gen = generations.merge(name, 1, Integer::sum);
                w = new Worker(name, gen);
                workers.put(name, w);
            }
            return w;
        }

        private void apply(Op op) throws Exception {
            switch (op.kind) {
                case ALLOC: {
                    final int size = op.size;
                    Object result = worker(op.thread).call(() -> {
                        try {
                            return allocator.directBuffer(size, size);
                        } catch (Throwable t) {
                            return t;
                        }
                    });
                    if (result instanceof Throwable) {
                        Throwable t = (Throwable) result;
                        live.remove(op.id); // a failed alloc makes the id "failed": later frees are skipped
                        comma(errors);
                        errors.append("{\"line\":").append(op.line).append(",\"message\":");
                        jsonString(errors, t.toString());
                        errors.append('}');
                        return;
                    }
                    io.netty.buffer.ByteBuf buf = (io.netty.buffer.ByteBuf) result;
                    keep.add(buf);
                    live.put(op.id, buf);
                    placement(op, buf);
                    return;
                }
                case FREE: {
                    final io.netty.buffer.ByteBuf buf = live.remove(op.id);
                    if (buf == null) {
                        return; // unknown id, already freed, or its alloc failed
                    }
                    worker(op.thread).call(() -> buf.release());
                    return;
                }
                case TRIM:
                    worker(op.thread).call(() -> allocator.trimCurrentThreadCache());
                    return;
                case EXIT: {
                    final Worker w = workers.remove(op.thread);
                    if (w == null) {
                        return; // never used (or already exited): nothing to return
                    }
                    w.call(() -> {
                        io.netty.util.concurrent.FastThreadLocal.removeAll();
                        w.stop = true;
                        return null;
                    });
                    w.thread.join();
                    return;
                }
                case METRICS:
                    snapshot(op.label);
                    return;
                default:
                    throw new IllegalStateException("op kind " + op.kind);
            }
        }

        private static void comma(StringBuilder sb) {
            if (sb.length() > 0) {
                sb.append(",\n");
            }
        }

        private int chunkId(Object chunk) {
            Integer id = chunkIds.get(chunk);
            if (id == null) {
                id = chunkIds.size();
                chunkIds.put(chunk, id);
            }
            return id;
        }

        private int arenaIndex(Object arena) {
            for (int i = 0; i < arenas.size(); i++) {
                if (arenas.get(i) == arena) {
                    return i;
                }
            }
            throw new IllegalStateException("chunk's arena is not one of the allocator's direct arenas");
        }

        private void placement(Op op, io.netty.buffer.ByteBuf buf) throws Exception {
            io.netty.buffer.ByteBuf b = buf;
            while (!pooledByteBuf.isInstance(b) && b.unwrap() != null) {
                b = b.unwrap();
            }
            comma(placements);
            placements.append("{\"line\":").append(op.line).append(",\"id\":");
            jsonString(placements, op.id);
            if (!pooledByteBuf.isInstance(b)) {
                // Not from an arena: size 0 gives the allocator's shared empty buffer; with 0 direct
                // arenas every buffer is unpooled.
                placements.append(",\"arena\":null,\"chunk\":null,\"offset\":null,\"normSize\":null,\"huge\":null}");
                return;
            }
            Object chunk = bufChunk.get(b);
            placements.append(",\"arena\":").append(arenaIndex(chunkArena.get(chunk)))
                    .append(",\"chunk\":").append(chunkId(chunk))
                    .append(",\"offset\":").append(bufOffset.getInt(b))
                    .append(",\"normSize\":").append(bufMaxLength.getInt(b))
                    .append(",\"huge\":").append(chunkUnpooled.getBoolean(chunk))
                    .append('}');
        }

        private static final String[] LIST_NAMES = {"qInit", "q000", "q025", "q050", "q075", "q100"};

        private void snapshot(String label) {
            comma(snapshots);
            snapshotInto(snapshots, label);
        }

        /** Appends one snapshot object to s. */
        private void snapshotInto(StringBuilder s, String label) {
            s.append("{\"label\":");
            jsonString(s, label);
            s.append(",\"usedDirectMemory\":").append(allocator.metric().usedDirectMemory());
            s.append(",\"directArenas\":[");
            for (int i = 0; i < arenas.size(); i++) {
                io.netty.buffer.PoolArenaMetric a = arenas.get(i);
                if (i > 0) {
                    s.append(",");
                }
                s.append("\n {\"index\":").append(i)
                        .append(",\"numThreadCaches\":").append(a.numThreadCaches())
                        .append(",\"numAllocations\":").append(a.numAllocations());
                if (tiny) {
                    s.append(",\"numTinyAllocations\":").append(a.numTinyAllocations());
                }
                s.append(",\"numSmallAllocations\":").append(a.numSmallAllocations())
                        .append(",\"numNormalAllocations\":").append(a.numNormalAllocations())
                        .append(",\"numHugeAllocations\":").append(a.numHugeAllocations())
                        .append(",\"numDeallocations\":").append(a.numDeallocations());
                if (tiny) {
                    s.append(",\"numTinyDeallocations\":").append(a.numTinyDeallocations());
                }
                s.append(",\"numSmallDeallocations\":").append(a.numSmallDeallocations())
                        .append(",\"numNormalDeallocations\":").append(a.numNormalDeallocations())
                        .append(",\"numHugeDeallocations\":").append(a.numHugeDeallocations())
                        .append(",\"numActiveAllocations\":").append(a.numActiveAllocations())
                        .append(",\"numActiveBytes\":").append(a.numActiveBytes())
                        .append(",\"chunkLists\":[");
                List<io.netty.buffer.PoolChunkListMetric> lists = a.chunkLists();
                for (int l = 0; l < lists.size(); l++) {
                    if (l > 0) {
                        s.append(",");
                    }
                    s.append("{\"name\":\"").append(LIST_NAMES[l]).append("\",\"chunks\":[");
                    boolean first = true;
                    for (io.netty.buffer.PoolChunkMetric c : lists.get(l)) {
                        if (!first) {
                            s.append(",");
                        }
                        first = false;
                        s.append("{\"id\":").append(chunkId(c))
                                .append(",\"usage\":").append(c.usage())
                                .append(",\"freeBytes\":").append(c.freeBytes())
                                .append('}');
                    }
                    s.append("]}");
                }
                s.append("]}");
            }
            s.append("]}");
        }
    }
}
