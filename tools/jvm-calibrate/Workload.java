import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A steady-state JVM workload whose memory shape is given on the command line, for calibrating
 * memsim's HotSpot model against NMT and /proc (see README.md in this directory).
 *
 * <p>Protocol on stdout (one line each, flushed): {@code INFO key=value} lines during setup, then
 * {@code READY <pid>}. Afterwards it reads commands from stdin, one per line, and answers each with
 * {@code DONE <command>} (or {@code FAILED <command>: <error>}): {@code classes N}, {@code threads N},
 * {@code direct B}, {@code unsafe B}, {@code heap B}, {@code gc}, {@code exit}. End of stdin means
 * {@code exit}. Errors that the workload survives ({@code OutOfMemoryError} of direct buffers) are
 * printed to stderr as {@code CAUGHT <Throwable.toString()>} and as an {@code INFO} line.
 *
 * <p>Sizes accept a k/m/g suffix (binary: 1k = 1024). No external libraries: generated classes
 * come from the small class-file writer at the end of this file.
 */
public final class Workload {
    // ---------------------------------------------------------------- options
    static int threads = 0;
    static int virtualThreads = 0;
    static int stackDepth = 0;
    static long stackBytes = -1; // when >= 0, overrides stackDepth (depth = bytes / measured frame)
    static long liveHeap = 0;
    static long churn = 0; // bytes per second
    static int classes = 0;
    static int methodsPerClass = 8;
    static int loaders = 0; // 0 = app class loader via Lookup.defineClass
    static boolean hidden = false;
    static int hotMethods = 0;
    static int hotCalls = 20_000;
    static long direct = 0;
    static long unsafeBytes = 0;
    static long mapped = 0;
    static String mappedDir = System.getProperty("java.io.tmpdir");
    static boolean systemGc = false;
    static long dropLive = 0; // bytes of the live heap dropped right after it was grown (old garbage)
    static int gzipRounds = 0; // per app thread: gzip + gunzip of a 256 KiB block, streams closed
    static int deflatersKept = 0; // per app thread: Deflaters left open (a per-thread cache)
    static final List<String> JARS = new ArrayList<>(); // --jar: real libraries' classes to load
    static int jarClasses = -1; // --jar-classes N (-1 = all)
    static boolean exercise = false; // --exercise: construct objects of the loaded classes
    static boolean jarShape = false; // --jar-shape: report the shape of the classes loaded

    // ---------------------------------------------------------------- state kept alive
    static final List<long[]> LIVE = new ArrayList<>();
    static final List<Class<?>> CLASSES = new ArrayList<>();
    static final List<ClassLoader> LOADERS = new ArrayList<>();
    static final List<ByteBuffer> DIRECT = new ArrayList<>();
    static final List<Long> UNSAFE_BLOCKS = new ArrayList<>();
    static final List<MappedByteBuffer> MAPS = new ArrayList<>();
    static final List<Thread> APP_THREADS = new ArrayList<>();
    static volatile boolean exiting = false;
    static volatile CountDownLatch parked;
    static volatile Object sink;
    static int classSeq = 0;
    static int frameDepth; // recursion depth each app thread uses
    static Class<?> recurseClass;
    static MethodHandle down;
    static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    static final PrintStream OUT = System.out;
    static final Map<String, String> INFO = new LinkedHashMap<>();

