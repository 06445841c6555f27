package io.cairn.storage.stargate.internal.cache;

/**
 * Counters of the unified cache since start, for the 2009 overview (cache size, hit rate).
 *
 * @param capacityBytes configured size
 * @param usedBytes bytes of slice data held, 4 KiB per slice
 * @param hits reads served from the cache
 * @param misses reads the cache could not serve
 * @param evictions slices dropped from the single-touch pool to make room
 * @param hitRate {@code hits / (hits + misses)}, 0 before the first read
 */
public record CacheStats(long capacityBytes, long usedBytes, long hits, long misses, long evictions, double hitRate) {
}
