import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The validation battery's class-loading driver: loads and initializes every class of real
 * library jars (which must be on the class path), then hands over to {@code Workload} (same
 * class path) with the remaining arguments, so threads, heap, direct memory and the command
 * protocol are Workload's.
 *
 * <p>{@code java -cp BUILD:VALIDATION_BUILD:a.jar:b.jar JarLoad --jars a.jar:b.jar -- <Workload args>}
 *
 * <p>Every class of each jar (multi-release {@code META-INF/versions/} entries and
 * {@code module-info} excepted) is loaded by the application class loader with
 * {@code Class.forName(name, true, loader)}, i.e. loaded, linked (verified, rewritten) and its
 * static initializer run, as an application's classes are once used. A class that fails
 * (a missing optional dependency, an initializer that throws) is counted, not fatal. Prints
 * {@code INFO jar_classes_loaded=N}, {@code INFO jar_classes_failed=N} and
 * {@code INFO jar_load_ms=T} before Workload's own lines.
 */
public final class JarLoad {
    public static void main(String[] args) throws Throwable {
        String jars = null;
        int i = 0;
        for (; i < args.length; i++) {
            if (args[i].equals("--")) {
                i++;
                break;
            } else if (args[i].equals("--jars") && i + 1 < args.length) {
                jars = args[++i];
            } else {
                throw new IllegalArgumentException("usage: JarLoad --jars a.jar:b.jar -- <Workload args>");
            }
        }
        if (jars == null) {
            throw new IllegalArgumentException("--jars is required");
        }
        long t0 = System.nanoTime();
        ClassLoader loader = JarLoad.class.getClassLoader();
        int loaded = 0;
        int failed = 0;
        List<Object> keep = new ArrayList<>();
        for (String jar : jars.split(":")) {
            for (String name : classNames(jar)) {
                try {
                    keep.add(Class.forName(name, true, loader));
                    loaded++;
                } catch (Throwable t) {
                    failed++;
                }
            }
        }
        KEPT = keep;
        System.out.println("INFO jar_classes_loaded=" + loaded);
        System.out.println("INFO jar_classes_failed=" + failed);
        System.out.println("INFO jar_load_ms=" + (System.nanoTime() - t0) / 1_000_000);
        System.out.flush();
        String[] rest = new String[args.length - i];
        System.arraycopy(args, i, rest, 0, rest.length);
        try {
            Class.forName("Workload").getMethod("main", String[].class).invoke(null, (Object) rest);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The loaded classes stay reachable (as an application's would) until exit. */
    static List<Object> KEPT;

    static List<String> classNames(String jar) throws IOException {
        List<String> names = new ArrayList<>();
        try (JarFile f = new JarFile(jar)) {
            Enumeration<JarEntry> e = f.entries();
            while (e.hasMoreElements()) {
                String n = e.nextElement().getName();
                if (n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class")) {
                    names.add(n.substring(0, n.length() - ".class".length()).replace('/', '.'));
                }
            }
        }
        return names;
    }
}
