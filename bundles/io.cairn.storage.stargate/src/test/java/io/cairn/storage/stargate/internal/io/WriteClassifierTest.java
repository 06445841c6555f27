package io.cairn.storage.stargate.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.storage.stargate.internal.io.WriteClassifier.InFlightWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WriteClassifierTest {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long VDISK = 42;

    /** Runs {@code writes} writes of {@code size} keeping {@code iodepth} in flight; destinations in order. */
    private static List<WriteDestination> stream(WriteClassifier classifier, long size, int iodepth, int writes) {
        Deque<InFlightWrite> inFlight = new ArrayDeque<>();
        List<WriteDestination> destinations = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            if (inFlight.size() == iodepth) {
                inFlight.removeFirst().close();
            }
            InFlightWrite write = classifier.begin(VDISK, size);
            destinations.add(write.destination());
            inFlight.addLast(write);
        }
        inFlight.forEach(InFlightWrite::close);
        return destinations;
    }

    @Test
    void given1MiBWritesAtIodepth2_thenSteadyStateGoesToTheExtentStore() {
        WriteClassifier classifier = new WriteClassifier(WriteClassifier.DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES);
        List<WriteDestination> destinations = stream(classifier, MIB, 2, 50);
        // the stream's very first write is alone (1 MiB < 1.5 MiB): OpLog; from then on 2 MiB are outstanding
        assertThat(destinations.getFirst()).isEqualTo(WriteDestination.OPLOG);
        assertThat(destinations.subList(1, 50)).containsOnly(WriteDestination.EXTENT_STORE);
        assertThat(classifier.outstandingBytes(VDISK)).isZero();
    }

    @Test
    void given4KiBWritesAtQd1_thenAllGoToTheOpLog() {
        WriteClassifier classifier = new WriteClassifier(WriteClassifier.DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES);
        assertThat(stream(classifier, 4 * KIB, 1, 50)).containsOnly(WriteDestination.OPLOG);
    }

    @Test
    void givenASingle2MiBWriteAtQd1_thenItBypassesTheOpLog() {
        WriteClassifier classifier = new WriteClassifier(WriteClassifier.DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES);
        assertThat(stream(classifier, 2 * MIB, 1, 3)).containsOnly(WriteDestination.EXTENT_STORE);
    }

    @Test
    void givenWritesAboveSixtyFourKiBButBelowThreshold_thenOpLog() {
        WriteClassifier classifier = new WriteClassifier(WriteClassifier.DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES);
        assertThat(stream(classifier, 1536 * KIB - 1, 1, 3)).containsOnly(WriteDestination.OPLOG);
        assertThat(stream(classifier, 1536 * KIB, 1, 3)).containsOnly(WriteDestination.EXTENT_STORE);
    }

    @Test
    void givenThreshold4194304_thenThe1MiBIodepth2StreamGoesToTheOpLog() {
        WriteClassifier classifier = new WriteClassifier(4_194_304);
        assertThat(stream(classifier, MIB, 2, 50)).containsOnly(WriteDestination.OPLOG);
    }

    @Test
    void givenOutstandingWritesOnAnotherVDisk_thenTheyDoNotCount() {
        WriteClassifier classifier = new WriteClassifier(WriteClassifier.DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES);
        try (InFlightWrite other = classifier.begin(7, MIB)) {
            assertThat(other.destination()).isEqualTo(WriteDestination.OPLOG);
            try (InFlightWrite mine = classifier.begin(VDISK, MIB)) {
                assertThat(mine.destination()).isEqualTo(WriteDestination.OPLOG);
            }
        }
    }

    @Test
    void givenAWriteClosedTwice_thenItIsSubtractedOnce() {
        WriteClassifier classifier = new WriteClassifier(WriteClassifier.DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES);
        InFlightWrite first = classifier.begin(VDISK, MIB);
        InFlightWrite second = classifier.begin(VDISK, 4 * KIB);
        first.close();
        first.close();
        assertThat(classifier.outstandingBytes(VDISK)).isEqualTo(4 * KIB);
        second.close();
        assertThat(classifier.outstandingBytes(VDISK)).isZero();
    }

    @Test
    void givenInvalidInput_thenClearErrors() {
        assertThatThrownBy(() -> new WriteClassifier(0))
                .hasMessageContaining("vdisk_distributed_oplog_skip_min_outstanding_write_bytes is 0");
        WriteClassifier classifier = new WriteClassifier(WriteClassifier.DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES);
        assertThatThrownBy(() -> classifier.begin(VDISK, 0)).hasMessageContaining("not positive");
    }

    @Test
    void givenConcurrentWritersOnOneVDisk_thenOutstandingBytesReturnToZero() throws Exception {
        WriteClassifier classifier = new WriteClassifier(WriteClassifier.DEFAULT_SKIP_MIN_OUTSTANDING_WRITE_BYTES);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                        try (InFlightWrite write = classifier.begin(VDISK, 4 * KIB)) {
                            assertThat(classifier.outstandingBytes(VDISK)).isPositive();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(classifier.outstandingBytes(VDISK)).isZero();
    }
}
