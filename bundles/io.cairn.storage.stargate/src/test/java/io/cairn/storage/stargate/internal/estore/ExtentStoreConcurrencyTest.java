package io.cairn.storage.stargate.internal.estore;

import static io.cairn.storage.stargate.internal.estore.TestData.SLICE;
import static io.cairn.storage.stargate.internal.estore.TestData.bytes;
import static io.cairn.storage.stargate.internal.estore.TestData.data;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many virtual threads write distinct slices of the same egroups while others read them: no write is
 * lost (each egroup's record keeps every writer's checksums) and no read ever sees a slice that fails
 * its check or holds anything but zeros or the data written to it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExtentStoreConcurrencyTest {

    static final int EGROUPS = 2;
    static final int SLICES_PER_WRITE = 4;
    static final int WRITTEN_SLICES = 256; // 1 MiB per egroup

    @TempDir
    Path dir;

    @Test
    void givenManyVirtualThreadsWritingDistinctSlicesOfTheSameEgroups_thenEveryWriteVerifies() throws Exception {
        try (LocalMetadata metadata = LocalMetadata.open(dir.resolve("home"));
                ExtentStore store = ExtentStore.open(metadata.store(),
                        List.of(DiskSpec.wholeFileSystem("d1", dir.resolve("d1")), DiskSpec.wholeFileSystem("d2", dir.resolve("d2"))),
                        e -> { })) {
            Queue<Throwable> readerFailures = new ConcurrentLinkedQueue<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                // create the egroups first, so the writers race on one egroup's record, not on its creation
                for (long eg = 1; eg <= EGROUPS; eg++) {
                    store.write(eg, (WRITTEN_SLICES - 1) * SLICE, data(eg, (WRITTEN_SLICES - 1) * SLICE, SLICE, 0));
                }
                List<Future<?>> writers = new ArrayList<>();
                for (long eg = 1; eg <= EGROUPS; eg++) {
                    long egroupId = eg;
                    for (int first = 0; first < WRITTEN_SLICES - 1; first += SLICES_PER_WRITE) {
                        int offset = first * SLICE;
                        int length = Math.min(SLICES_PER_WRITE, WRITTEN_SLICES - 1 - first) * SLICE;
                        writers.add(threads.submit(() -> store.write(egroupId, offset, data(egroupId, offset, length, 0))));
                    }
                }
                List<Future<?>> readers = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    readers.add(threads.submit(() -> {
                        while (writing.get()) {
                            long eg = 1 + ThreadLocalRandom.current().nextInt(EGROUPS);
                            int first = ThreadLocalRandom.current().nextInt(WRITTEN_SLICES - 8);
                            try {
                                byte[] got = bytes(store.read(eg, first * SLICE, 8 * SLICE));
                                for (int i = 0; i < 8; i++) {
                                    byte[] slice = Arrays.copyOfRange(got, i * SLICE, (i + 1) * SLICE);
                                    if (!Arrays.equals(slice, new byte[SLICE]) && !Arrays.equals(slice, TestData.slice(eg, first + i, 0))) {
                                        readerFailures.add(new AssertionError("egroup " + eg + " slice " + (first + i) + " holds foreign data"));
                                    }
                                }
                            } catch (RuntimeException e) {
                                readerFailures.add(e);
                            }
                        }
                    }));
                }
                for (Future<?> w : writers) {
                    w.get(60, TimeUnit.SECONDS);
                }
                writing.set(false);
                for (Future<?> r : readers) {
                    r.get(60, TimeUnit.SECONDS);
                }
            }
            assertThat(readerFailures).isEmpty();
            for (long eg = 1; eg <= EGROUPS; eg++) {
                assertThat(store.verify(eg)).isEmpty();
                assertThat(store.location(eg).orElseThrow().writtenSlices()).isEqualTo(WRITTEN_SLICES);
                assertThat(bytes(store.read(eg, 0, WRITTEN_SLICES * SLICE))).isEqualTo(bytes(data(eg, 0, WRITTEN_SLICES * SLICE, 0)));
            }
            assertThat(store.counters().checksumErrors()).isZero();
            assertThat(store.usage().stream().mapToLong(DiskUsage::usedBytes).sum()).isEqualTo((long) EGROUPS * WRITTEN_SLICES * SLICE);
        }
    }
}
