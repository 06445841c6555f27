package io.cairn.storage.stargate.internal.oplog;

import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.WAIT;
import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.pattern;
import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.internal.SystemClock;

/** Recovery: a writer killed mid-stream, torn and corrupted segment files. */
@Timeout(120)
class OpLogRecoveryTest {

    private static final long VDISK = 1;
    private static final int RECORD_BYTES = 52 + 4096;
    private static final int SEGMENT_HEADER = 32;

    @TempDir
    Path dir;

    private SystemClock clock;
    private OpLogStore store;
    private Process child;

    @BeforeEach
    void start() {
        clock = SystemClock.withDefaults();
    }

    @AfterEach
    void stop() throws Exception {
        if (child != null) {
            child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
        if (store != null) {
            store.close();
        }
        clock.close();
    }

    @Test
    void givenWriterKilledMidStream_whenReopened_thenEveryAcknowledgedWriteIsThereAndIntact() throws Exception {
        Path oplog = dir.resolve("oplog");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        child = new ProcessBuilder(java, "-Xmx64m", "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                OpLogCrashWriter.class.getName(), oplog.toString(), "100000")
                .redirectError(dir.resolve("child-stderr.txt").toFile()).redirectOutput(dir.resolve("child-stdout.txt").toFile()).start();
        // the child's acknowledgements go to a file, not a pipe: the JDK may close a pipe under a blocked reader
        // when the child dies and lose its last lines; what the child wrote to the file is all there after the kill
        Map<Long, Long> newestAck = new ConcurrentHashMap<>();
        List<String> unexpected = new ArrayList<>();
        waitUntil("the child acknowledged 400 writes", () -> {
            readAcks(dir.resolve("child-stdout.txt"), newestAck, new ArrayList<>());
            return newestAck.values().stream().mapToLong(s -> s + 1).sum() >= 400 || !child.isAlive();
        });
        assertThat(child.isAlive()).as("child still writing (stderr in %s)", dir.resolve("child-stderr.txt")).isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        readAcks(dir.resolve("child-stdout.txt"), newestAck, unexpected);
        assertThat(unexpected).isEmpty();

        store = OpLogStore.open(OpLogCrashWriter.config(oplog), clock);
        for (long vdisk = 0; vdisk < OpLogCrashWriter.VDISKS; vdisk++) {
            long acked = newestAck.getOrDefault(vdisk, -1L);
            long slots = acked + 1 + 200; // acknowledged writes, then whatever was written but not acknowledged
            ReadResult read = store.read(vdisk, 0, (int) (slots * OpLogCrashWriter.WRITE_BYTES));
            for (long s = 0; s < slots; s++) {
                long offset = OpLogCrashWriter.offsetOf(s);
                boolean present = read.fromOpLog().stream().anyMatch(r -> r.offset() <= offset && r.end() >= offset + OpLogCrashWriter.WRITE_BYTES);
                if (s <= acked) {
                    assertThat(present).as("acknowledged write %d of vDisk %d", s, vdisk).isTrue();
                }
                if (present) {
                    assertThat(Arrays.copyOfRange(read.data(), (int) offset, (int) offset + OpLogCrashWriter.WRITE_BYTES))
                            .as("write %d of vDisk %d", s, vdisk).isEqualTo(pattern(vdisk, s, OpLogCrashWriter.WRITE_BYTES));
                }
            }
        }
        // the reopened store takes new writes after the recovered ones
        long next = newestAck.get(0L) + 1000;
        store.appendDurably(OpLogRecord.data(0, 1, next, OpLogCrashWriter.offsetOf(next), pattern(0, next, 4096)), WAIT);
    }

    @Test
    void givenSegmentCutInsideItsLastRecord_whenReopened_thenTornRecordDroppedAndStoreUsable() throws Exception {
        Path segment = writeTenRecords();
        long size = Files.size(segment);
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(size - 100);
        }

        store = OpLogStore.open(OpLogFixture.smallSegments(dir, 64L << 20), clock);
        assertThat(Files.size(segment)).as("torn tail cut off").isEqualTo(SEGMENT_HEADER + 9L * RECORD_BYTES);
        assertThat(store.read(VDISK, 0, 10 * 4096).fromOpLog()).containsExactly(new ByteRange(0, 9 * 4096));
        assertRecordsIntact(9);

        store.appendDurably(OpLogRecord.data(VDISK, 1, 9, 9 * 4096, pattern(VDISK, 9, 4096)), WAIT);
        store.close();
        store = OpLogStore.open(OpLogFixture.smallSegments(dir, 64L << 20), clock);
        assertRecordsIntact(10);
    }

    @Test
    void givenLastRecordWithBadChecksum_whenReopened_thenItIsTreatedAsTornAndDropped() throws Exception {
        Path segment = writeTenRecords();
        flipByte(segment, Files.size(segment) - 10);

        store = OpLogStore.open(OpLogFixture.smallSegments(dir, 64L << 20), clock);
        assertRecordsIntact(9);
        assertThat(store.read(VDISK, 9 * 4096, 4096).complete()).isFalse();
    }

    @Test
    void givenBadChecksumBeforeValidRecords_whenReopened_thenOpenFailsAndChangesNothing() throws Exception {
        Path segment = writeTenRecords();
        long bad = SEGMENT_HEADER + 4L * RECORD_BYTES;
        flipByte(segment, bad + 52 + 100);
        byte[] before = Files.readAllBytes(segment);

        assertThatThrownBy(() -> OpLogStore.open(OpLogFixture.smallSegments(dir, 64L << 20), clock))
                .isInstanceOfSatisfying(OpLogCorruptException.class, e -> {
                    assertThat(e.position()).isEqualTo(bad);
                    assertThat(e.segment()).isEqualTo(segment);
                })
                .hasMessageContaining("CRC32C mismatch").hasMessageContaining("a valid record follows it")
                .hasMessageContaining("recover the vDisks' undrained data from peer copies");
        assertThat(Files.readAllBytes(segment)).isEqualTo(before);
    }

    @Test
    void givenBadTailInOlderSegment_whenReopened_thenOpenFailsBecauseOnlyTheNewestSegmentCanBeTorn() throws Exception {
        OpLogConfig config = new OpLogConfig(dir, 64L << 20, 64 << 10, OpLogConfig.DEFAULT_VDISK_BASELINE_BYTES);
        store = OpLogStore.open(config, clock);
        for (int s = 0; s < 40; s++) {
            store.appendDurably(OpLogRecord.data(VDISK, 1, s, s * 4096L, pattern(VDISK, s, 4096)), WAIT);
        }
        store.close();
        store = null;
        List<Path> segments = segmentFiles();
        assertThat(segments).hasSizeGreaterThan(1);
        flipByte(segments.getFirst(), Files.size(segments.getFirst()) - 10);

        assertThatThrownBy(() -> OpLogStore.open(config, clock)).isInstanceOf(OpLogCorruptException.class)
                .hasMessageContaining("newer segments follow it");
    }

    @Test
    void givenNewestSegmentTornWhileBeingCreated_whenReopened_thenItIsDeletedAndDataIntact() throws Exception {
        writeTenRecords();
        Path empty = dir.resolve(Segment.fileName(segmentFiles().size()));
        Files.write(empty, new byte[] {0x43, 0x41});

        store = OpLogStore.open(OpLogFixture.smallSegments(dir, 64L << 20), clock);
        assertThat(empty).doesNotExist();
        assertRecordsIntact(10);
    }

    /**
     * An old write (segment 0, kept by another vDisk's live record) was overwritten by a write in
     * segment 1, which was then drained. Segment 1 is dead, but deleting it before segment 0 would
     * let the old write come back on reopen: segments go in log order only.
     */
    @Test
    void givenOverwrittenWriteInLiveOlderSegment_whenNewerSegmentsDrainedAndReopened_thenOldDataDoesNotResurface() throws Exception {
        OpLogConfig config = new OpLogConfig(dir, 64L << 20, 64 << 10, OpLogConfig.DEFAULT_VDISK_BASELINE_BYTES);
        int write = 20 << 10; // three records per 64 KiB segment
        store = OpLogStore.open(config, clock);
        store.appendDurably(OpLogRecord.data(1, 1, 1, 0, pattern(1, 1, write)), WAIT); // segment 0
        store.appendDurably(OpLogRecord.data(2, 1, 1, 0, pattern(2, 1, write)), WAIT); // segment 0, never drained
        store.appendDurably(OpLogRecord.data(1, 1, 2, 1 << 20, pattern(1, 2, write)), WAIT); // segment 0
        store.appendDurably(OpLogRecord.data(1, 1, 3, 0, pattern(1, 3, write)), WAIT); // segment 1, overwrites sequence 1
        store.appendDurably(OpLogRecord.data(1, 1, 4, 2 << 20, pattern(1, 4, write)), WAIT); // segment 1
        store.appendDurably(OpLogRecord.data(1, 1, 5, 3 << 20, pattern(1, 5, write)), WAIT); // segment 1
        while (!store.drainable(1, 1).isEmpty()) {
            store.markDrained(store.drainable(1, 64L << 20), WAIT);
        }
        for (int s = 0; s < 6; s++) { // roll past segment 1 and drain again
            store.appendDurably(OpLogRecord.data(3, 1, s, s * (long) write, pattern(3, s, write)), WAIT);
        }
        store.markDrained(store.drainable(3, 64L << 20), WAIT);
        store.close();

        store = OpLogStore.open(config, clock);
        assertThat(store.vdisks()).containsExactly(2L);
        assertThat(store.read(1, 0, 4 << 20).fromOpLog()).as("drained or overwritten data of vDisk 1").isEmpty();
        assertThat(store.read(2, 0, write).data()).isEqualTo(pattern(2, 1, write));
    }

    private Path writeTenRecords() throws Exception {
        try (OpLogStore writer = OpLogStore.open(OpLogFixture.smallSegments(dir, 64L << 20), clock)) {
            for (int s = 0; s < 10; s++) {
                writer.appendDurably(OpLogRecord.data(VDISK, 1, s, s * 4096L, pattern(VDISK, s, 4096)), WAIT);
            }
        }
        List<Path> segments = segmentFiles();
        assertThat(segments).hasSize(1);
        assertThat(Files.size(segments.getFirst())).isEqualTo(SEGMENT_HEADER + 10L * RECORD_BYTES);
        return segments.getFirst();
    }

    private void assertRecordsIntact(int count) throws Exception {
        ReadResult read = store.read(VDISK, 0, count * 4096);
        assertThat(read.complete()).isTrue();
        for (int s = 0; s < count; s++) {
            assertThat(Arrays.copyOfRange(read.data(), s * 4096, (s + 1) * 4096)).as("write %d", s).isEqualTo(pattern(VDISK, s, 4096));
        }
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".oplog")).sorted().toList();
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(position);
            int b = f.read();
            f.seek(position);
            f.write(b ^ 0x5A);
        }
    }

    /** The newest acknowledged sequence per vDisk from the child's complete output lines. */
    private static void readAcks(Path file, Map<Long, Long> newestAck, List<String> unexpected) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            unexpected.add(e.toString());
            return;
        }
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return;
        }
        for (String line : text.substring(0, end).split("\n")) {
            String[] parts = line.split(" ");
            if (parts.length == 3 && parts[0].equals("ACK")) {
                newestAck.merge(Long.parseLong(parts[1]), Long.parseLong(parts[2]), Math::max);
            } else {
                unexpected.add(line);
            }
        }
    }
}
