import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One kind of memory growth for the cgroup OOM battery (tools/cgroup-oom/measure.py), at a given
 * rate, then held for a while.
 *
 * <p>{@code --kind heap|unsafe|direct|threads|mapread|mapwrite|writeread --total B --rate B/s
 * --hold S [--file PATH] [--passes N]}. Every 100 ms it prints {@code P <ms since start> <units
 * done>} (bytes, or threads for {@code threads}), then {@code DONE <ms>} when the growth is over and
 * {@code BYE <ms>} after the hold. Mapped and written files are touched one byte per 4 KiB page.
 * A rate of 0 means as fast as possible.
 */
public final class CgWorkload {
    static final PrintStream OUT = System.out;
    static final long T0 = System.nanoTime();
    static volatile long done = 0;
    static final List<Object> KEEP = new ArrayList<>();
    static final long PAGE = 4096;
    static final long CHUNK = 1 << 20;

    static long ms() {
        return (System.nanoTime() - T0) / 1_000_000;
    }

    static long size(String v) {
        v = v.trim().toLowerCase();
        long m = 1;
        char c = v.charAt(v.length() - 1);
        if (c == 'k') m = 1L << 10;
        else if (c == 'm') m = 1L << 20;
        else if (c == 'g') m = 1L << 30;
        if (m != 1) v = v.substring(0, v.length() - 1);
        return (long) (Double.parseDouble(v) * m);
    }

    /** Waits until {@code next} units may be done at {@code rate} per second since {@code start}. */
    static void pace(long start, long next, long rate) {
        if (rate <= 0) return;
        long due = start + (long) (next * 1e9 / rate);
        long now;
        while ((now = System.nanoTime()) < due) LockSupport.parkNanos(due - now);
    }

    public static void main(String[] args) throws Throwable {
        String kind = "heap";
        long total = 0, rate = 0, hold = 0, passes = 1;
        String file = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--kind": kind = args[i + 1]; break;
                case "--total": total = size(args[i + 1]); break;
                case "--rate": rate = size(args[i + 1]); break;
                case "--hold": hold = Long.parseLong(args[i + 1]); break;
                case "--file": file = args[i + 1]; break;
                case "--passes": passes = Long.parseLong(args[i + 1]); break;
                default: throw new IllegalArgumentException(args[i]);
            }
        }
        Thread ticker = new Thread(() -> {
            while (true) {
                OUT.println("P " + ms() + " " + done);
                OUT.flush();
                LockSupport.parkNanos(100_000_000L);
            }
        }, "ticker");
        ticker.setDaemon(true);
        ticker.start();
        OUT.println("READY " + ProcessHandle.current().pid());
        long start = System.nanoTime();
        switch (kind) {
            case "heap": {
                for (long b = 0; b < total; b += CHUNK) {
                    pace(start, b + CHUNK, rate);
                    KEEP.add(new byte[(int) CHUNK]);
                    done = b + CHUNK;
                }
                break;
            }
            case "unsafe": {
                Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
                for (long b = 0; b < total; b += CHUNK) {
                    pace(start, b + CHUNK, rate);
                    long a = u.allocateMemory(CHUNK);
                    u.setMemory(a, CHUNK, (byte) 1);
                    done = b + CHUNK;
                }
                break;
            }
            case "direct": {
                for (long b = 0; b < total; b += CHUNK) {
                    pace(start, b + CHUNK, rate);
                    ByteBuffer buf = ByteBuffer.allocateDirect((int) CHUNK);
                    for (int p = 0; p < CHUNK; p += PAGE) buf.put(p, (byte) 1);
                    KEEP.add(buf);
                    done = b + CHUNK;
                }
                break;
            }
            case "threads": {
                for (long n = 0; n < total; n++) {
                    pace(start, n + 1, rate);
                    Thread t = new Thread(() -> LockSupport.park(), "idle-" + n);
                    t.setDaemon(true);
                    t.start();
                    KEEP.add(t);
                    done = n + 1;
                }
                break;
            }
            case "mapread":
            case "mapwrite": {
                boolean write = kind.equals("mapwrite");
                try (RandomAccessFile raf = new RandomAccessFile(file, write ? "rw" : "r");
                        FileChannel ch = raf.getChannel()) {
                    long len = write ? total : ch.size();
                    if (write) raf.setLength(len);
                    List<MappedByteBuffer> maps = new ArrayList<>();
                    for (long off = 0; off < len; off += 1L << 30) {
                        maps.add(ch.map(write ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY,
                                off, Math.min(1L << 30, len - off)));
                    }
                    long touched = 0;
                    long sum = 0;
                    for (long pass = 0; pass < passes; pass++) {
                        for (MappedByteBuffer m : maps) {
                            for (int p = 0; p < m.capacity(); p += PAGE) {
                                pace(start, touched + PAGE, rate);
                                if (write) m.put(p, (byte) (pass + 1));
                                else sum += m.get(p);
                                touched += PAGE;
                                done = touched;
                            }
                        }
                    }
                    OUT.println("INFO sum=" + sum);
                    KEEP.add(maps);
                }
                break;
            }
            case "writeread": {
                byte[] block = new byte[(int) CHUNK];
                try (FileOutputStream o = new FileOutputStream(file)) {
                    for (long b = 0; b < total; b += CHUNK) {
                        pace(start, b + CHUNK, rate);
                        block[0] = (byte) b;
                        o.write(block);
                        done = b + CHUNK;
                    }
                }
                long sum = 0;
                for (long pass = 0; pass < passes; pass++) {
                    try (FileInputStream in = new FileInputStream(file)) {
                        int n;
                        while ((n = in.read(block)) > 0) {
                            sum += block[0];
                            done += n;
                        }
                    }
                }
                OUT.println("INFO sum=" + sum);
                break;
            }
            default:
                throw new IllegalArgumentException("kind " + kind);
        }
        OUT.println("DONE " + ms() + " " + done);
        OUT.flush();
        long until = System.nanoTime() + hold * 1_000_000_000L;
        long now;
        while ((now = System.nanoTime()) < until) LockSupport.parkNanos(until - now);
        OUT.println("BYE " + ms());
        OUT.flush();
        System.exit(0);
    }
}
