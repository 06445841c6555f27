package io.cairn.storage.stargate.internal.estore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.cairn.storage.stargate.internal.estore.ExtentStoreException.Reason;

/** The record's binary format and keys, as the package documentation describes them. */
class EgroupRecordTest {

    @Test
    void givenRecordWithWrittenSlices_whenEncodedAndDecoded_thenSameSlicesAndChecksums() {
        EgroupRecord record = EgroupRecord.empty("disk-7").withSlices(3, new int[] {0xcafebabe, 0}).withSlices(1023, new int[] {42});
        byte[] value = record.encode();
        assertThat(value).hasSize(2 + 6 + 128 + 4096);
        assertThat(value[0]).isEqualTo((byte) 1);
        assertThat(value[2 + 6]).as("bitmap byte 0: no slice 0..7 but 3 and 4").isEqualTo((byte) 0b0001_1000);
        assertThat(value[2 + 6 + 127]).as("bitmap byte 127: slice 1023").isEqualTo((byte) 0x80);

        EgroupRecord decoded = EgroupRecord.decode(1, value);
        assertThat(decoded.diskId()).isEqualTo("disk-7");
        assertThat(decoded.writtenSlices()).isEqualTo(3);
        assertThat(decoded.isWritten(3)).isTrue();
        assertThat(decoded.isWritten(4)).as("written, checksum happens to be 0").isTrue();
        assertThat(decoded.isWritten(5)).isFalse();
        assertThat(decoded.crc(3)).isEqualTo(0xcafebabe);
        assertThat(decoded.crc(1023)).isEqualTo(42);
        assertThat(decoded.writtenSlicesIn(0, 5)).isEqualTo(2);
        assertThat(decoded.diskIndexValue()).containsExactly(0, 0, 0, 3);
    }

    @Test
    void givenRecordInADeviceSlot_whenEncodedAndDecoded_thenFormat2WithSlotAndTime_andTheIndexValueCarriesTheSlot() {
        EgroupRecord record = EgroupRecord.emptyInSlot("disk-7", 5, 1_000L).withSlices(3, new int[] {0xcafebabe}).writtenAt(2_000L);
        byte[] value = record.encode();
        assertThat(value).hasSize(2 + 6 + 4 + 8 + 128 + 4096);
        assertThat(value[0]).isEqualTo((byte) 2);
        assertThat(java.util.Arrays.copyOfRange(value, 8, 12)).containsExactly(0, 0, 0, 5);

        EgroupRecord decoded = EgroupRecord.decode(1, value);
        assertThat(decoded.slot()).isEqualTo(5);
        assertThat(decoded.writtenAtMillis()).isEqualTo(2_000L);
        assertThat(decoded.crc(3)).isEqualTo(0xcafebabe);
        assertThat(decoded.withSlices(4, new int[] {1}).slot()).as("kept by updates").isEqualTo(5);
        assertThat(decoded.diskIndexValue()).containsExactly(0, 0, 0, 1, 0, 0, 0, 5);
        assertThat(EgroupRecord.slotOfIndexValue(decoded.diskIndexValue())).isEqualTo(5);
        assertThat(EgroupRecord.writtenSlicesOfIndexValue(1, decoded.diskIndexValue())).isEqualTo(1);
        assertThat(EgroupRecord.slotOfIndexValue(EgroupRecord.empty("d").diskIndexValue())).isEqualTo(EgroupRecord.NO_SLOT);
        assertThat(EgroupRecord.empty("d").writtenAt(5).encode()).as("a file's record stays format 1").hasSize(2 + 1 + 128 + 4096);
    }

    @Test
    void givenValueOfAnotherFormat_whenDecoded_thenCorruptMetadata() {
        byte[] value = EgroupRecord.empty("d").encode();
        value[0] = 3;
        assertThatThrownBy(() -> EgroupRecord.decode(0xa1, value)).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT_METADATA)).hasMessageContaining("00000000000000a1");
        assertThatThrownBy(() -> EgroupRecord.decode(0xa1, new byte[0])).isInstanceOf(ExtentStoreException.class);
    }

    @Test
    void givenEgroupIds_whenKeyed_thenFixedWidthHexAndParsedBack() {
        assertThat(new String(EgroupRecord.key(0xa1), StandardCharsets.US_ASCII)).isEqualTo("egroup/00000000000000a1");
        assertThat(new String(EgroupRecord.diskIndexKey("d1", -2), StandardCharsets.US_ASCII))
                .isEqualTo("disk/d1/egroup/fffffffffffffffe");
        assertThat(EgroupRecord.egroupIdOf(EgroupRecord.key(-2))).hasValue(-2);
        assertThat(EgroupRecord.egroupIdOf("egroup/00000000000000a1/extent/1".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(EgroupRecord.egroupIdOfIndexKey(EgroupRecord.diskIndexKey("d1", 0xa1))).isEqualTo(0xa1);
    }
}
