package io.cairn.storage.medusa.internal.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.storage.api.local.LocalEntry;

/**
 * Kills a writing JVM with SIGKILL in the middle of its writes, reopens its store and checks that
 * every write the child had acknowledged (printed after the call returned) is there, and that every
 * batch is all-or-nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalMetadataCrashTest {

    static final int ACKS_BEFORE_KILL = 300;
    static final int CHILD_MAX_SECONDS = 60;

    @TempDir
    Path dir;

    @Test
    void givenChildWritingSyncWrites_whenKilledWithSigkill_thenEveryAcknowledgedWriteSurvives() throws Exception {
        Path store = dir.resolve("local-metadata");
        Path stderr = dir.resolve("child.stderr");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-cp", classpath, LocalMetadataCrashWriter.class.getName(), store.toString(), Integer.toString(CHILD_MAX_SECONDS))
                .redirectError(stderr.toFile());
        Process child = pb.start();
        Output output = new Output(child.getInputStream());
        Thread reader = Thread.ofPlatform().daemon().name("crash-child-stdout").start(output);
        int exit;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (output.lines() < ACKS_BEFORE_KILL + 1 && child.isAlive() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            if (!child.isAlive() || output.lines() < ACKS_BEFORE_KILL + 1) {
                fail("the child did not acknowledge " + ACKS_BEFORE_KILL + " writes while running (saw " + output.lines()
                        + " lines; alive " + child.isAlive() + "); its stderr:\n" + Files.readString(stderr));
            }
            child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child died").isTrue();
            exit = child.exitValue();
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(reader.isAlive()).as("stdout reader finished").isFalse();
        assertThat(exit).as("killed by SIGKILL (128 + 9)").isEqualTo(137);

        List<String> acked = output.completeLines();
        assertThat(acked.getFirst()).isEqualTo("open");
        acked = acked.subList(1, acked.size());
        assertThat(acked.size()).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);

        try (LocalMetadataDb reopened = LocalMetadataDb.open(store, e -> { })) {
            int keys = 0;
            for (String line : acked) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "put" -> {
                        assertThat(reopened.get(b(f[1]))).as("acknowledged put %s", f[1])
                                .hasValueSatisfying(v -> assertThat(v).isEqualTo(b(f[1])));
                        keys++;
                    }
                    case "batch" -> {
                        for (int i = 0; i < Integer.parseInt(f[2]); i++) {
                            String k = f[1] + "/" + i;
                            assertThat(reopened.get(b(k))).as("acknowledged batch key %s", k)
                                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(b(k)));
                            keys++;
                        }
                    }
                    default -> fail("unexpected line from the child: " + line);
                }
            }
            // batches are atomic, also the one that may have been in flight at the kill
            Map<String, Integer> perBatch = new HashMap<>();
            byte[] after = null;
            List<LocalEntry> page;
            do {
                page = reopened.scan(b("b/"), after, 1000);
                for (LocalEntry e : page) {
                    String k = new String(e.key(), StandardCharsets.UTF_8);
                    perBatch.merge(k.substring(0, k.lastIndexOf('/')), 1, Integer::sum);
                }
                after = page.isEmpty() ? null : page.getLast().key();
            } while (page.size() == 1000);
            assertThat(perBatch.values()).allMatch(n -> n == 3);

            // at most the one write in flight at the kill is there without an acknowledgement
            int stored = 0;
            after = null;
            do {
                page = reopened.scan(new byte[0], after, 1000);
                stored += page.size();
                after = page.isEmpty() ? null : page.getLast().key();
            } while (page.size() == 1000);
            assertThat(stored).isBetween(keys, keys + 3);
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The child's stdout; only lines ended by a newline count as acknowledged. */
    static final class Output implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private int lines;

        Output(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (this) {
                        bytes.write(buf, 0, n);
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == '\n') {
                                lines++;
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // the pipe closes when the child dies
            }
        }

        synchronized int lines() {
            return lines;
        }

        synchronized List<String> completeLines() {
            String text = bytes.toString(StandardCharsets.US_ASCII);
            int end = text.lastIndexOf('\n');
            List<String> out = new ArrayList<>();
            if (end >= 0) {
                out.addAll(List.of(text.substring(0, end).split("\n")));
            }
            return out;
        }
    }
}
