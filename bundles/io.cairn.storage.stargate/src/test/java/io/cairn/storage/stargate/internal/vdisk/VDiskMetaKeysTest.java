package io.cairn.storage.stargate.internal.vdisk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;

class VDiskMetaKeysTest {

    @Test
    void givenAVDisk_thenEveryMetadataKeyHasItsRoutingPart_soTheVDiskLivesInOneShard() {
        UUID v = UUID.randomUUID();
        VDiskMeta meta = new VDiskMeta(null, v); // keys only: Medusa is not asked

        String route = VDiskMeta.routingPart(v) + "#";
        assertThat(meta.ownerKey()).startsWith(route);
        assertThat(meta.blockKey(17)).startsWith(route);
        assertThat(meta.egroupKey(3)).startsWith(route);
        assertThat(VDiskMeta.routingPart(v)).doesNotContain("#");
    }
}
