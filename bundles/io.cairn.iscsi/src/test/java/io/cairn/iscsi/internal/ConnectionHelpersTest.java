package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.cairn.iscsi.internal.pdu.Opcode;
import io.cairn.iscsi.internal.pdu.Pdu;

class ConnectionHelpersTest {

    @Test
    void givenLunFields_whenDecoded_thenPeripheralAndFlatAddressingWork_andOthersAreInvalid() {
        assertThat(Connection.decodeLun(0)).isZero();
        assertThat(Connection.decodeLun(0x0005000000000000L)).isEqualTo(5);
        assertThat(Connection.decodeLun(0x40ff000000000000L)).isEqualTo(255);
        assertThat(Connection.decodeLun(0x7fff000000000000L)).isEqualTo(16383);
        assertThat(Connection.decodeLun(0x0105000000000000L)).as("bus 1").isEqualTo(Connection.INVALID_LUN);
        assertThat(Connection.decodeLun(0xc000000000000000L)).as("extended").isEqualTo(Connection.INVALID_LUN);
        assertThat(Connection.decodeLun(0x0000000100000000L)).as("second level").isEqualTo(Connection.INVALID_LUN);
    }

    @Test
    void givenAnExtendedCdbAhs_whenTheCdbIsBuilt_thenItIsAppended_andABidirectionalAhsIsRefused() {
        Pdu p = Pdu.of(Opcode.SCSI_COMMAND).bytes(32, new byte[] {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
        // AHSLength 17 (reserved byte + 16 CDB bytes), type 1, reserved, 16 bytes, padded to 20
        byte[] ahs = new byte[20];
        ahs[1] = 17;
        ahs[2] = 1;
        for (int i = 0; i < 16; i++) {
            ahs[4 + i] = (byte) (16 + i);
        }
        p.ahs(ahs);
        byte[] cdb = Connection.cdb(p);

        assertThat(cdb).hasSize(32);
        assertThat(cdb[31]).isEqualTo((byte) 31);
        byte[] bidi = new byte[8];
        bidi[1] = 5;
        bidi[2] = 2;
        assertThat(Connection.cdb(p.ahs(bidi))).isNull();
    }

    @Test
    void givenWriteCdbs_thenTheirTransferLengthIsKnown_andOtherCommandsHaveNone() {
        assertThat(Connection.writeTransferLength(new byte[] {0x2a, 0, 0, 0, 0, 0, 0, 0, 2, 0})).isEqualTo(1024);
        assertThat(Connection.writeTransferLength(new byte[] {0x0a, 0, 0, 0, 0, 0})).isEqualTo(256 * 512);
        byte[] w16 = new byte[16];
        w16[0] = (byte) 0x8a;
        w16[13] = 1;
        assertThat(Connection.writeTransferLength(w16)).isEqualTo(512);
        assertThat(Connection.writeTransferLength(new byte[] {0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0})).isEqualTo(-1);
    }
}
