package io.cairn.iscsi.internal.pdu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

class PduCodecTest {

    private static final PduCodec.Limits PLAIN = new PduCodec.Limits(8192, false, false);
    private static final PduCodec.Limits DIGESTS = new PduCodec.Limits(8192, true, true);

    private static Pdu nop(String data) {
        return Pdu.of(Opcode.NOP_OUT).immediate(true).flags(0x80).lun(0x0001000000000000L).itt(7).i32(20, -1).i32(24, 42)
                .data(data.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void givenAPduWithAnOddDataLength_whenEncoded_thenTheDataIsPaddedAndTheHeaderSaysTheUnpaddedLength() throws Exception {
        byte[] wire = PduCodec.toBytes(nop("hello"), false, false);

        assertThat(wire).hasSize(48 + 8);
        assertThat(wire[7]).isEqualTo((byte) 5);
        assertThat(wire[0]).isEqualTo((byte) 0x40);
        Pdu back = PduCodec.read(new ByteArrayInputStream(wire), PLAIN);
        assertThat(back).isEqualTo(nop("hello"));
        assertThat(back.immediate()).isTrue();
        assertThat(back.lun()).isEqualTo(0x0001000000000000L);
    }

    @Test
    void givenDigests_whenEncoded_thenTheyAreLittleEndianCrc32cOverHeaderAndPaddedData() throws Exception {
        byte[] wire = PduCodec.toBytes(nop("abc"), true, true);

        assertThat(wire).hasSize(48 + 4 + 4 + 4);
        CRC32C h = new CRC32C();
        h.update(wire, 0, 48);
        assertThat(le(wire, 48)).isEqualTo((int) h.getValue());
        CRC32C d = new CRC32C();
        d.update(wire, 52, 4);
        assertThat(le(wire, 56)).isEqualTo((int) d.getValue());
        assertThat(PduCodec.read(new ByteArrayInputStream(wire), DIGESTS)).isEqualTo(nop("abc"));
    }

    @Test
    void givenTheRfc3720Crc32cCheckValue_thenTheJdkCrc32cMatchesIt() {
        CRC32C c = new CRC32C();
        c.update("123456789".getBytes(StandardCharsets.US_ASCII));
        assertThat(c.getValue()).isEqualTo(0xE3069283L);
    }

    @Test
    void givenAHeaderDigestError_whenRead_thenTheConnectionMustDrop() {
        byte[] wire = PduCodec.toBytes(nop("abc"), true, true);
        wire[20] ^= 1;

        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(wire), DIGESTS)).isInstanceOfSatisfying(PduException.class,
                e -> assertThat(e.dropConnection()).isTrue());
    }

    @Test
    void givenADataDigestError_whenRead_thenItIsRejectedWithReasonDataDigest() {
        byte[] wire = PduCodec.toBytes(nop("abc"), true, true);
        wire[53] ^= 1;

        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(wire), DIGESTS)).isInstanceOfSatisfying(PduException.class, e -> {
            assertThat(e.dropConnection()).isFalse();
            assertThat(e.reason()).isEqualTo(Opcode.REJECT_DATA_DIGEST);
            assertThat(e.header()).hasSize(48);
        });
    }

    @Test
    void givenADataSegmentLongerThanTheLimit_whenRead_thenItFailsBeforeReadingOrAllocatingTheData() {
        byte[] header = nop("").bhs();
        header[5] = (byte) 0xff;
        header[6] = (byte) 0xff;
        header[7] = (byte) 0xff;

        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(header), PLAIN)).isInstanceOfSatisfying(PduException.class, e -> {
            assertThat(e.dropConnection()).isTrue();
            assertThat(e.reason()).isEqualTo(Opcode.REJECT_PROTOCOL_ERROR);
        });
    }

    @Test
    void givenATargetOpcodeOrAnAhsOnANonCommand_whenRead_thenTheyAreRejectedWithoutDropping() {
        byte[] targetOp = PduCodec.toBytes(Pdu.of(Opcode.NOP_IN), false, false);
        byte[] ahs = PduCodec.toBytes(nop("").ahs(new byte[8]), false, false);

        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(targetOp), PLAIN)).isInstanceOfSatisfying(PduException.class,
                e -> assertThat(e.reason()).isEqualTo(Opcode.REJECT_COMMAND_NOT_SUPPORTED));
        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(ahs), PLAIN)).isInstanceOfSatisfying(PduException.class,
                e -> assertThat(e.reason()).isEqualTo(Opcode.REJECT_PROTOCOL_ERROR));
    }

    @Test
    void givenEndOfStream_whenAtAPduBoundary_thenNull_andInTheMiddle_thenEof() throws Exception {
        assertThat(PduCodec.read(new ByteArrayInputStream(new byte[0]), PLAIN)).isNull();
        byte[] wire = PduCodec.toBytes(nop("abcdef"), false, false);
        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(wire, 0, 50), PLAIN)).isInstanceOf(java.io.EOFException.class);
    }

    private static int le(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }
}
