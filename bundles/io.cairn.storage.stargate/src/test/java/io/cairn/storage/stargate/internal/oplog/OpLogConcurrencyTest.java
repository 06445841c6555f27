package io.cairn.storage.stargate.internal.oplog;

import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.WAIT;
import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.pattern;
import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.internal.SystemClock;

/** Group commit and back-pressure: many appenders at once, a store too small for them. */
@Timeout(120)
class OpLogConcurrencyTest {

    private static final long SEGMENT = 64 << 10;

    @TempDir
    Path dir;

    private SystemClock clock;
    private ExecutorService threads;
    private OpLogStore store;

    @BeforeEach
    void start() {
        clock = SystemClock.withDefaults();
        threads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).as("test threads ended").isTrue();
        if (store != null) {
            store.close();
        }
        clock.close();
    }

    @Test
    void givenManyConcurrentAppenders_whenEachWaitsForDurability_thenTheyShareFarFewerSyncs() throws Exception {
        store = OpLogStore.open(OpLogFixture.smallSegments(dir, 64L << 20), clock);
        int appenders = 32;
        int perAppender = 25;
        List<Future<?>> done = new ArrayList<>();
        for (int a = 0; a < appenders; a++) {
            long vdisk = a;
            done.add(threads.submit(() -> {
                for (int s = 0; s < perAppender; s++) {
                    store.appendDurably(OpLogRecord.data(vdisk, 1, s, s * 4096L, pattern(vdisk, s, 4096)), WAIT);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }

        int appends = appenders * perAppender;
        OpLogStats stats = store.stats();
        System.out.printf("group commit: %d durable appends by %d virtual threads took %d fsyncs%n", appends, appenders, stats.fsyncs());
        assertThat(stats.fsyncs()).as("syncs for %d durable appends", appends).isLessThan(appends / 4);
        assertThat(stats.bytesAppended()).isEqualTo(appends * 4096L);
        for (long vdisk = 0; vdisk < appenders; vdisk++) {
            ReadResult read = store.read(vdisk, 0, perAppender * 4096);
            assertThat(read.complete()).isTrue();
            for (int s = 0; s < perAppender; s++) {
                byte[] got = Arrays.copyOfRange(read.data(), s * 4096, (s + 1) * 4096);
                assertThat(got).isEqualTo(pattern(vdisk, s, 4096));
            }
        }
    }

    @Test
    void givenTinyCapacity_whenWriterOutrunsIt_thenItWaitsForDrainsAndNothingFailsOrIsLost() throws Exception {
        long capacity = SEGMENT + OpLogStore.drainMarkerReserve() + SEGMENT; // room for about two segments of data
        store = OpLogStore.open(new OpLogConfig(dir, capacity, SEGMENT, OpLogConfig.DEFAULT_VDISK_BASELINE_BYTES), clock);
        int writes = 120; // 480 KiB through a store that holds about 128 KiB of data
        long vdisk = 3;
        byte[] extentStore = new byte[writes * 4096];
        AtomicLong maxUsed = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);

        Future<?> writer = threads.submit(() -> {
            for (int s = 0; s < writes; s++) {
                store.appendDurably(OpLogRecord.data(vdisk, 1, s, s * 4096L, pattern(vdisk, s, 4096)), WAIT);
                maxUsed.accumulateAndGet(store.stats().usedBytes(), Math::max);
            }
            writing.set(false);
            return null;
        });
        Future<?> drainer = threads.submit(() -> {
            while (writing.get()) {
                waitUntil("the writer waits for space or finishes", () -> store.waitingForSpace() > 0 || !writing.get());
                drainEverything(vdisk, extentStore);
            }
            return null;
        });
        writer.get(60, TimeUnit.SECONDS);
        drainer.get(60, TimeUnit.SECONDS);
        drainEverything(vdisk, extentStore);

        OpLogStats stats = store.stats();
        assertThat(stats.spaceWaits()).as("the writer had to wait").isPositive();
        assertThat(maxUsed.get()).isLessThanOrEqualTo(capacity);
        assertThat(stats.bytesDrained()).isEqualTo(writes * 4096L);
        for (int s = 0; s < writes; s++) {
            assertThat(Arrays.copyOfRange(extentStore, s * 4096, (s + 1) * 4096)).as("write %d", s).isEqualTo(pattern(vdisk, s, 4096));
        }
    }

    @Test
    void givenFullStore_whenNoDrainWithinTheCallersBound_thenAppendTimesOutAndAppendsNothing() throws Exception {
        long capacity = SEGMENT + OpLogStore.drainMarkerReserve() + SEGMENT;
        store = OpLogStore.open(new OpLogConfig(dir, capacity, SEGMENT, OpLogConfig.DEFAULT_VDISK_BASELINE_BYTES), clock);
        int s = 0;
        while (true) { // fill it: appends that find no room at once time out without appending
            try {
                store.append(OpLogRecord.data(1, 1, s, s * 4096L, pattern(1, s, 4096)), Duration.ZERO).get();
                s++;
            } catch (TimeoutException full) {
                break;
            }
        }
        long undrained = store.undrainedBytes(1);
        int next = s;
        assertThat(undrained).isEqualTo(next * 4096L);

        assertThatThrownBy(() -> store.append(OpLogRecord.data(1, 1, next, next * 4096L, pattern(1, next, 4096)), Duration.ofMillis(200)))
                .isInstanceOf(TimeoutException.class).hasMessageContaining("had no room");
        assertThat(store.undrainedBytes(1)).isEqualTo(undrained);
        assertThat(store.stats().spaceWaits()).as("only the bounded append waited").isEqualTo(1);
        assertThat(store.stats().usedBytes()).isLessThanOrEqualTo(capacity - OpLogStore.drainMarkerReserve());
    }

    @Test
    void givenSpaceShort_whenVdiskOverBaselineAndOneUnderWait_thenTheOneUnderBaselineGoesFirst() throws Exception {
        int bigWrite = 60 << 10; // one record per 64 KiB segment
        long recordNeed = bigWrite + 52 + 32;
        long capacity = 2 * recordNeed + 10_000 + OpLogStore.drainMarkerReserve();
        store = OpLogStore.open(new OpLogConfig(dir, capacity, SEGMENT, 100 << 10), clock);
        long heavy = 1;
        long light = 2;
        store.appendDurably(OpLogRecord.data(heavy, 1, 0, 0, pattern(heavy, 0, bigWrite)), WAIT);
        store.appendDurably(OpLogRecord.data(heavy, 1, 1, 1 << 20, pattern(heavy, 1, bigWrite)), WAIT);

        Future<?> heavyWriter = threads.submit(() -> {
            store.appendDurably(OpLogRecord.data(heavy, 1, 2, 2 << 20, pattern(heavy, 2, bigWrite)), WAIT);
            return null;
        });
        waitUntil("the heavy writer waits", () -> store.waitingForSpace() == 1);
        Future<?> lightWriter = threads.submit(() -> {
            store.appendDurably(OpLogRecord.data(light, 1, 0, 0, pattern(light, 0, bigWrite)), WAIT);
            return null;
        });
        waitUntil("both writers wait", () -> store.waitingForSpace() == 2);

        store.markDrained(store.drainable(heavy, 1), WAIT); // frees one segment: room for one write
        lightWriter.get(20, TimeUnit.SECONDS);
        assertThat(heavyWriter).as("the vDisk over its baseline still waits").isNotDone();
        assertThat(store.waitingForSpace()).isEqualTo(1);

        store.markDrained(store.drainable(heavy, 1), WAIT);
        heavyWriter.get(20, TimeUnit.SECONDS);
        assertThat(store.read(heavy, 2 << 20, bigWrite).data()).isEqualTo(pattern(heavy, 2, bigWrite));
        assertThat(store.read(light, 0, bigWrite).data()).isEqualTo(pattern(light, 0, bigWrite));
    }

    @Test
    void givenAFullStoreOfRandomSmallWrites_whenDrainedInLargeBatches_thenEveryDrainFreesTheOldestSegments_andTheMarkersNeverRunOutOfRoom()
            throws Exception {
        // what the iSCSI bench hit: 4 KiB random writes over a large vDisk fill the OpLog; drains of 1024 runs each write
        // 16 KiB markers, and the reserve holds four; drained by offset, no segment emptied before the reserve was gone
        long segment = 1 << 20;
        long capacity = 24 * segment + OpLogStore.drainMarkerReserve();
        store = OpLogStore.open(new OpLogConfig(dir, capacity, segment, capacity), clock);
        java.util.Random random = new java.util.Random(11);
        List<java.util.concurrent.CompletableFuture<Void>> durable = new java.util.ArrayList<>();
        int s = 0;
        while (true) {
            try {
                durable.add(store.append(OpLogRecord.data(1, 1, s, random.nextInt(1 << 18) * 4096L, pattern(1, s, 4096)), Duration.ZERO));
                s++;
            } catch (TimeoutException full) {
                break;
            }
        }
        for (var f : durable) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(s).as("the store filled with 4 KiB writes").isGreaterThan(5000);

        int drains = 0;
        for (DrainBatch batch = store.drainable(1, 16 << 20); !batch.isEmpty() && drains < 100; batch = store.drainable(1, 16 << 20)) {
            store.markDrained(batch, Duration.ofSeconds(5)); // a TimeoutException here is the stall
            drains++;
        }
        assertThat(store.undrainedBytes(1)).as("everything drained in %d drains", drains).isZero();
        assertThat(store.stats().usedBytes()).as("the segments are freed").isLessThan(2 * segment);
        store.append(OpLogRecord.data(1, 1, s, 0, pattern(1, s, 4096)), Duration.ZERO).get(20, TimeUnit.SECONDS);
    }

    private void drainEverything(long vdisk, byte[] extentStore) throws Exception {
        for (DrainBatch batch = store.drainable(vdisk, 1 << 20); !batch.isEmpty(); batch = store.drainable(vdisk, 1 << 20)) {
            for (DrainExtent extent : batch.extents()) {
                System.arraycopy(extent.data(), 0, extentStore, (int) extent.offset(), extent.data().length);
            }
            store.markDrained(batch, WAIT);
        }
    }
}
