package io.cairn.storage.stargate.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class VDiskGeometryTest {

    private static final long MIB = 1L << 20;

    @Test
    void given100MiBVDisk_thenItHas100VBlockSlots_andAWriteAt1MiBPlus5LandsInVBlock1() {
        assertThat(VDiskGeometry.vblockSlots(100 * MIB)).isEqualTo(100);
        assertThat(VDiskGeometry.vblockSlots(100 * MIB + 1)).isEqualTo(101);
        assertThat(VDiskGeometry.vblockSlots(0)).isZero();
        assertThat(VDiskGeometry.vblockOf(MIB + 5)).isEqualTo(1);
        assertThat(VDiskGeometry.vblockOf(MIB - 1)).isZero();
    }

    @Test
    void givenSizes_when2Pow63Minus1_thenAccepted_andWhen2Pow63_thenRejectedExplicitly() {
        BigInteger max = BigInteger.TWO.pow(63).subtract(BigInteger.ONE);
        assertThat(VDiskGeometry.requireValidSize(max)).isEqualTo(Long.MAX_VALUE);
        assertThat(VDiskGeometry.vblockSlots(Long.MAX_VALUE)).isEqualTo(1L << 43);

        assertThatThrownBy(() -> VDiskGeometry.requireValidSize(BigInteger.TWO.pow(63)))
                .isInstanceOf(CairnException.class)
                .hasMessageContaining("9223372036854775808 bytes exceeds the maximum of 9223372036854775807 (2^63-1)")
                .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> VDiskGeometry.requireValidSize(BigInteger.valueOf(-1)))
                .hasMessageContaining("is negative");
    }

    @Test
    void givenAnIoAcrossVBlocks_whenSplit_thenOnePiecePerVBlockCoveringTheRequestExactly() {
        List<VBlockPiece> pieces = VDiskGeometry.split(MIB - 4096, 2 * MIB + 8192);
        assertThat(pieces).containsExactly(
                new VBlockPiece(0, MIB - 4096, (int) (MIB - 4096), 0, 4096),
                new VBlockPiece(1, MIB, 0, 4096, (int) MIB),
                new VBlockPiece(2, 2 * MIB, 0, 4096 + MIB, (int) MIB),
                new VBlockPiece(3, 3 * MIB, 0, 4096 + 2 * MIB, 4096));
        assertThat(pieces.stream().mapToLong(VBlockPiece::length).sum()).isEqualTo(2 * MIB + 8192);
    }

    @Test
    void givenAnIoInsideOneVBlock_whenSplit_thenOnePiece() {
        assertThat(VDiskGeometry.split(MIB + 5, 10)).containsExactly(new VBlockPiece(1, MIB + 5, 5, 0, 10));
    }

    @Test
    void givenAnIoEndingAtTheLastAddress_whenSplit_thenAccepted_andOnePastIsRejected() {
        List<VBlockPiece> pieces = VDiskGeometry.split(Long.MAX_VALUE - 10, 10);
        assertThat(pieces).hasSize(1);
        assertThat(pieces.getFirst().vblock()).isEqualTo((Long.MAX_VALUE - 10) / MIB);
        assertThatThrownBy(() -> VDiskGeometry.split(Long.MAX_VALUE - 10, 11))
                .hasMessageContaining("ends past byte 2^63-1");
        assertThatThrownBy(() -> VDiskGeometry.split(0, 0)).hasMessageContaining("not positive");
        assertThatThrownBy(() -> VDiskGeometry.split(-512, 512)).hasMessageContaining("negative");
    }

    @Test
    void givenVBlocks_thenShardIsVBlockModShards() {
        assertThat(VDiskGeometry.controllerShardOf(0, VDiskGeometry.DEFAULT_CONTROLLER_SHARDS)).isZero();
        assertThat(VDiskGeometry.controllerShardOf(5, 4)).isEqualTo(1);
        assertThat(VDiskGeometry.controllerShardOf(7, 4)).isEqualTo(3);
        assertThat(VDiskGeometry.controllerShardOf(Long.MAX_VALUE / MIB, 4)).isEqualTo(3);
        assertThatThrownBy(() -> VDiskGeometry.controllerShardOf(1, 0))
                .hasMessageContaining("cairn.vdisk.controller_shards is 0");
    }

    @Test
    void givenMisalignedIo_thenErrorSaysWhatIsWrongAndTheNearestAlignedValues() {
        VDiskGeometry.requireAligned(4096, 512, VDiskGeometry.LOGICAL_BLOCK_BYTES);
        assertThatThrownBy(() -> VDiskGeometry.requireAligned(1000, 512, 512))
                .hasMessage("I/O offset 1000 is not a multiple of the 512-byte logical block (488 bytes past block 1);"
                        + " start the I/O at a block boundary such as 512 or 1024");
        assertThatThrownBy(() -> VDiskGeometry.requireAligned(512, 100, 512))
                .hasMessageContaining("I/O length 100 at offset 512 is not a multiple of the 512-byte logical block")
                .hasMessageContaining("such as 512 bytes");
        assertThatThrownBy(() -> VDiskGeometry.requireAligned(0, 4096, 1000))
                .hasMessageContaining("not a power of two");
    }

    @Test
    void givenIoPastTheEnd_thenLbaOutOfRange() {
        VDiskGeometry.requireWithin(100 * MIB - 512, 512, 100 * MIB);
        assertThatThrownBy(() -> VDiskGeometry.requireWithin(100 * MIB - 512, 1024, 100 * MIB))
                .hasMessageContaining("LBA out of range");
    }

    @Test
    void givenOffsets_thenSliceIsOffsetDiv4KiB() {
        assertThat(VDiskGeometry.sliceOf(4095)).isZero();
        assertThat(VDiskGeometry.sliceOf(MIB + 5)).isEqualTo(256);
    }
}
