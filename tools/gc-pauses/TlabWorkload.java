// Many threads allocating short-lived garbage at once, to see what TLABs change in a real JDK 17:
// run it under -Xlog:gc and -Xlog:gc+tlab=debug and compare young-collection counts and TLAB waste
// between few and many allocating threads (crates/memsim-engine/tests/tlab.rs does).
//
//   java -XX:+UseParallelGC -Xms512m -Xmx512m -Xlog:gc -Xlog:gc+tlab=debug TlabWorkload THREADS MIB_TOTAL
//
// Each of THREADS threads allocates MIB_TOTAL / THREADS MiB of byte arrays of 1024..1535 bytes
// (the size mix of Workload.java's churn), publishing each to a volatile field so none is
// scalar-replaced, then the program exits.
public final class TlabWorkload {
    static volatile Object sink;

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: TlabWorkload THREADS MIB_TOTAL");
            System.exit(2);
        }
        int threads = Integer.parseInt(args[0]);
        long perThread = (Long.parseLong(args[1]) << 20) / threads;
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            ts[i] = new Thread(() -> {
                long done = 0;
                while (done < perThread) {
                    int n = 1024 + (int) (done % 512);
                    sink = new byte[n];
                    done += n + 16;
                }
            });
            ts[i].start();
        }
        for (Thread t : ts) {
            t.join();
        }
    }
}