    public static void main(String[] args) throws Throwable {
        parseArgs(args);
        long t0 = System.nanoTime();
        recurseClass = defineRecurseClass();
        down = LOOKUP.findStatic(recurseClass, "down", MethodType.methodType(int.class, int.class));
        if (stackBytes >= 0) {
            double frame = measureFrameBytes();
            frameDepth = (int) Math.max(0, Math.round(stackBytes / frame));
            info("frame_bytes", String.format(Locale.ROOT, "%.1f", frame));
        } else {
            frameDepth = stackDepth;
        }
        info("stack_depth", frameDepth);

        growLiveHeap(liveHeap);
        if (dropLive > 0) {
            dropLiveHeap(dropLive);
        }
        info("live_heap_bytes", (long) LIVE.size() * LIVE_CHUNK_LONGS * 8);

        if (classes > 0) {
            loadClasses(classes);
        }
        info("classes_defined", CLASSES.size());
        info("class_loaders_created", LOADERS.size());
        if (!JARS.isEmpty()) {
            JarClasses.load();
        }

        if (hotMethods > 0) {
            runHotMethods();
        }

        if (mapped > 0) {
            mapFile(mapped);
        }
        if (unsafeBytes > 0) {
            allocateUnsafe(unsafeBytes);
        }
        if (direct > 0) {
            allocateDirect(direct);
        }
        startThreads(threads);
        if (virtualThreads > 0) {
            startVirtualThreads(virtualThreads);
        }
        if (systemGc) {
            System.gc();
        }
        if (churn > 0) {
            Thread t = new Thread(Workload::churnLoop, "churn");
            t.setDaemon(true);
            t.start();
        }
        info("setup_ms", (System.nanoTime() - t0) / 1_000_000);
        OUT.println("READY " + ProcessHandle.current().pid());
        OUT.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            if (line.equals("exit")) {
                break;
            }
            try {
                command(line);
                OUT.println("DONE " + line);
            } catch (Throwable e) {
                OUT.println("FAILED " + line + ": " + e);
            }
            OUT.flush();
        }
        shutdown();
        OUT.println("BYE");
        OUT.flush();
    }

    static void command(String line) throws Throwable {
        String[] w = line.split("\\s+");
        switch (w[0]) {
            case "classes": loadClasses(Integer.parseInt(w[1])); break;
            case "threads": startThreads(Integer.parseInt(w[1])); break;
            case "direct": allocateDirect(parseSize(w[1])); break;
            case "unsafe": allocateUnsafe(parseSize(w[1])); break;
            case "heap": growLiveHeap(parseSize(w[1])); break;
            case "gc": System.gc(); break;
            default: throw new IllegalArgumentException("unknown command " + w[0]);
        }
    }

    static void shutdown() throws InterruptedException {
        exiting = true;
        for (Thread t : APP_THREADS) {
            LockSupport.unpark(t);
        }
        for (Thread t : APP_THREADS) {
            t.join();
        }
    }

    // ---------------------------------------------------------------- arguments
    static void parseArgs(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String k = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + k);
            }
            String v = args[++i];
            switch (k) {
                case "--threads": threads = Integer.parseInt(v); break;
                case "--virtual-threads": virtualThreads = Integer.parseInt(v); break;
                case "--stack-depth": stackDepth = Integer.parseInt(v); break;
                case "--stack-bytes": stackBytes = parseSize(v); break;
                case "--live-heap": liveHeap = parseSize(v); break;
                case "--churn": churn = parseSize(v.endsWith("/s") ? v.substring(0, v.length() - 2) : v); break;
                case "--classes": classes = Integer.parseInt(v); break;
                case "--methods-per-class": methodsPerClass = Integer.parseInt(v); break;
                case "--loaders": loaders = Integer.parseInt(v); break;
                case "--hidden": hidden = Boolean.parseBoolean(v); break;
                case "--hot-methods": hotMethods = Integer.parseInt(v); break;
                case "--hot-calls": hotCalls = Integer.parseInt(v); break;
                case "--direct": direct = parseSize(v); break;
                case "--unsafe": unsafeBytes = parseSize(v); break;
                case "--mapped": mapped = parseSize(v); break;
                case "--mapped-dir": mappedDir = v; break;
                case "--system-gc": systemGc = Boolean.parseBoolean(v); break;
                case "--drop-live": dropLive = parseSize(v); break;
                case "--gzip-rounds": gzipRounds = Integer.parseInt(v); break;
                case "--deflaters-kept": deflatersKept = Integer.parseInt(v); break;
                case "--jar": JARS.add(v); break;
                case "--jar-classes": jarClasses = v.equals("all") ? -1 : Integer.parseInt(v); break;
                case "--exercise": exercise = Boolean.parseBoolean(v); break;
                case "--jar-shape": jarShape = Boolean.parseBoolean(v); break;
                default: usage("unknown option " + k);
            }
        }
        if (methodsPerClass < 1 || methodsPerClass > 10_000) {
            usage("--methods-per-class must be in 1..10000");
        }
    }

    static void usage(String msg) {
        System.err.println("Workload: " + msg);
        System.err.println("options: --threads N --stack-depth D | --stack-bytes B --live-heap B --churn B/s"
                + " --classes N --methods-per-class M --loaders L --hidden true|false --hot-methods H"
                + " --hot-calls C --direct B --unsafe B --mapped B --mapped-dir DIR --system-gc true|false"
                + " --gzip-rounds R --deflaters-kept K --jar PATH (repeatable) --jar-classes N|all"
                + " --exercise true|false --jar-shape true|false");
        System.exit(2);
    }

    static long parseSize(String s) {
        s = s.trim().toLowerCase(Locale.ROOT);
        long mul = 1;
        if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'k': mul = 1L << 10; break;
            case 'm': mul = 1L << 20; break;
            case 'g': mul = 1L << 30; break;
            default: mul = 1;
        }
        if (mul != 1) {
            s = s.substring(0, s.length() - 1);
        }
        return Math.round(Double.parseDouble(s) * mul);
    }

    static void info(String key, Object value) {
        INFO.put(key, String.valueOf(value));
        OUT.println("INFO " + key + "=" + value);
        OUT.flush();
    }

    // ---------------------------------------------------------------- threads and stacks
    /**
     * Called by the generated recursion at depth 0: the thread has its frames on the stack and
     * parks (no spinning) until {@link #shutdown}.
     */
    public static int bottom() {
        parked.countDown();
        while (!exiting) {
            LockSupport.park();
        }
        return 0;
    }

    static void threadMain() {
        try {
            nativeWork();
            int r = (int) down.invokeExact(frameDepth);
            sink = r;
        } catch (Throwable e) {
            System.err.println("CAUGHT " + e);
            parked.countDown();
        }
    }

    /** Deflater/Inflater state kept open by app threads (zlib's malloc, invisible to NMT). */
    static final List<Deflater> KEPT_DEFLATERS = new ArrayList<>();
    static final byte[] GZIP_BLOCK = gzipBlock();

    /** 256 KiB of text-like bytes (16 letters from a fixed LCG): compressible, but not trivially. */
    static byte[] gzipBlock() {
        byte[] b = new byte[256 * 1024];
        int x = 12345;
        for (int i = 0; i < b.length; i++) {
            x = x * 1103515245 + 12345;
            b[i] = (byte) ('a' + ((x >>> 16) & 15));
        }
        return b;
    }

    /**
     * What a request thread does with zlib, in the thread itself (so glibc serves its mallocs from
     * the thread's arena): {@code --gzip-rounds} times gzip and gunzip one block with streams that
     * are closed (their Deflater/Inflater ended, zlib's buffers freed), then {@code --deflaters-kept}
     * Deflaters that stay open, each having compressed the block once.
     */
    static void nativeWork() throws IOException {
        for (int r = 0; r < gzipRounds; r++) {
            ByteArrayOutputStream bo = new ByteArrayOutputStream(64 * 1024);
            try (GZIPOutputStream z = new GZIPOutputStream(bo)) {
                z.write(GZIP_BLOCK);
            }
            try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bo.toByteArray()))) {
                byte[] buf = new byte[16 * 1024];
                while (in.read(buf) >= 0) {
                    // discard
                }
            }
        }
        byte[] out = new byte[64 * 1024];
        for (int k = 0; k < deflatersKept; k++) {
            Deflater d = new Deflater();
            d.setInput(GZIP_BLOCK);
            d.finish();
            while (!d.finished()) {
                d.deflate(out);
            }
            synchronized (KEPT_DEFLATERS) {
                KEPT_DEFLATERS.add(d);
            }
        }
    }

    /**
     * N virtual threads (JDK 21; the class files target 17, so the builder is reached by
     * reflection), each running the same recursion as a platform thread and parking at its bottom:
     * a parked virtual thread unmounts, its frames copied into stack chunks on the Java heap.
     */
    static void startVirtualThreads(int n) throws Exception {
        Object builder;
        java.lang.reflect.Method unstarted;
        try {
            builder = Thread.class.getMethod("ofVirtual").invoke(null);
            unstarted = Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class);
        } catch (NoSuchMethodException | ClassNotFoundException e) {
            throw new IllegalStateException("--virtual-threads needs JDK 21: " + e);
        }
        parked = new CountDownLatch(n);
        int base = APP_THREADS.size();
        for (int i = 0; i < n; i++) {
            Thread t = (Thread) unstarted.invoke(builder, (Runnable) Workload::threadMain);
            t.setName("vapp-" + (base + i));
            APP_THREADS.add(t);
            t.start();
        }
        parked.await();
        info("virtual_threads", n);
    }

    static void startThreads(int n) throws InterruptedException {
        parked = new CountDownLatch(n);
        int base = APP_THREADS.size();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(Workload::threadMain, "app-" + (base + i));
            APP_THREADS.add(t);
            t.start();
        }
        parked.await();
        info("app_threads", APP_THREADS.size());
    }

    /**
     * The size of one frame of the generated recursion, measured as the difference in depth reached
     * before StackOverflowError on two threads whose stacks differ by 1 MiB (fixed costs — guard
     * zones, shadow pages, the thread's first frames — cancel). The recursion method is larger than
     * HugeMethodLimit (8000 bytes), so it is never compiled: every frame is an interpreter frame.
     */
    static double measureFrameBytes() throws Exception {
        long s1 = 1L << 20, s2 = 2L << 20;
        long d1 = probeDepth(s1), d2 = probeDepth(s2);
        info("probe_depths", d1 + "@1MiB," + d2 + "@2MiB");
        return (double) (s2 - s1) / (d2 - d1);
    }

    static long probeDepth(long stackSize) throws Exception {
        final long[] reached = new long[1];
        Field last = recurseClass.getField("last");
        Thread t = new Thread(null, () -> {
            try {
                int r = (int) down.invokeExact(Integer.MAX_VALUE);
                sink = r;
            } catch (StackOverflowError e) {
                try {
                    reached[0] = Integer.MAX_VALUE - (long) last.getInt(null);
                } catch (IllegalAccessException x) {
                    throw new RuntimeException(x);
                }
            } catch (Throwable e) {
                throw new RuntimeException(e);
            }
        }, "stack-probe", stackSize);
        t.start();
        t.join();
        return reached[0];
    }

    // ---------------------------------------------------------------- heap
    static final int LIVE_CHUNK_LONGS = 8192; // 64 KiB arrays: never humongous in G1

    static void growLiveHeap(long bytes) {
        long n = (bytes + LIVE_CHUNK_LONGS * 8L - 1) / (LIVE_CHUNK_LONGS * 8L);
        for (long i = 0; i < n; i++) {
            long[] a = new long[LIVE_CHUNK_LONGS];
            a[0] = i;
            LIVE.add(a);
        }
    }

    /** Drops the youngest {@code bytes} of the live heap: they become garbage in the old generation. */
    static void dropLiveHeap(long bytes) {
        long n = Math.min(LIVE.size(), bytes / (LIVE_CHUNK_LONGS * 8L));
        for (long i = 0; i < n; i++) {
            LIVE.remove(LIVE.size() - 1);
        }
    }

    /** Allocates short-lived garbage at {@link #churn} bytes per second in 10 ms slices. */
    static void churnLoop() {
        long start = System.nanoTime();
        long done = 0;
        Object[] ring = new Object[64];
        int k = 0;
        while (!exiting) {
            long target = (long) ((System.nanoTime() - start) / 1e9 * churn);
            while (done < target) {
                // a mix: one 1 KiB array and a few small objects per step (~1.1 KiB)
                byte[] b = new byte[1024];
                b[k & 1023] = (byte) k;
                ring[k & 63] = b;
                ring[(k + 1) & 63] = new int[8];
                ring[(k + 2) & 63] = Integer.toString(k);
                k += 3;
                done += 1024 + 16 + 48 + 56;
            }
            sink = ring[k & 63];
            LockSupport.parkNanos(10_000_000L);
        }
    }

    // ---------------------------------------------------------------- classes
    /**
     * {@code --jar}: loads, links and initializes the classes of real libraries (jar files), in a
     * {@link java.net.URLClassLoader} over all of them, class names sorted within each jar, jars in
     * the order given, the first {@code --jar-classes} of them (all by default). A class that fails
     * to load, link or initialize (a missing optional dependency) is skipped and counted. With
     * {@code --exercise true}, every public concrete class with a public no-argument constructor is
     * constructed and its {@code hashCode}/{@code toString} called, the objects kept. With
     * {@code --jar-shape true} the shape of the classes loaded (methods, fields, bytecode,
     * constant-pool entries, from their class files) is reported as {@code INFO jar_*} lines; reading
     * it makes garbage of its own (the class files again, their strings), so memory measurements
     * leave it off.
     */
    static final class JarClasses {
        // The reported shape counts the classes loaded; jar_loaded_class_bytes sums their
        // uncompressed sizes as the jars' directories give them (no reading, no garbage).
        static final List<Object> KEPT = new ArrayList<>();
        static long cpEntries, fields, methods, codeBytes, interfaces, fileBytes;

        static void load() throws Exception {
            java.net.URL[] urls = new java.net.URL[JARS.size()];
            List<String[]> names = new ArrayList<>(); // {jar index, class name}
            for (int j = 0; j < JARS.size(); j++) {
                File f = new File(JARS.get(j));
                urls[j] = f.toURI().toURL();
                List<String> inJar = new ArrayList<>();
                try (java.util.jar.JarFile jf = new java.util.jar.JarFile(f)) {
                    java.util.Enumeration<java.util.jar.JarEntry> es = jf.entries();
                    while (es.hasMoreElements()) {
                        java.util.jar.JarEntry e = es.nextElement();
                        String n = e.getName();
                        if (n.endsWith(".class") && !n.startsWith("META-INF/")
                                && !n.endsWith("module-info.class") && !n.endsWith("package-info.class")) {
                            inJar.add(n + "\n" + e.getSize());
                        }
                    }
                }
                java.util.Collections.sort(inJar);
                for (String n : inJar) {
                    int nl = n.indexOf('\n');
                    names.add(new String[] {String.valueOf(j), n.substring(0, nl), n.substring(nl + 1)});
                }
            }
            int n = jarClasses < 0 ? names.size() : Math.min(jarClasses, names.size());
            java.net.URLClassLoader loader = new java.net.URLClassLoader(urls, Workload.class.getClassLoader());
            LOADERS.add(loader);
            int loaded = 0, failed = 0, constructed = 0;
            long listedBytes = 0; // the loaded classes' class-file sizes, from the jars' directories
            java.util.jar.JarFile[] open = new java.util.jar.JarFile[jarShape ? JARS.size() : 0];
            for (int j = 0; j < open.length; j++) {
                open[j] = new java.util.jar.JarFile(JARS.get(j));
            }
            for (int i = 0; i < n; i++) {
                String entry = names.get(i)[1];
                String cn = entry.substring(0, entry.length() - 6).replace('/', '.');
                Class<?> c;
                try {
                    c = Class.forName(cn, true, loader);
                } catch (Throwable e) {
                    failed++;
                    continue;
                }
                loaded++;
                listedBytes += Long.parseLong(names.get(i)[2]);
                CLASSES.add(c);
                if (jarShape) {
                    java.util.jar.JarFile jf = open[Integer.parseInt(names.get(i)[0])];
                    try (java.io.InputStream in = jf.getInputStream(jf.getEntry(entry))) {
                        shape(in.readAllBytes());
                    }
                }
                if (exercise && construct(c)) {
                    constructed++;
                }
            }
            for (java.util.jar.JarFile jf : open) {
                jf.close();
            }
            info("jar_classes_listed", names.size());
            info("jar_classes_loaded", loaded);
            info("jar_classes_failed", failed);
            info("jar_objects_constructed", constructed);
            info("jar_loaded_class_bytes", listedBytes);
            if (!jarShape) {
                return;
            }
            info("jar_class_file_bytes", fileBytes);
            info("jar_cp_entries", cpEntries);
            info("jar_fields", fields);
            info("jar_methods", methods);
            info("jar_code_bytes", codeBytes);
            info("jar_interfaces", interfaces);
        }

        static boolean construct(Class<?> c) {
            int mod = c.getModifiers();
            if (!java.lang.reflect.Modifier.isPublic(mod) || java.lang.reflect.Modifier.isAbstract(mod)
                    || c.isInterface() || c.isEnum() || c.isAnnotation()) {
                return false;
            }
            try {
                Object o = c.getConstructor().newInstance();
                sink = o.hashCode() + String.valueOf(o).length();
                KEPT.add(o);
                return true;
            } catch (Throwable e) {
                return false;
            }
        }

        /** Adds one class file's counts (JVMS 4: constant pool, interfaces, fields, methods, Code). */
        static void shape(byte[] b) throws IOException {
            fileBytes += b.length;
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(b));
            in.skipBytes(8);
            int cpCount = in.readUnsignedShort();
            cpEntries += cpCount - 1;
            String[] utf8 = new String[cpCount];
            for (int i = 1; i < cpCount; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1: utf8[i] = in.readUTF(); break;
                    case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: in.skipBytes(4); break;
                    case 5: case 6: in.skipBytes(8); i++; break;
                    case 7: case 8: case 16: case 19: case 20: in.skipBytes(2); break;
                    case 15: in.skipBytes(3); break;
                    default: throw new IOException("constant pool tag " + tag);
                }
            }
            in.skipBytes(6);
            int ni = in.readUnsignedShort();
            interfaces += ni;
            in.skipBytes(2 * ni);
            int nf = in.readUnsignedShort();
            fields += nf;
            for (int i = 0; i < nf; i++) {
                in.skipBytes(6);
                skipAttributes(in, utf8, false);
            }
            int nm = in.readUnsignedShort();
            methods += nm;
            for (int i = 0; i < nm; i++) {
                in.skipBytes(6);
                skipAttributes(in, utf8, true);
            }
        }

        static void skipAttributes(java.io.DataInputStream in, String[] utf8, boolean method) throws IOException {
            int na = in.readUnsignedShort();
            for (int a = 0; a < na; a++) {
                String name = utf8[in.readUnsignedShort()];
                int len = in.readInt();
                if (method && "Code".equals(name)) {
                    in.skipBytes(4);
                    int codeLen = in.readInt();
                    codeBytes += codeLen;
                    in.skipBytes(len - 8);
                } else {
                    in.skipBytes(len);
                }
            }
        }
    }

    static final class GenLoader extends ClassLoader {
        GenLoader(int i) {
            super("gen-loader-" + i, Workload.class.getClassLoader());
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    /** Defines and initializes n generated classes (see {@link #genClass}). */
    static void loadClasses(int n) throws Throwable {
        int batch = classSeq++;
        List<GenLoader> ls = new ArrayList<>();
        if (!hidden) {
            for (int i = 0; i < loaders; i++) {
                GenLoader l = new GenLoader(LOADERS.size());
                LOADERS.add(l);
                ls.add(l);
            }
        }
        for (int i = 0; i < n; i++) {
            String name = "Gen_" + batch + "_" + i;
            byte[] b = genClass(name, methodsPerClass);
            Class<?> c;
            if (hidden) {
                c = LOOKUP.defineHiddenClass(b, true).lookupClass();
            } else if (ls.isEmpty()) {
                c = LOOKUP.defineClass(b);
                Class.forName(c.getName(), true, c.getClassLoader());
            } else {
                // contiguous blocks: loader j gets classes [j*n/L, (j+1)*n/L)
                GenLoader l = ls.get((int) ((long) i * ls.size() / n));
                c = l.define(name, b);
                Class.forName(name, true, l);
            }
            CLASSES.add(c);
        }
    }

    /**
     * A class with 4 int instance fields, a constructor, and {@code m} static methods
     * {@code int m<k>(int)}; m0 uses one string constant unique to the class.
     */
    static byte[] genClass(String name, int m) {
        ClassFile cf = new ClassFile(name, "java/lang/Object");
        for (int f = 0; f < 4; f++) {
            cf.field(0x0001, "f" + f, "I");
        }
        Code init = new Code();
        init.op(0x2a); // aload_0
        init.op(0xb7).u2(cf.methodref("java/lang/Object", "<init>", "()V")); // invokespecial
        init.op(0xb1); // return
        cf.method(0x0001, "<init>", "()V", 1, 1, init);
        int strLen = cf.methodref("java/lang/String", "length", "()I");
        int str = cf.string("constant of " + name);
        for (int k = 0; k < m; k++) {
            Code c = new Code();
            if (k == 0) {
                c.op(0x13).u2(str); // ldc_w
                c.op(0xb6).u2(strLen); // invokevirtual String.length
                c.op(0x1a); // iload_0
                c.op(0x60); // iadd
            } else {
                c.op(0x1a); // iload_0
                c.op(0x11).u2(k); // sipush k
                c.op(0x60); // iadd
            }
            c.op(0xac); // ireturn
            cf.method(0x0009, "m" + k, "(I)I", 2, 1, c);
        }
        return cf.bytes(61);
    }

    /**
     * Calls {@link #hotMethods} distinct methods {@link #hotCalls} times each, one method after the
     * other. They live in generated classes {@code Hot_<i>} of 100 methods each,
     * {@code static int h<k>(int x) = x*31 + id ^ x>>4}, and are called from a generated dispatcher
     * {@code HotDispatch.call(int id, int x)} (a tableswitch with one invokestatic per method) that
     * is larger than HugeMethodLimit and so always interpreted: no call is ever inlined, every hot
     * method gets its own compilations (tier 3, then 4, or 2 when C2's queue is long), and no
     * per-method LambdaForms are generated (as calling each through its own MethodHandle would).
     */
    static void runHotMethods() throws Throwable {
        int perClass = 100;
        int nClasses = (hotMethods + perClass - 1) / perClass;
        for (int ci = 0; ci < nClasses; ci++) {
            int count = Math.min(perClass, hotMethods - ci * perClass);
            ClassFile cf = new ClassFile("Hot_" + ci, "java/lang/Object");
            for (int k = 0; k < count; k++) {
                Code c = new Code();
                c.op(0x1a).op(0x10).op(31).op(0x68); // iload_0 bipush 31 imul
                c.op(0x11).u2(ci * perClass + k).op(0x60); // sipush id iadd
                c.op(0x1a).op(0x07).op(0x7a).op(0x82); // iload_0 iconst_4 ishr ixor
                c.op(0xac);
                cf.method(0x0009, "h" + k, "(I)I", 3, 1, c);
            }
            CLASSES.add(LOOKUP.defineClass(cf.bytes(61)));
        }
        // HotDispatch.call(id, x): goto over padding; iload_0; tableswitch; per case iload_1,
        // invokestatic, ireturn; default: iconst_0, ireturn. Version 49: no StackMapTable needed.
        ClassFile cf = new ClassFile("HotDispatch", "java/lang/Object");
        int[] refs = new int[hotMethods];
        for (int id = 0; id < hotMethods; id++) {
            refs[id] = cf.methodref("Hot_" + (id / perClass), "h" + (id % perClass), "(I)I");
        }
        int pad = 8100;
        Code c = new Code();
        c.op(0xa7).u2(3 + pad);
        for (int i = 0; i < pad; i++) {
            c.op(0x00);
        }
        c.op(0x1a); // iload_0
        int sw = c.size();
        c.op(0xaa); // tableswitch
        while (c.size() % 4 != 0) {
            c.op(0);
        }
        int table = c.size();
        int switchLen = (table - sw) + 12 + 4 * hotMethods;
        int caseLen = 5;
        int defaultOff = switchLen + caseLen * hotMethods;
        c.u4(defaultOff).u4(0).u4(hotMethods - 1);
        for (int id = 0; id < hotMethods; id++) {
            c.u4(switchLen + caseLen * id);
        }
        for (int id = 0; id < hotMethods; id++) {
            c.op(0x1b).op(0xb8).u2(refs[id]).op(0xac); // iload_1 invokestatic ireturn
        }
        c.op(0x03).op(0xac); // iconst_0 ireturn
        cf.method(0x0009, "call", "(II)I", 1, 2, c);
        Class<?> dispatch = LOOKUP.defineClass(cf.bytes(49));
        MethodHandle call = LOOKUP.findStatic(dispatch, "call", MethodType.methodType(int.class, int.class, int.class));
        long t0 = System.nanoTime();
        int acc = 0;
        for (int id = 0; id < hotMethods; id++) {
            for (int i = 0; i < hotCalls; i++) {
                acc += (int) call.invokeExact(id, i);
            }
        }
        sink = acc;
        info("hot_methods", hotMethods);
        info("hot_classes", nClasses + 1);
        info("hot_calls_each", hotCalls);
        info("hot_ms", (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * {@code WlRecurse.down(int d)}: stores d in the static {@code last}, then returns
     * {@code d > 0 ? down(d - 1) + 1 : Workload.bottom()}. 15 local slots. A jump over 8100 nops
     * makes it larger than HugeMethodLimit, so HotSpot never compiles it (DontCompileHugeMethods).
     * Class-file version 49, so no StackMapTable is needed for the branch.
     */
    static Class<?> defineRecurseClass() throws IllegalAccessException {
        ClassFile cf = new ClassFile("WlRecurse", "java/lang/Object");
        cf.field(0x0009, "last", "I");
        int last = cf.fieldref("WlRecurse", "last", "I");
        int self = cf.methodref("WlRecurse", "down", "(I)I");
        int bottom = cf.methodref("Workload", "bottom", "()I");
        int pad = 8100;
        Code c = new Code();
        c.op(0xa7).u2(3 + pad); // goto start
        for (int i = 0; i < pad; i++) {
            c.op(0x00);
        }
        c.op(0x1a).op(0xb3).u2(last); // iload_0 putstatic last
        c.op(0x1a); // iload_0
        int ifgt = c.size();
        c.op(0x9d).u2(0); // ifgt rec (patched)
        c.op(0xb8).u2(bottom).op(0xac); // invokestatic bottom; ireturn
        int rec = c.size();
        c.patchU2(ifgt + 1, rec - ifgt);
        c.op(0x1a).op(0x04).op(0x64); // iload_0 iconst_1 isub
        c.op(0xb8).u2(self); // invokestatic down
        c.op(0x04).op(0x60).op(0xac); // iconst_1 iadd ireturn
        cf.method(0x0009, "down", "(I)I", 3, 15, c);
        return LOOKUP.defineClass(cf.bytes(49));
    }

    // ---------------------------------------------------------------- native memory
    static void allocateDirect(long bytes) {
        long done = 0;
        int n = 0;
        while (done < bytes) {
            int size = (int) Math.min(1L << 20, bytes - done);
            long t = System.nanoTime();
            try {
                DIRECT.add(ByteBuffer.allocateDirect(size));
            } catch (OutOfMemoryError e) {
                System.err.println("CAUGHT " + e);
                System.err.flush();
                info("direct_oom", e.toString());
                info("direct_oom_ms", (System.nanoTime() - t) / 1_000_000);
                info("direct_oom_after_buffers", n);
                break;
            }
            done += size;
            n++;
        }
        long total = 0;
        for (ByteBuffer b : DIRECT) {
            total += b.capacity();
        }
        info("direct_bytes", total);
        info("direct_buffers", DIRECT.size());
    }

    static sun.misc.Unsafe unsafe() throws ReflectiveOperationException {
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (sun.misc.Unsafe) f.get(null);
    }

    /** Unsafe.allocateMemory in 1 MiB blocks, each page written once. */
    static void allocateUnsafe(long bytes) throws ReflectiveOperationException {
        sun.misc.Unsafe u = unsafe();
        long done = 0;
        while (done < bytes) {
            long size = Math.min(1L << 20, bytes - done);
            long addr = u.allocateMemory(size);
            for (long off = 0; off < size; off += 4096) {
                u.putByte(addr + off, (byte) 1);
            }
            UNSAFE_BLOCKS.add(addr);
            done += size;
        }
        info("unsafe_bytes", done);
    }

    /**
     * Writes a file of the given size (real data, through FileOutputStream so no NIO direct buffer is
     * involved), maps it read-only with FileChannel.map in segments of at most 1 GiB, reads one byte
     * of every page, then deletes the file (the mapping keeps its pages).
     */
    static void mapFile(long bytes) throws IOException {
        File f = File.createTempFile("jvm-calibrate-", ".map", new File(mappedDir));
        f.deleteOnExit();
        try {
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) (i * 7 + 1);
            }
            try (FileOutputStream out = new FileOutputStream(f)) {
                long done = 0;
                while (done < bytes) {
                    int n = (int) Math.min(chunk.length, bytes - done);
                    out.write(chunk, 0, n);
                    done += n;
                }
            }
            long sum = 0;
            try (FileChannel ch = FileChannel.open(f.toPath(), StandardOpenOption.READ)) {
                long pos = 0;
                while (pos < bytes) {
                    long size = Math.min(1L << 30, bytes - pos);
                    MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, pos, size);
                    for (int off = 0; off < size; off += 4096) {
                        sum += m.get(off);
                    }
                    MAPS.add(m);
                    pos += size;
                }
            }
            sink = sum;
        } finally {
            if (!f.delete()) {
                System.err.println("could not delete " + f);
            }
        }
        info("mapped_bytes", bytes);
    }

    // ---------------------------------------------------------------- a minimal class-file writer
    /** Bytecode of one method. */
    static final class Code {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Code op(int x) {
            b.write(x);
            return this;
        }

        Code u2(int x) {
            b.write(x >>> 8);
            b.write(x);
            return this;
        }

        Code u4(int x) {
            return u2(x >>> 16).u2(x & 0xffff);
        }

        int size() {
            return b.size();
        }

        byte[] toArray() {
            return b.toByteArray();
        }

        // patching needs random access: rebuild from the array
        void patchU2(int at, int v) {
            byte[] a = b.toByteArray();
            a[at] = (byte) (v >>> 8);
            a[at + 1] = (byte) v;
            b.reset();
            b.write(a, 0, a.length);
        }
    }

    /** A class with a constant pool, fields and methods (no attributes other than Code). */
    static final class ClassFile {
        final ByteArrayOutputStream cp = new ByteArrayOutputStream();
        final Map<String, Integer> cpIndex = new HashMap<>();
        int cpCount = 1;
        final ByteArrayOutputStream fields = new ByteArrayOutputStream();
        int fieldCount = 0;
        final ByteArrayOutputStream methods = new ByteArrayOutputStream();
        int methodCount = 0;
        final int thisClass, superClass;

        ClassFile(String name, String superName) {
            thisClass = cls(name);
            superClass = cls(superName);
        }

        private int entry(String key, byte[] body) {
            Integer i = cpIndex.get(key);
            if (i != null) {
                return i;
            }
            cp.write(body, 0, body.length);
            int idx = cpCount++;
            cpIndex.put(key, idx);
            return idx;
        }

        private static byte[] tagged(int tag, int... u2s) {
            byte[] b = new byte[1 + 2 * u2s.length];
            b[0] = (byte) tag;
            for (int i = 0; i < u2s.length; i++) {
                b[1 + 2 * i] = (byte) (u2s[i] >>> 8);
                b[2 + 2 * i] = (byte) u2s[i];
            }
            return b;
        }

        int utf8(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8); // ASCII only here: modified UTF-8 == UTF-8
            byte[] b = new byte[3 + u.length];
            b[0] = 1;
            b[1] = (byte) (u.length >>> 8);
            b[2] = (byte) u.length;
            System.arraycopy(u, 0, b, 3, u.length);
            return entry("U" + s, b);
        }

        int cls(String internalName) {
            int n = utf8(internalName);
            return entry("C" + internalName, tagged(7, n));
        }

        int string(String s) {
            int n = utf8(s);
            return entry("S" + s, tagged(8, n));
        }

        int nameAndType(String name, String desc) {
            int n = utf8(name), d = utf8(desc);
            return entry("N" + name + ":" + desc, tagged(12, n, d));
        }

        int fieldref(String owner, String name, String desc) {
            int c = cls(owner), nt = nameAndType(name, desc);
            return entry("F" + owner + "." + name + ":" + desc, tagged(9, c, nt));
        }

        int methodref(String owner, String name, String desc) {
            int c = cls(owner), nt = nameAndType(name, desc);
            return entry("M" + owner + "." + name + ":" + desc, tagged(10, c, nt));
        }

        void field(int access, String name, String desc) {
            writeU2(fields, access);
            writeU2(fields, utf8(name));
            writeU2(fields, utf8(desc));
            writeU2(fields, 0);
            fieldCount++;
        }

        void method(int access, String name, String desc, int maxStack, int maxLocals, Code code) {
            byte[] bc = code.toArray();
            writeU2(methods, access);
            writeU2(methods, utf8(name));
            writeU2(methods, utf8(desc));
            writeU2(methods, 1); // one attribute: Code
            writeU2(methods, utf8("Code"));
            writeU4(methods, 2 + 2 + 4 + bc.length + 2 + 2);
            writeU2(methods, maxStack);
            writeU2(methods, maxLocals);
            writeU4(methods, bc.length);
            methods.write(bc, 0, bc.length);
            writeU2(methods, 0); // exception table
            writeU2(methods, 0); // attributes
            methodCount++;
        }

        byte[] bytes(int major) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writeU4(out, 0xCAFEBABE);
            writeU2(out, 0);
            writeU2(out, major);
            writeU2(out, cpCount);
            out.write(cp.toByteArray(), 0, cp.size());
            writeU2(out, 0x0021); // ACC_PUBLIC | ACC_SUPER
            writeU2(out, thisClass);
            writeU2(out, superClass);
            writeU2(out, 0); // interfaces
            writeU2(out, fieldCount);
            out.write(fields.toByteArray(), 0, fields.size());
            writeU2(out, methodCount);
            out.write(methods.toByteArray(), 0, methods.size());
            writeU2(out, 0); // class attributes
            return out.toByteArray();
        }

        static void writeU2(ByteArrayOutputStream o, int v) {
            o.write(v >>> 8);
            o.write(v);
        }

        static void writeU4(ByteArrayOutputStream o, int v) {
            writeU2(o, v >>> 16);
            writeU2(o, v);
        }
    }
}
