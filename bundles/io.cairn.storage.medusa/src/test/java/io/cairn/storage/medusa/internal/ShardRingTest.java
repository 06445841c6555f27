package io.cairn.storage.medusa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShardRingTest {

    @Test
    void givenKeysWithTheSameRoutingPart_thenTheyShareAShard() {
        ShardRing ring = new ShardRing(16);
        int s = ring.shardOf("vdisk:42#vblock:000001");
        for (int i = 0; i < 100; i++) {
            assertThat(ring.shardOf("vdisk:42#vblock:" + i)).isEqualTo(s);
        }
        assertThat(ring.shardOf("vdisk:42")).isEqualTo(s);
    }

    @Test
    void givenManyKeys_thenEveryShardGetsAFairShare() {
        ShardRing ring = new ShardRing(16);
        int[] count = new int[16];
        int n = 160_000;
        for (int i = 0; i < n; i++) {
            count[ring.shardOf("key-" + i)]++;
        }
        for (int c : count) {
            // 16 tokens per shard: each share within a factor of about 2 of the mean (10000)
            assertThat(c).isBetween(n / 16 / 2, n / 16 * 2);
        }
    }

    @Test
    void givenTheHash_thenItIsStableAcrossReleases() {
        // keys are placed by this function on every node of every release: it must never change
        assertThat(Long.toHexString(ShardRing.hash(""))).isEqualTo("f52a15e9a9b5e89b");
        assertThat(Long.toHexString(ShardRing.hash("vdisk:1"))).isEqualTo("b7427ea238adeba8");
        assertThat(Long.toHexString(ShardRing.hash("a"))).isEqualTo("2c0bdbf481420f8");
        assertThat(new ShardRing(16).shardOf("vdisk:1")).isEqualTo(7);
        assertThat(new ShardRing(16).shardOf("vdisk:1#x")).isEqualTo(7);
    }
}
