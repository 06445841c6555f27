package io.cairn.storage.stargate.internal.estore;

import static io.cairn.storage.stargate.internal.estore.TestData.SLICE;
import static io.cairn.storage.stargate.internal.estore.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a JVM that is writing to an extent store with SIGKILL, reopens the store and its metadata,
 * and checks that every write the child acknowledged (printed after {@code write} returned) reads
 * back verified, and that the writes in flight at the kill either read back as zeros or as their
 * data, or fail verification: never anything else.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExtentStoreCrashTest {

    static final int ACKS_BEFORE_KILL = 200;
    static final int CHILD_MAX_SECONDS = 60;

    @TempDir
    Path dir;

    @Test
    void givenChildWritingEgroups_whenKilledWithSigkill_thenEveryAcknowledgedWriteReadsBackVerified() throws Exception {
        Path home = dir.resolve("home");
        Path d1 = dir.resolve("d1");
        Path d2 = dir.resolve("d2");
        Path tmp = Files.createDirectories(dir.resolve("tmp")); // RocksDB extracts its library here: cleaned with the test
        Path stderr = dir.resolve("child.stderr");
        Path stdout = dir.resolve("child.stdout");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(java, "-Xmx128m", "-Djava.io.tmpdir=" + tmp, "--enable-native-access=ALL-UNNAMED",
                "-cp", classpath, ExtentStoreCrashWriter.class.getName(), home.toString(), d1.toString(), d2.toString(),
                Integer.toString(CHILD_MAX_SECONDS)).redirectError(stderr.toFile()).redirectOutput(stdout.toFile()).start();
        // a file, not a pipe: when the child dies the JDK may close the pipe under a blocked reader and lose
        // the last acknowledgement lines; bytes the child wrote to the file are all there after the kill
        Output output = new Output(stdout);
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
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertThat(child.exitValue()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);

        List<String> lines = output.completeLines();
        assertThat(lines.getFirst()).isEqualTo("open");
        Map<Long, Set<Integer>> ackedSlices = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ");
            assertThat(f[0]).as("line from the child: %s", line).isEqualTo("ack");
            int offset = Integer.parseInt(f[2]);
            for (int s = offset / SLICE; s < (offset + Integer.parseInt(f[3])) / SLICE; s++) {
                ackedSlices.computeIfAbsent(Long.parseLong(f[1]), k -> new HashSet<>()).add(s);
            }
        }
        assertThat(ackedSlices.values().stream().mapToInt(Set::size).sum()).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);

        try (LocalMetadata metadata = LocalMetadata.open(home);
                ExtentStore store = ExtentStore.open(metadata.store(),
                        List.of(DiskSpec.wholeFileSystem("d1", d1), DiskSpec.wholeFileSystem("d2", d2)), e -> { })) {
            List<String> unacknowledged = new ArrayList<>();
            for (long eg = ExtentStoreCrashWriter.FIRST_EGROUP; eg < ExtentStoreCrashWriter.FIRST_EGROUP + 2 * ExtentStoreCrashWriter.THREADS; eg++) {
                Set<Integer> acked = ackedSlices.getOrDefault(eg, Set.of());
                if (acked.isEmpty() && !store.contains(eg)) {
                    continue; // killed before this egroup's first write returned (or began)
                }
                for (int s = 0; s < ExtentStore.SLICES_PER_EGROUP; s++) {
                    byte[] expected = TestData.slice(eg, s, 0);
                    if (acked.contains(s)) {
                        assertThat(bytes(store.read(eg, s * SLICE, SLICE))).as("acknowledged slice %d of egroup %d", s, eg)
                                .isEqualTo(expected);
                        continue;
                    }
                    try {
                        byte[] got = bytes(store.read(eg, s * SLICE, SLICE));
                        if (Arrays.equals(got, expected)) {
                            unacknowledged.add(eg + "/" + s + " written");
                        } else {
                            assertThat(got).as("unacknowledged slice %d of egroup %d: zeros or its data", s, eg).containsOnly(0);
                        }
                    } catch (SliceChecksumException e) {
                        unacknowledged.add(eg + "/" + s + " fails verification");
                    }
                }
            }
            // at most the write in flight in each thread (up to 3 slices) left a trace
            assertThat(unacknowledged).hasSizeLessThanOrEqualTo(ExtentStoreCrashWriter.THREADS * 3);
            assertThat(store.counters().checksumErrors()).isEqualTo(unacknowledged.stream().filter(u -> u.endsWith("verification")).count());
        }
    }

    /** The child's stdout file; only lines ended by a newline count as acknowledged. */
    static final class Output {
        private final Path file;

        Output(Path file) {
            this.file = file;
        }

        int lines() throws IOException {
            int n = 0;
            for (byte b : Files.readAllBytes(file)) {
                n += b == '\n' ? 1 : 0;
            }
            return n;
        }

        List<String> completeLines() throws IOException {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            int end = text.lastIndexOf('\n');
            return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
        }
    }
}
