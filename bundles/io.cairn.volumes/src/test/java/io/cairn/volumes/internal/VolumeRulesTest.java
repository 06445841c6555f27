package io.cairn.volumes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.cairn.common.error.CairnException;

class VolumeRulesTest {

    @Test
    void givenSizesWithBinarySuffixes_whenParsed_thenTheyAreBinaryMultiples() {
        assertThat(VolumeRules.parseSize("500G")).isEqualTo(500L << 30);
        assertThat(VolumeRules.parseSize("1m")).isEqualTo(1L << 20);
        assertThat(VolumeRules.parseSize("2T")).isEqualTo(2L << 40);
        assertThat(VolumeRules.parseSize("4096K")).isEqualTo(4L << 20);
        assertThat(VolumeRules.parseSize("10GiB")).isEqualTo(10L << 30);
        assertThat(VolumeRules.parseSize("1048576")).isEqualTo(1L << 20);
    }

    @Test
    void givenSizesOutsideTheRules_whenParsed_thenEachIsRefusedWithTheRule() {
        assertThatThrownBy(() -> VolumeRules.parseSize("1048575")).isInstanceOf(CairnException.class).hasMessageContaining("1 MiB");
        assertThatThrownBy(() -> VolumeRules.parseSize("1048577")).hasMessageContaining("multiple of 512");
        assertThatThrownBy(() -> VolumeRules.parseSize("8388608T")).hasMessageContaining("2^63-1");
        assertThatThrownBy(() -> VolumeRules.parseSize("99999999999999999999")).hasMessageContaining("2^63-1");
        assertThatThrownBy(() -> VolumeRules.parseSize("5X")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> VolumeRules.parseSize("-5G")).hasMessageContaining("not a size");
        assertThat(VolumeRules.parseSize(String.valueOf(Long.MAX_VALUE / 512 * 512))).isEqualTo(Long.MAX_VALUE / 512 * 512);
    }

    @Test
    void givenNames_whenChecked_thenOnlyLowerCaseIscsiCharactersPass() {
        assertThat(VolumeRules.checkName("vg1")).isEqualTo("vg1");
        assertThat(VolumeRules.checkName("db-logs.2")).isEqualTo("db-logs.2");
        assertThatThrownBy(() -> VolumeRules.checkName("VG1")).hasMessageContaining("lower-case");
        assertThatThrownBy(() -> VolumeRules.checkName("vg_1")).hasMessageContaining("lower-case");
        assertThatThrownBy(() -> VolumeRules.checkName("-vg")).hasMessageContaining("lower-case");
        assertThatThrownBy(() -> VolumeRules.checkName("a".repeat(65))).hasMessageContaining("64");
        assertThatThrownBy(() -> VolumeRules.checkName("")).hasMessageContaining("required");
    }

    @Test
    void givenInitiatorNames_whenChecked_thenIqnEuiAndNaaPassAndOthersAreRefused() {
        assertThat(VolumeRules.checkInitiator("iqn.1991-05.com.microsoft:desktop-foo")).isEqualTo("iqn.1991-05.com.microsoft:desktop-foo");
        assertThat(VolumeRules.checkInitiator("IQN.1993-08.org.debian:01:abc")).isEqualTo("iqn.1993-08.org.debian:01:abc");
        assertThat(VolumeRules.checkInitiator("eui.02004567A425678D")).isEqualTo("eui.02004567a425678d");
        assertThat(VolumeRules.checkInitiator("naa.52004567BA64678D")).isEqualTo("naa.52004567ba64678d");
        assertThatThrownBy(() -> VolumeRules.checkInitiator("host1")).hasMessageContaining("not an iSCSI initiator name");
        assertThatThrownBy(() -> VolumeRules.checkInitiator("iqn.foo")).hasMessageContaining("not an iSCSI initiator name");
        assertThatThrownBy(() -> VolumeRules.checkInitiator("eui.123")).hasMessageContaining("not an iSCSI initiator name");
    }

    @Test
    void givenSecrets_whenChecked_then12To16BytesPassAndMutualMustDiffer() {
        assertThat(VolumeRules.checkSecret("initiator", "twelve-bytes")).isEqualTo("twelve-bytes");
        assertThat(VolumeRules.checkSecret("initiator", "sixteen-bytes-xx")).isEqualTo("sixteen-bytes-xx");
        assertThat(VolumeRules.checkSecret("initiator", null)).isNull();
        assertThatThrownBy(() -> VolumeRules.checkSecret("initiator", "eleven-byte")).hasMessageContaining("11 bytes");
        assertThatThrownBy(() -> VolumeRules.checkSecret("target", "seventeen-bytes-x")).hasMessageContaining("17 bytes");
        assertThatThrownBy(() -> VolumeRules.checkDistinct("same-secret-12", "same-secret-12")).hasMessageContaining("must differ");
        VolumeRules.checkDistinct("target-secret-1", "initiator-sec");
        VolumeRules.checkDistinct(null, "initiator-sec");
    }

    @Test
    void givenVirtualTargetCounts_whenChecked_thenOnly1To32Pass() {
        assertThat(VolumeRules.checkVirtualTargets(1)).isEqualTo(1);
        assertThat(VolumeRules.checkVirtualTargets(32)).isEqualTo(32);
        assertThatThrownBy(() -> VolumeRules.checkVirtualTargets(0)).hasMessageContaining("1 to 32");
        assertThatThrownBy(() -> VolumeRules.checkVirtualTargets(33)).hasMessageContaining("1 to 32");
    }
}
