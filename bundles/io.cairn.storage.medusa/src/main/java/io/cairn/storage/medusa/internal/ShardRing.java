package io.cairn.storage.medusa.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Consistent hashing of keys onto a fixed set of shards: each shard owns {@value #TOKENS_PER_SHARD}
 * tokens on a 64-bit ring, and a key belongs to the shard of the first token at or after the hash
 * of its routing part (everything before the first {@code '#'}).
 */
final class ShardRing {

    static final int TOKENS_PER_SHARD = 16;

    private final long[] tokens;
    private final int[] owners;

    ShardRing(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("a ring needs at least one shard");
        }
        int n = shards * TOKENS_PER_SHARD;
        long[][] pairs = new long[n][];
        for (int s = 0; s < shards; s++) {
            for (int t = 0; t < TOKENS_PER_SHARD; t++) {
                pairs[s * TOKENS_PER_SHARD + t] = new long[] {hash("shard-" + s + "-token-" + t), s};
            }
        }
        Arrays.sort(pairs, (a, b) -> Long.compareUnsigned(a[0], b[0]));
        tokens = new long[n];
        owners = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = pairs[i][0];
            owners[i] = (int) pairs[i][1];
        }
    }

    int shards() {
        return owners.length / TOKENS_PER_SHARD;
    }

    int shardOf(String key) {
        long h = hash(routingPart(key));
        int lo = 0;
        int hi = tokens.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(tokens[mid], h) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return owners[lo == tokens.length ? 0 : lo];
    }

    static String routingPart(String key) {
        int i = key.indexOf('#');
        return i < 0 ? key : key.substring(0, i);
    }

    /** FNV-1a over the UTF-8 bytes, finished with the SplitMix64 mixer (stable across JVMs and releases). */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return h;
    }
}
