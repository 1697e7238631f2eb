package dev.collabcampus.embeddeddb;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoServer;

/**
 * CollabCampus's embedded MongoDB-wire database: mongo-java-server with its H2 file backend, made
 * safe for concurrent clients (see PatchedH2Backend), listening on loopback only.
 *
 * <pre>
 * java -jar embedded-db.jar --data-dir DIR [--port N] [--commit-interval-ms N] [--exit-on-stdin-eof]
 * </pre>
 *
 * When it is ready it prints one line, "ready mongodb://127.0.0.1:PORT", to stdout; everything
 * else goes to stderr. It stops cleanly (every acknowledged write saved) on SIGTERM or SIGINT and,
 * with --exit-on-stdin-eof, when its parent closes stdin, so it never outlives a parent that died.
 */
public final class EmbeddedDb {

    static final String DATA_FILE = "collabcampus.mv.db";

    private EmbeddedDb() {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("embedded-db: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Before the first logger exists: warnings and errors only, on stderr.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        // A client that closes its connections (every app shutdown) is not an error worth a stack
        // trace, and neither is a command the server refuses (an existing collection, a bad query):
        // that error goes back to the client, which reports what it did not expect.
        System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoExceptionHandler", "off");
        // (MongoDatabaseHandler reports those under MongoWireProtocolHandler's name.)
        System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler", "off");
        // Plain secondary indexes are accepted and not built (queries on them scan); unique ones are.
        // Said once in the README rather than at every boot for every index.
        System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.backend.AbstractMongoDatabase", "error");

        Files.createDirectories(options.dataDir);
        MVStore store = new MVStore.Builder()
            .fileName(options.dataDir.resolve(DATA_FILE).toString())
            .cacheSize(pageCacheMb())
            .open();
        // MVStore saves in the background, by default after up to a second; this bounds what a
        // kill -9 can lose.
        store.setAutoCommitDelay(options.commitIntervalMs);
        MongoServer server = new MongoServer(new PatchedH2Backend(store));
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Closes the clients, then the backend, whose store close saves what is pending.
            server.shutdownNow();
            stopped.countDown();
        }, "embedded-db-shutdown"));

        System.out.println("ready mongodb://127.0.0.1:" + server.getLocalAddress().getPort());
        System.out.flush();

        if (options.exitOnStdinEof) {
            drain(System.in);
            System.exit(0);
        }
        stopped.await();
    }

    /**
     * MVStore's page cache, a quarter of the heap (about 64 MB at the default 256 MB; MVStore's own
     * default is 16). With 16 MB, pages of a store with a few thousand users and sessions were read
     * back from the file and deserialized over and over: the first handshakes of many new sessions
     * cost the database 635-730 µs of CPU each, against 375-385 µs with 64 MB, and first
     * handshakes/s went from 0.43-0.52x a bare server to 0.58-0.62x in paired runs. The price is
     * about 80 MB more resident memory at the peak of a full benchmark.
     */
    private static int pageCacheMb() {
        long heapMb = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        return (int) Math.max(16, heapMb / 4);
    }

    private static void drain(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // The parent never writes; only the end of the stream matters.
            }
        } catch (IOException e) {
            // A broken pipe means the parent is gone, the same as EOF.
        }
    }

    record Options(Path dataDir, int port, int commitIntervalMs, boolean exitOnStdinEof) {

        static Options parse(String[] args) {
            Path dataDir = null;
            int port = 0;
            int commitIntervalMs = 50;
            boolean exitOnStdinEof = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--data-dir" -> dataDir = Path.of(value(args, ++i, "--data-dir")).toAbsolutePath();
                    case "--port" -> port = number(value(args, ++i, "--port"), "--port", 0, 65535);
                    case "--commit-interval-ms" ->
                        commitIntervalMs = number(value(args, ++i, "--commit-interval-ms"), "--commit-interval-ms", 1, 60_000);
                    case "--exit-on-stdin-eof" -> exitOnStdinEof = true;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (dataDir == null) {
                throw new IllegalArgumentException("--data-dir is required");
            }
            return new Options(dataDir, port, commitIntervalMs, exitOnStdinEof);
        }

        private static String value(String[] args, int index, String option) {
            if (index >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[index];
        }

        private static int number(String text, String option, int min, int max) {
            try {
                int value = Integer.parseInt(text);
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // Reported below with the allowed range.
            }
            throw new IllegalArgumentException(option + " must be a whole number from " + min + " to " + max + ", got \"" + text + "\"");
        }
    }
}
