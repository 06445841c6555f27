package io.cairn.storage.stargate.internal.estore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which slice ranges wait for which. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SliceRangeLockTest {

    final SliceRangeLock lock = new SliceRangeLock();

    CompletableFuture<SliceRangeLock.Held> acquireInVirtualThread(int first, int last, boolean exclusive) {
        CompletableFuture<SliceRangeLock.Held> acquired = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> acquired.complete(lock.acquire(first, last, exclusive)));
        return acquired;
    }

    @Test
    void givenExclusiveRange_whenOverlappingRangesRequested_thenTheyWaitForItsRelease_andDisjointRangesDoNot() throws Exception {
        SliceRangeLock.Held write = lock.acquire(10, 19, true);

        SliceRangeLock.Held disjointWrite = acquireInVirtualThread(20, 29, true).get(10, TimeUnit.SECONDS);
        SliceRangeLock.Held disjointRead = acquireInVirtualThread(0, 9, false).get(10, TimeUnit.SECONDS);

        CompletableFuture<SliceRangeLock.Held> overlappingRead = acquireInVirtualThread(19, 19, false);
        CompletableFuture<SliceRangeLock.Held> overlappingWrite = acquireInVirtualThread(10, 12, true);
        // a bounded wait for something that must not happen
        assertThatThrownBy(() -> overlappingRead.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(overlappingWrite).isNotDone();

        lock.release(write);
        SliceRangeLock.Held read = overlappingRead.get(10, TimeUnit.SECONDS);
        SliceRangeLock.Held secondWrite = overlappingWrite.get(10, TimeUnit.SECONDS);
        assertThat(secondWrite).isEqualTo(new SliceRangeLock.Held(10, 12, true));

        lock.release(read);
        lock.release(secondWrite);
        lock.release(disjointWrite);
        lock.release(disjointRead);
    }

    @Test
    void givenSharedRange_whenOverlappingSharedRangeRequested_thenBothHoldIt() {
        SliceRangeLock.Held first = lock.acquire(0, 63, false);
        SliceRangeLock.Held second = lock.acquire(0, 63, false); // same thread: would hang if reads excluded each other
        lock.release(first);
        lock.release(second);
        lock.release(lock.acquire(0, 1023, true));
    }
}
