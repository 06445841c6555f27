package io.cairn.storage.medusa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.VersionedDocument;

class ClusterSettingsTest {

    static Optional<VersionedDocument> doc(String json) {
        return Optional.of(new VersionedDocument(ClusterSettings.DOCUMENT, json.getBytes(StandardCharsets.UTF_8), 0));
    }

    @Test
    void givenNoDocument_thenTheSpecDefaultsAndAOneSecondStep() {
        assertThat(ClusterSettings.from(Optional.empty())).isEqualTo(new ClusterSettings(1800, 900, 16, 1000));
    }

    @Test
    void givenAStep_whenRead_thenItIsUsed_andTheOtherKeysKeepTheirDefaults() {
        assertThat(ClusterSettings.from(doc("{\"cairn.medusa.step_ms\": 250}"))).isEqualTo(new ClusterSettings(1800, 900, 16, 250));
        assertThat(ClusterSettings.from(doc("{\"cairn.metadata.detach_after_secs\": 8, \"cairn.medusa.step_ms\": 250}")))
                .isEqualTo(new ClusterSettings(8, 900, 16, 250));
    }

    @Test
    void givenAStepOutOfRange_whenRead_thenTheDefaults() {
        assertThat(ClusterSettings.from(doc("{\"cairn.medusa.step_ms\": 99}"))).isEqualTo(ClusterSettings.DEFAULTS);
        assertThat(ClusterSettings.from(doc("{\"cairn.medusa.step_ms\": 60001}"))).isEqualTo(ClusterSettings.DEFAULTS);
    }
}
