package io.cairn.storage.stargate.internal.cache;

import io.cairn.common.error.CairnException;
import io.cairn.storage.stargate.internal.io.VDiskGeometry;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The unified read cache of spec 20 §6: 4 KiB slices keyed by {@link SliceKey}, in two LRU pools.
 * <ul>
 *   <li>A miss is filled by the caller from the extent store and {@link #insert inserted} at the
 *       head of the <b>single-touch</b> pool, in real time.</li>
 *   <li>A hit in the single-touch pool moves the slice to the head of the <b>multi-touch</b>
 *       pool (a metadata move, the data is not copied); a hit in the multi-touch pool moves it
 *       to that pool's head (MRU).</li>
 *   <li>The multi-touch pool holds at most half the capacity; its overflow demotes its LRU
 *       slice to the single-touch head, so a once-hot slice gets a second chance. When the
 *       cache is full, the single-touch LRU slice is dropped. A flood of once-read data
 *       therefore cycles through the single-touch pool and never displaces slices read twice.
 *       The half split is Cairn's choice; the spec gives none.</li>
 * </ul>
 *
 * <h2>Writes and stale fills</h2>
 * Writes call {@link #invalidateRange} before they are acknowledged, dropping every slice that
 * overlaps the written bytes. So that a read which fetched the old data before the write cannot
 * put it back afterwards, a read takes a {@link #fillToken fill token} when it starts (before it
 * looks in the OpLog) and passes it to {@link #insert}; an invalidation that touched the slice's
 * vBlock in between makes the insert a no-op. Tokens are per hash bucket of (owner, vBlock), so
 * an unrelated write only rarely costs a fill.
 *
 * <h2>Memory</h2>
 * Each slice is a {@code byte[4096]} on the heap, copied in on insert and never modified
 * afterwards (a write invalidates, it does not update in place), so a hit copies the data to
 * the caller outside the lock, and an evicted slice is reclaimed by the GC with nothing to leak
 * when the bundle stops. Capacity is accounted as 4 KiB per slice; the bookkeeping per slice (a
 * list node, key and map entry, about 120 bytes, some 3%) is not counted and is covered by the
 * headroom in the 0.45 sizing factor. Off-heap slabs would save that GC traffic but reserve the
 * whole size at activation and need explicit release; not worth it for a volatile cache whose
 * size is already budgeted out of the controller's memory.
 *
 * <h2>Concurrency</h2>
 * The cache is split into lock stripes by hash of (owner, vBlock), each an independent LRU with
 * an equal share of the capacity; all operations on a stripe are O(1) under its lock. Pools are
 * therefore exactly LRU per stripe and approximately LRU overall. Small caches use one stripe.
 */
public final class UnifiedCache {

    /** Cache granularity: one checksum slice. */
    public static final int SLICE_BYTES = VDiskGeometry.SLICE_BYTES;
    /** Config property: controller (CVM) memory the size is derived from. */
    public static final String CVM_MEMORY_PROPERTY = "cairn.cvm_memory_bytes";
    /** Config property: explicit cache size in bytes, replacing the derived size; 0 = unset. */
    public static final String SIZE_OVERRIDE_PROPERTY = "cairn.unified_cache.bytes";
    /** Memory kept for the rest of the controller before the cache takes its share. */
    public static final long CVM_RESERVED_BYTES = 12L << 30;
    /** Smallest derived size. */
    public static final long MIN_BYTES = 64L << 20;

    private static final int SIZE_PERCENT_OF_SPARE_MEMORY = 45;
    private static final int SLICES_PER_VBLOCK = (int) (VDiskGeometry.VBLOCK_BYTES / SLICE_BYTES);
    private static final int MAX_STRIPES = 64;
    private static final long MIN_SLICES_PER_STRIPE = 4096;
    /** Ranges of up to this many vBlocks are invalidated slice by slice, larger ones by owner. */
    private static final long MAX_VBLOCKS_INVALIDATED_BY_LOOKUP = 16;
    private static final int FILL_EPOCH_BUCKETS = 4096;

    private final long capacitySlices;
    private final Stripe[] stripes;
    private final AtomicLongArray fillEpochs = new AtomicLongArray(FILL_EPOCH_BUCKETS);
    private final LongAdder usedSlices = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /**
     * A cache of {@code capacityBytes}, rounded down to whole slices, striped by its size: one
     * stripe per 16 MiB and at most 64, a power of two.
     */
    public UnifiedCache(long capacityBytes) {
        this(capacityBytes, defaultStripes(capacityBytes / SLICE_BYTES));
    }

    /** A cache with an explicit stripe count, a power of two; for tests. */
    UnifiedCache(long capacityBytes, int stripeCount) {
        if (capacityBytes < SLICE_BYTES) {
            throw CairnException.invalid("unified cache size " + capacityBytes + " bytes is below one " + SLICE_BYTES
                    + "-byte slice; set " + SIZE_OVERRIDE_PROPERTY + " to at least " + SLICE_BYTES
                    + " or leave it 0 to derive the size from " + CVM_MEMORY_PROPERTY);
        }
        if (stripeCount < 1 || Integer.bitCount(stripeCount) != 1 || stripeCount > capacityBytes / SLICE_BYTES) {
            throw CairnException.invalid("stripe count " + stripeCount
                    + " must be a power of two and at most the number of slices");
        }
        this.capacitySlices = capacityBytes / SLICE_BYTES;
        this.stripes = new Stripe[stripeCount];
        for (int i = 0; i < stripeCount; i++) {
            stripes[i] = new Stripe(capacitySlices / stripeCount + (i < capacitySlices % stripeCount ? 1 : 0));
        }
    }

    /**
     * Cache size per spec 20 §6: {@code (CVM memory − 12 GiB) × 0.45}, at least 64 MiB, unless
     * {@value #SIZE_OVERRIDE_PROPERTY} is set, which replaces the result (no floor: an operator
     * may shrink the cache on a small test node). Rounded down to whole 4 KiB slices.
     * 32 GiB → 9 GiB; 12 GiB → 64 MiB.
     *
     * @param cvmMemoryBytes {@value #CVM_MEMORY_PROPERTY}, positive
     * @param overrideBytes {@value #SIZE_OVERRIDE_PROPERTY}; 0 means unset
     */
    public static long sizeFor(long cvmMemoryBytes, long overrideBytes) {
        if (overrideBytes < 0) {
            throw CairnException.invalid(SIZE_OVERRIDE_PROPERTY + " is " + overrideBytes
                    + "; give a size in bytes, or 0 to derive it from " + CVM_MEMORY_PROPERTY);
        }
        if (overrideBytes > 0) {
            if (overrideBytes < SLICE_BYTES) {
                throw CairnException.invalid(SIZE_OVERRIDE_PROPERTY + " is " + overrideBytes + " bytes, below one "
                        + SLICE_BYTES + "-byte slice; give at least " + SLICE_BYTES + ", or 0 to derive the size");
            }
            return overrideBytes - overrideBytes % SLICE_BYTES;
        }
        if (cvmMemoryBytes <= 0) {
            throw CairnException.invalid(CVM_MEMORY_PROPERTY + " is " + cvmMemoryBytes
                    + "; give the controller's memory in bytes");
        }
        long spare = Math.max(0, cvmMemoryBytes - CVM_RESERVED_BYTES);
        // spare * 45 / 100 without overflow
        long derived = spare / 100 * SIZE_PERCENT_OF_SPARE_MEMORY + spare % 100 * SIZE_PERCENT_OF_SPARE_MEMORY / 100;
        return Math.max(MIN_BYTES, derived - derived % SLICE_BYTES);
    }

    /**
     * Reads a slice. A hit copies its 4096 bytes into {@code destination} at {@code offset} and
     * touches it (single-touch → multi-touch head; multi-touch → head).
     *
     * @return whether it was a hit; on a miss {@code destination} is untouched
     */
    public boolean read(SliceKey key, byte[] destination, int offset) {
        requireSliceRoom(destination, offset);
        Stripe stripe = stripeOf(key);
        byte[] data;
        stripe.lock.lock();
        try {
            data = stripe.touch(key);
        } finally {
            stripe.lock.unlock();
        }
        if (data == null) {
            misses.increment();
            return false;
        }
        hits.increment();
        System.arraycopy(data, 0, destination, offset, SLICE_BYTES);
        return true;
    }

    /**
     * Token a read takes when it starts, before it looks for the data anywhere, and hands to
     * {@link #insert} if it fills the cache.
     */
    public long fillToken(SliceKey key) {
        return fillEpochs.get(epochBucket(key.owner(), key.sliceIndex() / SLICES_PER_VBLOCK));
    }

    /**
     * Inserts a slice read from the extent store at the head of the single-touch pool, dropping
     * single-touch LRU slices if the stripe is full. The 4096 bytes at {@code offset} are
     * copied. Nothing happens if the slice is already cached (another reader filled it) or if
     * an invalidation touched its vBlock since {@code fillToken} was taken (the data may be
     * stale).
     *
     * @return whether the slice was inserted
     */
    public boolean insert(SliceKey key, byte[] source, int offset, long fillToken) {
        requireSliceRoom(source, offset);
        byte[] data = new byte[SLICE_BYTES];
        System.arraycopy(source, offset, data, 0, SLICE_BYTES);
        return insertData(key, data, fillToken);
    }

    /**
     * {@link #insert} without the copy: the cache keeps {@code slice} itself, which must be exactly
     * {@value #SLICE_BYTES} bytes that nobody changes afterwards (a read's own buffer from the
     * extent store). Saves a 4 KiB allocation and copy per cache fill of a 4 KiB read.
     *
     * @return whether the slice was inserted
     */
    public boolean insertOwned(SliceKey key, byte[] slice, long fillToken) {
        if (slice.length != SLICE_BYTES) {
            throw CairnException.invalid("an owned slice must be exactly " + SLICE_BYTES + " bytes, not " + slice.length);
        }
        return insertData(key, slice, fillToken);
    }

    private boolean insertData(SliceKey key, byte[] data, long fillToken) {
        int bucket = epochBucket(key.owner(), key.sliceIndex() / SLICES_PER_VBLOCK);
        Stripe stripe = stripeOf(key);
        int dropped;
        stripe.lock.lock();
        try {
            if (fillEpochs.get(bucket) != fillToken || stripe.map.containsKey(key)) {
                return false;
            }
            dropped = stripe.insert(key, data);
        } finally {
            stripe.lock.unlock();
        }
        usedSlices.add(1 - dropped);
        evictions.add(dropped);
        return true;
    }

    /**
     * Drops every slice of {@code owner} overlapping {@code [offset, offset + length)}. Writes
     * call this before they are acknowledged. Costs O(slices in the range) for ranges of up to
     * 16 MiB, else O(slices of the owner in the cache).
     */
    public void invalidateRange(CacheOwner owner, long offset, long length) {
        if (offset < 0 || length <= 0 || length > Long.MAX_VALUE - offset) {
            throw CairnException.invalid("cannot invalidate [" + offset + ", +" + length + ") of " + owner
                    + ": the offset must not be negative and the length must be positive and end by 2^63-1");
        }
        long firstSlice = offset / SLICE_BYTES;
        long lastSlice = (offset + length - 1) / SLICE_BYTES;
        long firstVBlock = firstSlice / SLICES_PER_VBLOCK;
        long lastVBlock = lastSlice / SLICES_PER_VBLOCK;
        if (lastVBlock - firstVBlock < MAX_VBLOCKS_INVALIDATED_BY_LOOKUP) {
            for (long vblock = firstVBlock; vblock <= lastVBlock; vblock++) {
                fillEpochs.incrementAndGet(epochBucket(owner, vblock));
                long from = Math.max(firstSlice, vblock * SLICES_PER_VBLOCK);
                long to = Math.min(lastSlice, vblock * SLICES_PER_VBLOCK + SLICES_PER_VBLOCK - 1);
                Stripe stripe = stripes[stripeIndex(owner, vblock)];
                int removed;
                stripe.lock.lock();
                try {
                    removed = stripe.removeSlices(owner, from, to);
                } finally {
                    stripe.lock.unlock();
                }
                usedSlices.add(-removed);
            }
        } else {
            invalidateByOwner(owner, firstSlice, lastSlice);
        }
    }

    /** Drops every slice of {@code owner}, e.g. when a vDisk is deleted or changes owner. */
    public void invalidateAll(CacheOwner owner) {
        invalidateByOwner(owner, 0, Long.MAX_VALUE);
    }

    /** Size and counters now. */
    public CacheStats stats() {
        long h = hits.sum();
        long m = misses.sum();
        return new CacheStats(capacitySlices * SLICE_BYTES, usedSlices.sum() * SLICE_BYTES, h, m, evictions.sum(),
                h + m == 0 ? 0.0 : (double) h / (h + m));
    }

    private void invalidateByOwner(CacheOwner owner, long firstSlice, long lastSlice) {
        for (int i = 0; i < FILL_EPOCH_BUCKETS; i++) {
            fillEpochs.incrementAndGet(i);
        }
        for (Stripe stripe : stripes) {
            int removed;
            stripe.lock.lock();
            try {
                removed = stripe.removeOwnerSlices(owner, firstSlice, lastSlice);
            } finally {
                stripe.lock.unlock();
            }
            usedSlices.add(-removed);
        }
    }

    private Stripe stripeOf(SliceKey key) {
        return stripes[stripeIndex(key.owner(), key.sliceIndex() / SLICES_PER_VBLOCK)];
    }

    private int stripeIndex(CacheOwner owner, long vblock) {
        return (int) (mix(owner, vblock) >>> 32) & (stripes.length - 1);
    }

    private static int epochBucket(CacheOwner owner, long vblock) {
        return (int) mix(owner, vblock) & (FILL_EPOCH_BUCKETS - 1);
    }

    /** 64-bit mix of (owner, vBlock); stripes use the high bits, epoch buckets the low. */
    private static long mix(CacheOwner owner, long vblock) {
        long h = owner.id() * 0x9E3779B97F4A7C15L + owner.kind().ordinal();
        h ^= vblock * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 32);
    }

    private static int defaultStripes(long slices) {
        long wanted = Math.max(1, Math.min(MAX_STRIPES, slices / MIN_SLICES_PER_STRIPE));
        return Integer.highestOneBit((int) wanted);
    }

    private static void requireSliceRoom(byte[] buffer, int offset) {
        if (offset < 0 || buffer.length - offset < SLICE_BYTES) {
            throw CairnException.invalid("a slice needs " + SLICE_BYTES + " bytes at offset " + offset
                    + " of a " + buffer.length + "-byte buffer; pass a buffer with room for a whole slice");
        }
    }

    /** A cached slice: its place in one pool's LRU list and in its owner's list. */
    private static final class Node {
        final SliceKey key;
        final byte[] data;
        Pool pool;
        Node prev;
        Node next;
        Node ownerPrev;
        Node ownerNext;

        Node(SliceKey key, byte[] data) {
            this.key = key;
            this.data = data;
        }
    }

    /** An intrusive doubly-linked LRU list, head = most recently used. */
    private static final class Pool {
        Node head;
        Node tail;
        long size;

        void addFirst(Node node) {
            node.pool = this;
            node.prev = null;
            node.next = head;
            if (head != null) {
                head.prev = node;
            }
            head = node;
            if (tail == null) {
                tail = node;
            }
            size++;
        }

        void remove(Node node) {
            if (node.prev != null) {
                node.prev.next = node.next;
            } else {
                head = node.next;
            }
            if (node.next != null) {
                node.next.prev = node.prev;
            } else {
                tail = node.prev;
            }
            node.prev = null;
            node.next = null;
            node.pool = null;
            size--;
        }
    }

    /** The slices of one owner in one stripe, for invalidation without enumerating a range. */
    private static final class OwnerSlices {
        Node head;
    }

    /** One lock stripe: an independent two-pool LRU. All methods run under {@link #lock}. */
    private static final class Stripe {
        final ReentrantLock lock = new ReentrantLock();
        final HashMap<SliceKey, Node> map = new HashMap<>();
        final HashMap<CacheOwner, OwnerSlices> byOwner = new HashMap<>();
        final Pool singleTouch = new Pool();
        final Pool multiTouch = new Pool();
        final long capacitySlices;
        final long multiTouchMaxSlices;

        Stripe(long capacitySlices) {
            this.capacitySlices = capacitySlices;
            this.multiTouchMaxSlices = capacitySlices / 2;
        }

        /** Returns the slice's data and applies the touch rule, or null on a miss. */
        byte[] touch(SliceKey key) {
            Node node = map.get(key);
            if (node == null) {
                return null;
            }
            node.pool.remove(node);
            multiTouch.addFirst(node);
            if (multiTouch.size > multiTouchMaxSlices) {
                Node demoted = multiTouch.tail;
                multiTouch.remove(demoted);
                singleTouch.addFirst(demoted);
            }
            return node.data;
        }

        /** Adds a slice at the single-touch head; returns how many slices were dropped for room. */
        int insert(SliceKey key, byte[] data) {
            Node node = new Node(key, data);
            map.put(key, node);
            singleTouch.addFirst(node);
            OwnerSlices owner = byOwner.computeIfAbsent(key.owner(), o -> new OwnerSlices());
            node.ownerNext = owner.head;
            if (owner.head != null) {
                owner.head.ownerPrev = node;
            }
            owner.head = node;
            int dropped = 0;
            while (singleTouch.size + multiTouch.size > capacitySlices) {
                unlink(singleTouch.tail);
                dropped++;
            }
            return dropped;
        }

        int removeSlices(CacheOwner owner, long fromSlice, long toSlice) {
            int removed = 0;
            for (long slice = fromSlice; slice <= toSlice; slice++) {
                Node node = map.get(new SliceKey(owner, slice));
                if (node != null) {
                    unlink(node);
                    removed++;
                }
            }
            return removed;
        }

        int removeOwnerSlices(CacheOwner owner, long fromSlice, long toSlice) {
            OwnerSlices slices = byOwner.get(owner);
            int removed = 0;
            Node node = slices == null ? null : slices.head;
            while (node != null) {
                Node next = node.ownerNext;
                if (node.key.sliceIndex() >= fromSlice && node.key.sliceIndex() <= toSlice) {
                    unlink(node);
                    removed++;
                }
                node = next;
            }
            return removed;
        }

        /** Removes a slice from the map, its pool and its owner's list. */
        private void unlink(Node node) {
            map.remove(node.key);
            node.pool.remove(node);
            if (node.ownerPrev != null) {
                node.ownerPrev.ownerNext = node.ownerNext;
            } else {
                OwnerSlices owner = byOwner.get(node.key.owner());
                owner.head = node.ownerNext;
                if (owner.head == null) {
                    byOwner.remove(node.key.owner());
                }
            }
            if (node.ownerNext != null) {
                node.ownerNext.ownerPrev = node.ownerPrev;
            }
        }
    }
}
