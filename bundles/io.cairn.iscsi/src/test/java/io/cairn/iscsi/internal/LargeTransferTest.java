package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cairn.iscsi.internal.pdu.Opcode;
import io.cairn.iscsi.internal.pdu.Pdu;

/**
 * The transport's buffering limits against the SCSI layer's MAXIMUM TRANSFER LENGTH (65536 blocks,
 * 32 MiB): a 32 MiB write goes through R2T by R2T and reads back; a 64 MiB one is refused before any R2T.
 */
class LargeTransferTest {

    private static final int SEGMENT = 262144;
    private PortalFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = PortalFixture.sbc();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private static byte[] cdb16(int op, long lba, long blocks) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.put(0, (byte) op).putLong(2, lba).putInt(10, (int) blocks);
        return b.array();
    }

    private RawInitiator login() throws Exception {
        RawInitiator i = new RawInitiator(fixture.portal.address());
        Pdu r = i.loginNormal(PortalFixture.TARGET, Map.of("MaxRecvDataSegmentLength", Integer.toString(SEGMENT)));
        assertThat(r.u8(36)).as("login status").isZero();
        return i;
    }

    @Test
    void givenA32MiBWrite16_whenItsDataFollowsTheR2Ts_thenGood_andA32MiBRead16ReturnsIt() throws Exception {
        byte[] content = new byte[32 << 20];
        new Random(11).nextBytes(content);
        int blocks = content.length / 512;
        try (RawInitiator i = login()) {
            Pdu cmd = i.command(cdb16(0x8a, 0, blocks), false, true, content.length, null);
            i.send(cmd);
            long received = 0;
            while (true) {
                Pdu p = i.read();
                assertThat(p).as("the target answered").isNotNull();
                if (p.opcode() == Opcode.SCSI_RESPONSE) {
                    assertThat(p.u8(3)).as("status GOOD").isZero();
                    assertThat(p.flags() & 0x06).as("no residual").isZero();
                    break;
                }
                assertThat(p.opcode()).isEqualTo(Opcode.R2T);
                int offset = p.i32(40);
                int length = p.i32(44);
                received += length;
                for (int o = 0, sn = 0; o < length; o += SEGMENT, sn++) {
                    int n = Math.min(SEGMENT, length - o);
                    i.send(Pdu.of(Opcode.DATA_OUT).flags(o + n == length ? 0x80 : 0).itt(cmd.itt()).i32(20, p.i32(20)).i32(36, sn)
                            .i32(40, offset + o).data(Arrays.copyOfRange(content, offset + o, offset + o + n)));
                }
            }
            assertThat(received).as("every byte was solicited").isEqualTo(content.length);

            i.send(i.command(cdb16(0x88, 0, blocks), true, false, content.length, null));
            ByteBuffer back = ByteBuffer.allocate(content.length);
            Pdu p;
            do {
                p = i.read();
                assertThat(p.opcode()).isEqualTo(Opcode.DATA_IN);
                back.put(p.data());
            } while ((p.flags() & 0x01) == 0);
            assertThat(p.u8(3)).as("status GOOD").isZero();
            assertThat(Arrays.equals(back.array(), content)).as("reads back").isTrue();
        }
    }

    @Test
    void givenA64MiBWrite16_whenSent_thenCheckConditionInvalidFieldInCdbWithoutAnyR2T_andTheSessionGoesOn() throws Exception {
        try (RawInitiator i = login()) {
            i.send(i.command(cdb16(0x8a, 0, 131072), false, true, 64 << 20, null));
            Pdu r = i.read();
            assertThat(r.opcode()).as("no R2T: the response").isEqualTo(Opcode.SCSI_RESPONSE);
            assertThat(r.u8(3)).as("CHECK CONDITION").isEqualTo(2);
            ByteBuffer sense = r.data();
            int senseLength = sense.getShort(sense.position()) & 0xffff;
            assertThat(senseLength).isGreaterThanOrEqualTo(14);
            int at = sense.position() + 2;
            assertThat(sense.get(at + 2) & 0x0f).as("ILLEGAL REQUEST").isEqualTo(5);
            assertThat(sense.get(at + 12) & 0xff).as("INVALID FIELD IN CDB").isEqualTo(0x24);

            i.send(i.command(new byte[6], false, false, 0, null)); // TEST UNIT READY
            Pdu tur = i.await(Opcode.SCSI_RESPONSE);
            assertThat(tur.u8(3)).isZero();
        }
    }
}
