package io.cairn.storage.stargate.internal.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UnifiedCacheTest {

    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;
    private static final int SLICE = UnifiedCache.SLICE_BYTES;

    /** A stand-in for the extent store: slice content derived from its key, reads counted. */
    private static final class Disk {
        int reads;

        byte[] read(SliceKey key) {
            reads++;
            return content(key);
        }
    }

    /** Slice content identifying its key at both ends, so a mix-up between slices shows. */
    private static byte[] content(SliceKey key) {
        byte[] data = new byte[SLICE];
        ByteBuffer.wrap(data).putLong(0, key.owner().id()).putLong(8, key.sliceIndex())
                .putInt(SLICE - 4, key.owner().kind().ordinal() + 1).putLong(SLICE - 12, key.sliceIndex());
        return data;
    }

    /** The read path's cache part: hit, or miss → disk → insert. */
    private static byte[] read(UnifiedCache cache, Disk disk, SliceKey key) {
        byte[] buffer = new byte[SLICE];
        if (!cache.read(key, buffer, 0)) {
            long token = cache.fillToken(key);
            buffer = disk.read(key);
            cache.insert(key, buffer, 0, token);
        }
        return buffer;
    }

    private static boolean cached(UnifiedCache cache, SliceKey key) {
        return cache.read(key, new byte[SLICE], 0);
    }

    @Test
    void givenCvmMemory_thenSizeIsSpareTimes045_withFloorAndOverride() {
        assertThat(UnifiedCache.sizeFor(32 * GIB, 0)).isEqualTo(9 * GIB);
        assertThat(UnifiedCache.sizeFor(12 * GIB, 0)).isEqualTo(64 * MIB);
        assertThat(UnifiedCache.sizeFor(4 * GIB, 0)).isEqualTo(64 * MIB);
        assertThat(UnifiedCache.sizeFor(12 * GIB + 100 * MIB, 0)).isEqualTo(64 * MIB);
        assertThat(UnifiedCache.sizeFor(32 * GIB, 1 * GIB)).isEqualTo(1 * GIB);
        assertThat(UnifiedCache.sizeFor(32 * GIB, 16 * MIB + 5)).isEqualTo(16 * MIB);
        long huge = UnifiedCache.sizeFor(Long.MAX_VALUE, 0);
        assertThat(huge).as("no overflow, whole slices").isPositive().matches(size -> size % SLICE == 0);
        assertThatThrownBy(() -> UnifiedCache.sizeFor(32 * GIB, -1)).hasMessageContaining("cairn.unified_cache.bytes is -1");
        assertThatThrownBy(() -> UnifiedCache.sizeFor(0, 0)).hasMessageContaining("cairn.cvm_memory_bytes is 0");
        assertThatThrownBy(() -> UnifiedCache.sizeFor(32 * GIB, 100)).hasMessageContaining("below one 4096-byte slice");
    }

    @Test
    void givenA4KiBRead_whenReadAgain_thenItIsAHit_andTheDiskIsNotReadAgain() {
        UnifiedCache cache = new UnifiedCache(64 * MIB);
        Disk disk = new Disk();
        SliceKey key = SliceKey.ofVDisk(1, 7);

        assertThat(read(cache, disk, key)).isEqualTo(content(key));
        assertThat(disk.reads).isEqualTo(1);
        assertThat(read(cache, disk, key)).isEqualTo(content(key));
        assertThat(disk.reads).isEqualTo(1);

        CacheStats stats = cache.stats();
        assertThat(stats.hits()).isEqualTo(1);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.hitRate()).isEqualTo(0.5);
        assertThat(stats.usedBytes()).isEqualTo(SLICE);
        assertThat(stats.capacityBytes()).isEqualTo(64 * MIB);
    }

    @Test
    void givenAnOwnedSlice_whenInserted_thenReadsReturnIt_andAStaleTokenOrWrongSizeIsRefused() {
        UnifiedCache cache = new UnifiedCache(64 * MIB);
        SliceKey key = SliceKey.ofVDisk(3, 9);
        byte[] slice = content(key);
        long token = cache.fillToken(key);

        assertThat(cache.insertOwned(key, slice, token)).isTrue();
        byte[] out = new byte[SLICE + 10];
        assertThat(cache.read(key, out, 10)).isTrue();
        assertThat(Arrays.copyOfRange(out, 10, SLICE + 10)).isEqualTo(content(key));
        assertThat(cache.insertOwned(key, content(key), token)).as("already cached").isFalse();

        SliceKey other = SliceKey.ofVDisk(3, 10);
        long stale = cache.fillToken(other);
        cache.invalidateRange(other.owner(), other.sliceIndex() * SLICE, SLICE);
        assertThat(cache.insertOwned(other, content(other), stale)).as("invalidated since the token").isFalse();
        assertThat(cached(cache, other)).isFalse();
        assertThatThrownBy(() -> cache.insertOwned(other, new byte[SLICE - 1], cache.fillToken(other)))
                .hasMessageContaining("exactly 4096 bytes");
    }

    @Test
    void givenATwiceReadSlice_whenAFloodOfSingleReads_thenItSurvives_andOnceReadSlicesAreDropped() {
        UnifiedCache cache = new UnifiedCache(64L * SLICE, 1);
        Disk disk = new Disk();
        SliceKey hot = SliceKey.ofVDisk(1, 0);
        SliceKey once = SliceKey.ofVDisk(1, 1);
        read(cache, disk, hot);
        read(cache, disk, hot);
        read(cache, disk, once);

        for (int i = 0; i < 10_000; i++) {
            read(cache, disk, SliceKey.ofVDisk(2, i));
        }

        assertThat(cached(cache, hot)).isTrue();
        assertThat(cached(cache, once)).isFalse();
        assertThat(cache.stats().usedBytes()).isEqualTo(64L * SLICE);
        assertThat(cache.stats().evictions()).isEqualTo(10_002 - 64);
    }

    @Test
    void givenMultiTouchOverflow_thenItsLruSliceIsDemotedToTheSingleTouchHead_notDropped() {
        // 6 slices: multi-touch holds at most 3
        UnifiedCache cache = new UnifiedCache(6L * SLICE, 1);
        Disk disk = new Disk();
        SliceKey a = SliceKey.ofVDisk(1, 0);
        SliceKey b = SliceKey.ofVDisk(1, 1);
        SliceKey c = SliceKey.ofVDisk(1, 2);
        SliceKey d = SliceKey.ofVDisk(1, 3);
        SliceKey old = SliceKey.ofVDisk(1, 4);
        read(cache, disk, old);
        for (SliceKey k : List.of(a, b, c, d)) {
            read(cache, disk, k);
            read(cache, disk, k); // promoted; at d, multi-touch overflows and a is demoted
        }
        // single-touch is now [a, old]; multi-touch [d, c, b]. Two new slices push out old, then a.
        read(cache, disk, SliceKey.ofVDisk(3, 0));
        assertThat(cache.stats().evictions()).isZero();
        read(cache, disk, SliceKey.ofVDisk(3, 1));
        assertThat(cache.stats().evictions()).isEqualTo(1);
        assertThat(cached(cache, old)).isFalse();
        assertThat(cached(cache, a)).isTrue();
        assertThat(cached(cache, b)).isTrue();
    }

    @Test
    void givenAWrite_whenTheRangeIsInvalidated_thenOnlyOverlappingSlicesOfThatVDiskAreDropped() {
        UnifiedCache cache = new UnifiedCache(64 * MIB);
        Disk disk = new Disk();
        for (long s = 0; s < 10; s++) {
            read(cache, disk, SliceKey.ofVDisk(1, s));
            read(cache, disk, SliceKey.ofVDisk(2, s));
            read(cache, disk, new SliceKey(CacheOwner.immutableObject(1), s));
        }

        // bytes [2·4096+100, 3·4096+100) overlap slices 2 and 3
        cache.invalidateRange(CacheOwner.vdisk(1), 2 * SLICE + 100, SLICE);

        for (long s = 0; s < 10; s++) {
            assertThat(cached(cache, SliceKey.ofVDisk(1, s))).as("vdisk 1 slice %d", s).isEqualTo(s != 2 && s != 3);
            assertThat(cached(cache, SliceKey.ofVDisk(2, s))).isTrue();
            assertThat(cached(cache, new SliceKey(CacheOwner.immutableObject(1), s))).isTrue();
        }
        assertThat(cache.stats().usedBytes()).isEqualTo(28L * SLICE);
    }

    @Test
    void givenALargeRangeOrAWholeVDisk_whenInvalidated_thenAllItsSlicesInRangeAreDropped() {
        UnifiedCache cache = new UnifiedCache(64 * MIB);
        Disk disk = new Disk();
        long[] slices = {0, 255, 256, 10_000, 1L << 30, (1L << 40) / SLICE};
        for (long s : slices) {
            read(cache, disk, SliceKey.ofVDisk(1, s));
            read(cache, disk, SliceKey.ofVDisk(2, s));
        }

        // 1 TiB from byte 1 MiB: every slice from 256 up to but excluding slice (1 TiB + 1 MiB) / 4 KiB
        cache.invalidateRange(CacheOwner.vdisk(1), MIB, 1L << 40);
        assertThat(cached(cache, SliceKey.ofVDisk(1, 0))).isTrue();
        assertThat(cached(cache, SliceKey.ofVDisk(1, 255))).isTrue();
        assertThat(cached(cache, SliceKey.ofVDisk(1, 256))).isFalse();
        assertThat(cached(cache, SliceKey.ofVDisk(1, 10_000))).isFalse();
        assertThat(cached(cache, SliceKey.ofVDisk(1, (1L << 40) / SLICE))).isFalse();
        assertThat(cached(cache, SliceKey.ofVDisk(1, 1L << 30))).as("slice at 4 TiB, past the range").isTrue();

        cache.invalidateAll(CacheOwner.vdisk(2));
        for (long s : slices) {
            assertThat(cached(cache, SliceKey.ofVDisk(2, s))).isFalse();
        }
        assertThat(cache.stats().usedBytes()).isEqualTo(3L * SLICE);
    }

    @Test
    void givenAReadThatStartedBeforeAWrite_whenItFillsAfterTheInvalidation_thenTheStaleDataIsNotCached() {
        UnifiedCache cache = new UnifiedCache(64 * MIB);
        SliceKey key = SliceKey.ofVDisk(1, 3);
        long token = cache.fillToken(key);
        byte[] stale = content(key);

        cache.invalidateRange(CacheOwner.vdisk(1), 3 * SLICE, 512);

        assertThat(cache.insert(key, stale, 0, token)).isFalse();
        assertThat(cached(cache, key)).isFalse();
        assertThat(cache.insert(key, stale, 0, cache.fillToken(key))).isTrue();
        assertThat(cache.insert(key, stale, 0, cache.fillToken(key))).as("already cached").isFalse();
    }

    @Test
    void givenBadArguments_thenClearErrors() {
        assertThatThrownBy(() -> new UnifiedCache(100)).hasMessageContaining("below one 4096-byte slice");
        UnifiedCache cache = new UnifiedCache(64 * MIB);
        assertThatThrownBy(() -> cache.read(SliceKey.ofVDisk(1, 0), new byte[SLICE], 1))
                .hasMessageContaining("a slice needs 4096 bytes at offset 1 of a 4096-byte buffer");
        assertThatThrownBy(() -> cache.invalidateRange(CacheOwner.vdisk(1), 0, 0))
                .hasMessageContaining("length must be positive");
    }

    @Test
    void givenConcurrentReadersAndWriters_thenDataStaysCorrect_andAccountingAddsUp() throws Exception {
        UnifiedCache cache = new UnifiedCache(512L * SLICE, 4);
        int threads = 4;
        int opsPerThread = 5_000;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    byte[] buffer = new byte[SLICE];
                    int reads = 0;
                    start.await();
                    for (int i = 0; i < opsPerThread; i++) {
                        long vdisk = random.nextInt(4);
                        long slice = random.nextInt(2048);
                        SliceKey key = SliceKey.ofVDisk(vdisk, slice);
                        int op = random.nextInt(100);
                        if (op < 90) {
                            reads++;
                            if (cache.read(key, buffer, 0)) {
                                if (!Arrays.equals(buffer, content(key))) {
                                    throw new AssertionError("slice " + key + " returned another slice's data");
                                }
                            } else {
                                long token = cache.fillToken(key);
                                cache.insert(key, content(key), 0, token);
                            }
                        } else if (op < 99) {
                            cache.invalidateRange(CacheOwner.vdisk(vdisk), slice * SLICE, SLICE * (1 + random.nextInt(8)));
                        } else {
                            cache.invalidateAll(CacheOwner.vdisk(vdisk));
                        }
                    }
                    return reads;
                }));
            }
            start.countDown();
            long reads = 0;
            for (Future<Integer> f : done) {
                reads += f.get(60, TimeUnit.SECONDS);
            }
            CacheStats stats = cache.stats();
            assertThat(stats.hits() + stats.misses()).isEqualTo(reads);
            assertThat(stats.hits()).isPositive();
            assertThat(stats.usedBytes()).isBetween(0L, 512L * SLICE);
        } finally {
            pool.shutdownNow();
        }
        // after quiescence the accounting matches what is really cached
        long cachedSlices = 0;
        for (long vdisk = 0; vdisk < 4; vdisk++) {
            for (long slice = 0; slice < 2048; slice++) {
                if (cached(cache, SliceKey.ofVDisk(vdisk, slice))) {
                    cachedSlices++;
                }
            }
        }
        assertThat(cache.stats().usedBytes()).isEqualTo(cachedSlices * SLICE);
    }
}
