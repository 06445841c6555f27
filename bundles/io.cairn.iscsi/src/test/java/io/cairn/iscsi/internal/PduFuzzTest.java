package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.cairn.iscsi.internal.login.TextKeys;
import io.cairn.iscsi.internal.pdu.Opcode;
import io.cairn.iscsi.internal.pdu.Pdu;
import io.cairn.iscsi.internal.pdu.PduCodec;
import io.cairn.iscsi.internal.pdu.PduException;

/**
 * Fuzzing: random and mutated PDUs into the decoder and into live connections. The decoder only
 * ever returns a PDU within the limits or throws {@link PduException}/{@link IOException}; a live
 * portal survives every connection (no unexpected exception, no hung connection, no leaked
 * session) and still serves afterwards.
 */
class PduFuzzTest {

    private static final long SEED = 0x15C51L;

    /** Valid initiator PDUs to mutate. */
    private static List<Pdu> seeds() {
        List<Pdu> out = new ArrayList<>();
        out.add(Pdu.of(Opcode.NOP_OUT).immediate(true).flags(0x80).itt(1).i32(20, -1).data("ping".getBytes()));
        out.add(Pdu.of(Opcode.SCSI_COMMAND).flags(0xc1).itt(2).i32(20, 4096).i32(24, 1).bytes(32, new byte[] {0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0}));
        out.add(Pdu.of(Opcode.SCSI_COMMAND).flags(0xa1).itt(3).i32(20, 8192).i32(24, 2)
                .bytes(32, new byte[] {0x2a, 0, 0, 0, 0, 0, 0, 0, 16, 0}).data(new byte[4096]));
        out.add(Pdu.of(Opcode.DATA_OUT).flags(0x80).itt(3).i32(20, 5).i32(36, 0).i32(40, 4096).data(new byte[4096]));
        out.add(Pdu.of(Opcode.TEXT_REQUEST).immediate(true).flags(0x80).itt(4).i32(20, -1)
                .data(TextKeys.encode(Map.of("SendTargets", "All"))));
        out.add(Pdu.of(Opcode.TASK_MGMT_REQUEST).immediate(true).flags(0x81).itt(5).i32(20, 2));
        out.add(Pdu.of(Opcode.LOGOUT_REQUEST).immediate(true).flags(0x80).itt(6));
        out.add(Pdu.of(Opcode.SNACK_REQUEST).flags(0x80).itt(7));
        out.add(Pdu.of(Opcode.LOGIN_REQUEST).immediate(true).flags(0x87).itt(8)
                .data(TextKeys.encode(Map.of("InitiatorName", "iqn.x", "TargetName", PortalFixture.TARGET))));
        return out;
    }

    private static byte[] mutate(Random r, byte[] wire) {
        byte[] b = wire.clone();
        switch (r.nextInt(4)) {
            case 0 -> {
                for (int i = r.nextInt(4) + 1; i > 0; i--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> b[r.nextInt(Math.min(48, b.length))] = (byte) r.nextInt(256);
            case 2 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
            default -> {
                int at = 4 + r.nextInt(4); // AHS or data segment length
                b[Math.min(at, b.length - 1)] = (byte) r.nextInt(256);
            }
        }
        return b;
    }

    @Test
    void givenRandomAndMutatedBytes_whenDecoded_thenOnlyPdusWithinTheLimitsOrProtocolErrorsComeOut() {
        Random r = new Random(SEED);
        List<byte[]> valid = new ArrayList<>();
        for (Pdu p : seeds()) {
            valid.add(PduCodec.toBytes(p, false, false));
            valid.add(PduCodec.toBytes(p, true, true));
        }
        int pdus = 0;
        for (int n = 0; n < 50_000; n++) {
            boolean digests = r.nextBoolean();
            byte[] input;
            if (n % 5 == 0) {
                input = new byte[r.nextInt(300)];
                r.nextBytes(input);
            } else {
                input = mutate(r, valid.get(r.nextInt(valid.size())));
            }
            PduCodec.Limits limits = new PduCodec.Limits(512 + r.nextInt(8192), digests, digests);
            try (InputStream in = new ByteArrayInputStream(input)) {
                Pdu p;
                while ((p = PduCodec.read(in, limits)) != null) {
                    pdus++;
                    assertThat(p.data().remaining()).isLessThanOrEqualTo(limits.maxDataSegment());
                }
            } catch (PduException | IOException expected) {
                // a protocol error or a truncated stream: fine
            } catch (RuntimeException e) {
                fail("the decoder threw " + e + " on input #" + n, e);
            }
        }
        assertThat(pdus).as("some mutated PDUs are still valid").isPositive();
    }

    @Test
    void givenALivePortal_whenConnectionsSendGarbage_thenThePortalSurvivesAndStillServes() throws Exception {
        Random r = new Random(SEED + 1);
        List<byte[]> valid = new ArrayList<>();
        for (Pdu p : seeds()) {
            valid.add(PduCodec.toBytes(p, false, false));
        }
        try (PortalFixture fixture = new PortalFixture()) {
            for (int n = 0; n < 150; n++) {
                try (RawInitiator i = new RawInitiator(fixture.portal.address())) {
                    i.socket.setSoTimeout(200);
                    if (n % 3 != 0) {
                        i.loginNormal(n % 7 == 0 ? null : PortalFixture.TARGET, Map.of());
                    }
                    for (int k = r.nextInt(6) + 1; k > 0; k--) {
                        byte[] bytes;
                        if (r.nextInt(5) == 0) {
                            bytes = new byte[r.nextInt(200)];
                            r.nextBytes(bytes);
                        } else {
                            bytes = mutate(r, valid.get(r.nextInt(valid.size())));
                        }
                        i.sendRaw(bytes);
                    }
                    i.closedByTarget(); // drain what the target answers, up to the timeout
                } catch (IOException e) {
                    // the target dropped us: fine
                }
            }
            PortalFixtureAwait.until(() -> fixture.portal.sessions().isEmpty());
            assertThat(((PortalImpl) fixture.portal).connectionFailures.sum()).as("connections that died on an exception").isZero();

            try (RawInitiator i = new RawInitiator(fixture.portal.address())) {
                assertThat(i.loginNormal(PortalFixture.TARGET, Map.of()).u8(36)).isZero();
                i.send(i.command(new byte[6], false, false, 0, null));
                assertThat(i.await(Opcode.SCSI_RESPONSE).u8(3)).isZero();
            }
        }
    }
}
