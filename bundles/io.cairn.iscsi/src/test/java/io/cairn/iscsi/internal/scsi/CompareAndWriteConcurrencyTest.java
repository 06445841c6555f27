package io.cairn.iscsi.internal.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class CompareAndWriteConcurrencyTest extends ScsiTestSupport {

    static final int THREADS = 8;
    static final int INCREMENTS = 25;
    static final long COUNTER_LBA = 77;

    private long readCounter(Nexus n) {
        return ByteBuffer.wrap(data(exec(n, cdb10(Cdb.READ_10, 0, COUNTER_LBA, 1)))).getLong(0);
    }

    @Test
    void givenManyInitiatorsIncrementingACounterWithCompareAndWrite_thenNoUpdateIsLost() throws Exception {
        disk.latencyNanos = 200_000;
        AtomicInteger miscompares = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Nexus n = new Nexus("iqn.x:worker" + t, String.format("%012x", t), TARGET, 1);
            threads.add(Thread.ofVirtual().start(() -> {
                int done = 0;
                while (done < INCREMENTS) {
                    long seen = readCounter(n);
                    byte[] out = new byte[1024];
                    ByteBuffer.wrap(out).putLong(0, seen).putLong(512, seen + 1);
                    ScsiResult r = exec(n, compareAndWrite(COUNTER_LBA, 1), out);
                    if (r.status() == ScsiResult.GOOD) {
                        done++;
                    } else {
                        assertSense(r, 0xE, 0x1D, 0);
                        miscompares.incrementAndGet();
                    }
                    // interleave plain writes to a neighbouring block: they take the range lock too
                    assertGood(exec(n, cdb10(Cdb.WRITE_10, 0, COUNTER_LBA + 1, 1), pattern(1, done)));
                }
            }));
        }
        for (Thread t : threads) {
            t.join(60_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(readCounter(a)).isEqualTo((long) THREADS * INCREMENTS);
        assertThat(miscompares.get()).as("the initiators raced").isPositive();
    }

    @Test
    void givenRangeLock_thenOverlappingRangesWaitAndDisjointOnesDoNot() throws Exception {
        RangeLock lock = new RangeLock();
        RangeLock.Held first = lock.acquire(0, 4096);
        try (RangeLock.Held disjoint = lock.acquire(4096, 512)) {
            assertThat(disjoint).isNotNull();
        }
        AtomicInteger got = new AtomicInteger();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try (RangeLock.Held h = lock.acquire(2048, 4096)) {
                got.incrementAndGet();
            }
        });
        waiter.join(200);
        assertThat(got).hasValue(0);
        first.close();
        waiter.join(10_000);
        assertThat(got).hasValue(1);
    }
}
