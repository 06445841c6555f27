package io.cairn.storage.stargate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.cairn.storage.stargate.internal.estore.Scrubber;

class StargateSettingsTest {

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void givenTheZeusDocument_whenApplied_thenTheKeysItSetsOverrideTheNodesConfiguration() {
        Scrubber.Settings base = Scrubber.Settings.DEFAULTS;
        assertThat(StargateSettings.scrub(base, json("{\"scrub_pass_secs\": 20, \"scrub_cold_secs\": 0, \"other\": true}")))
                .isEqualTo(new Scrubber.Settings(20, 30, 0));
        assertThat(StargateSettings.scrub(base, json("{\"scrub_max_disk_busy_pct\": 100}"))).isEqualTo(new Scrubber.Settings(604800, 100, 60));
        assertThat(StargateSettings.scrub(base, json("{}"))).isEqualTo(base);
        assertThat(StargateSettings.scrub(base, new byte[0])).isEqualTo(base);
    }

    @Test
    void givenABadDocument_whenApplied_thenRefusedSayingWhatIsWrong() {
        Scrubber.Settings base = Scrubber.Settings.DEFAULTS;
        assertThatThrownBy(() -> StargateSettings.scrub(base, json("{\"scrub_pass_secs\": \"soon\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scrub_pass_secs").hasMessageContaining("whole number");
        assertThatThrownBy(() -> StargateSettings.scrub(base, json("{\"scrub_pass_secs\": 0}"))).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> StargateSettings.scrub(base, json("{\"scrub_max_disk_busy_pct\": 4294967326}")))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> StargateSettings.scrub(base, json("[1]"))).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> StargateSettings.scrub(base, json("{nope"))).hasMessageContaining("not valid JSON");
    }

    @Test
    void givenTheFollowSetting_whenApplied_thenTheDocumentOverridesIt_andABadValueIsRefused() {
        assertThat(StargateSettings.followSecs(300, json("{\"vdisk_ownership_follow_secs\": 5}"))).isEqualTo(5);
        assertThat(StargateSettings.followSecs(300, json("{\"vdisk_ownership_follow_secs\": 0}"))).as("0: never").isZero();
        assertThat(StargateSettings.followSecs(300, json("{\"scrub_pass_secs\": 20}"))).isEqualTo(300);
        assertThat(StargateSettings.followSecs(300, new byte[0])).isEqualTo(300);
        assertThatThrownBy(() -> StargateSettings.followSecs(300, json("{\"vdisk_ownership_follow_secs\": -1}")))
                .hasMessageContaining("vdisk_ownership_follow_secs").hasMessageContaining("0 (never)");
        assertThatThrownBy(() -> StargateSettings.followSecs(300, json("{\"vdisk_ownership_follow_secs\": \"soon\"}")))
                .hasMessageContaining("whole number");
    }

    @Test
    void givenTheSmartDelaySetting_whenApplied_thenTheDocumentOverridesIt_andABadValueIsRefused() {
        assertThat(StargateSettings.smartDelaySecs(30, json("{\"disk_smart_delay_secs\": 10}"))).isEqualTo(10);
        assertThat(StargateSettings.smartDelaySecs(30, json("{\"scrub_pass_secs\": 20}"))).isEqualTo(30);
        assertThat(StargateSettings.smartDelaySecs(30, new byte[0])).isEqualTo(30);
        assertThatThrownBy(() -> StargateSettings.smartDelaySecs(30, json("{\"disk_smart_delay_secs\": 0}")))
                .hasMessageContaining("disk_smart_delay_secs").hasMessageContaining("1 or more");
        assertThatThrownBy(() -> StargateSettings.smartDelaySecs(30, json("{\"disk_smart_delay_secs\": \"soon\"}")))
                .hasMessageContaining("whole number");
    }
}
