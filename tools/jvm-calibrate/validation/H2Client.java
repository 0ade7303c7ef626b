import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A JDBC client driving an H2 TCP server for the validation battery (runs in its own JVM, so its
 * memory is not the server's).
 *
 * <ul>
 *   <li>{@code H2Client populate URL ROWS}: creates table {@code item} (id, name, payload of 400
 *       characters, a secondary index on name) and inserts ROWS rows in batches of 1000; exits.
 *   <li>{@code H2Client load URL CONNECTIONS}: CONNECTIONS threads, each with its own connection,
 *       run a fixed mix (point select by id, range count by name prefix, update of one row) as fast
 *       as they can until standard input ends; prints {@code LOADING} once every connection is
 *       open and {@code QUERIES n} at the end.
 * </ul>
 */
public final class H2Client {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String url = args[1];
        int n = Integer.parseInt(args[2]);
        if (mode.equals("populate")) {
            populate(url, n);
        } else if (mode.equals("load")) {
            load(url, n);
        } else {
            throw new IllegalArgumentException("mode: populate or load");
        }
    }

    static void populate(String url, int rows) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE item(id INT PRIMARY KEY, name VARCHAR(64), payload VARCHAR(400))");
                s.execute("CREATE INDEX item_name ON item(name)");
            }
            c.setAutoCommit(false);
            SplittableRandom r = new SplittableRandom(9);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO item VALUES(?, ?, ?)")) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < rows; i++) {
                    sb.setLength(0);
                    for (int k = 0; k < 400; k++) {
                        sb.append((char) ('a' + r.nextInt(26)));
                    }
                    p.setInt(1, i);
                    p.setString(2, "n" + r.nextInt(100000));
                    p.setString(3, sb.toString());
                    p.addBatch();
                    if (i % 1000 == 999) {
                        p.executeBatch();
                        c.commit();
                    }
                }
                p.executeBatch();
                c.commit();
            }
        }
        System.out.println("POPULATED " + rows);
    }

    static volatile boolean stop;

    static void load(String url, int connections) throws Exception {
        List<Thread> threads = new ArrayList<>();
        long[] counts = new long[connections];
        List<Connection> conns = new ArrayList<>();
        for (int t = 0; t < connections; t++) {
            conns.add(DriverManager.getConnection(url, "sa", ""));
        }
        int rows;
        try (Statement s = conns.get(0).createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM item")) {
            rs.next();
            rows = rs.getInt(1);
        }
        for (int t = 0; t < connections; t++) {
            final int id = t;
            final Connection c = conns.get(t);
            Thread th = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(100 + id);
                try (PreparedStatement get = c.prepareStatement("SELECT payload FROM item WHERE id = ?");
                        PreparedStatement range = c.prepareStatement(
                                "SELECT COUNT(*), MAX(LENGTH(payload)) FROM item WHERE name BETWEEN ? AND ?");
                        PreparedStatement upd = c.prepareStatement("UPDATE item SET name = ? WHERE id = ?")) {
                    while (!stop) {
                        int k = r.nextInt(10);
                        if (k < 7) {
                            get.setInt(1, r.nextInt(rows));
                            try (ResultSet rs = get.executeQuery()) {
                                rs.next();
                            }
                        } else if (k < 9) {
                            int a = r.nextInt(99000);
                            range.setString(1, "n" + a);
                            range.setString(2, "n" + (a + 50));
                            try (ResultSet rs = range.executeQuery()) {
                                rs.next();
                            }
                        } else {
                            upd.setString(1, "n" + r.nextInt(100000));
                            upd.setInt(2, r.nextInt(rows));
                            upd.executeUpdate();
                        }
                        counts[id]++;
                    }
                    c.close();
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }, "load-" + t);
            threads.add(th);
            th.start();
        }
        System.out.println("LOADING " + connections);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // until end of input
        }
        stop = true;
        long total = 0;
        for (int t = 0; t < connections; t++) {
            threads.get(t).join();
            total += counts[t];
        }
        System.out.println("QUERIES " + total);
    }
}
