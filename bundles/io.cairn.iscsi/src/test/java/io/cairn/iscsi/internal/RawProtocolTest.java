package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cairn.iscsi.internal.login.TextKeys;
import io.cairn.iscsi.internal.pdu.Opcode;
import io.cairn.iscsi.internal.pdu.Pdu;
import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.LoginDecision;

/** The target's protocol behaviour, driven PDU by PDU from a bare initiator in this JVM. */
class RawProtocolTest {

    private PortalFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new PortalFixture();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private RawInitiator connect() throws Exception {
        return new RawInitiator(fixture.portal.address());
    }

    private static Map<String, String> keys(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void givenANormalLogin_whenNegotiating_thenTheSpecOffersAndTheTpgtAreAnswered() throws Exception {
        try (RawInitiator i = connect()) {
            Pdu first = i.login(0, 1, true, keys("InitiatorName", PortalFixture.INITIATOR, "TargetName", PortalFixture.TARGET,
                    "AuthMethod", "None", "X-com.example.Foo", "1"));
            assertThat(first.u8(36)).isZero();
            assertThat(first.flags() & 0x80).as("transit granted").isNotZero();
            assertThat(i.lastKeys).containsEntry("TargetPortalGroupTag", "1").containsEntry("AuthMethod", "None")
                    .containsEntry("X-com.example.Foo", "NotUnderstood");

            Pdu last = i.login(1, 3, true, keys("HeaderDigest", "CRC32C,None", "DataDigest", "None", "MaxBurstLength", "16776192",
                    "FirstBurstLength", "262144", "InitialR2T", "No", "ImmediateData", "Yes", "MaxRecvDataSegmentLength", "8192",
                    "ErrorRecoveryLevel", "2", "MaxConnections", "4", "MaxOutstandingR2T", "8", "DefaultTime2Wait", "0"));

            assertThat(last.u8(36)).isZero();
            assertThat(last.flags() & 0x83).isEqualTo(0x83);
            assertThat(last.u16(14)).as("TSIH").isNotZero();
            assertThat(i.lastKeys).containsEntry("HeaderDigest", "CRC32C").containsEntry("DataDigest", "None")
                    .containsEntry("MaxBurstLength", "1048576").containsEntry("FirstBurstLength", "65536").containsEntry("InitialR2T", "Yes")
                    .containsEntry("ImmediateData", "Yes").containsEntry("MaxRecvDataSegmentLength", "262144")
                    .containsEntry("ErrorRecoveryLevel", "0").containsEntry("MaxConnections", "1").containsEntry("MaxOutstandingR2T", "1")
                    .containsEntry("DefaultTime2Wait", "2");
            assertThat(last.i32(32) - last.i32(28) + 1).as("CmdSN window").isEqualTo(128);
            assertThat(fixture.portal.sessions()).singleElement()
                    .satisfies(s -> assertThat(s.targetName()).isEqualTo(PortalFixture.TARGET))
                    .satisfies(s -> assertThat(s.isid()).isEqualTo("801234560001"));
        }
    }

    @Test
    void givenADiscoverySession_whenNormalOnlyKeysAreSent_thenTheyAreIrrelevant_andSendTargetsListsTheCatalog() throws Exception {
        for (int n = 0; n < 200; n++) {
            fixture.catalog.add("iqn.2010-06.org.cairn:many-" + n + "-" + "x".repeat(100), Optional.empty(), 1 << 20);
        }
        try (RawInitiator i = connect()) {
            i.login(0, 1, true, keys("InitiatorName", PortalFixture.INITIATOR, "SessionType", "Discovery", "AuthMethod", "None"));
            Pdu r = i.login(1, 3, true, keys("MaxBurstLength", "65536", "MaxRecvDataSegmentLength", "4096"));
            assertThat(r.u8(36)).isZero();
            assertThat(i.lastKeys).containsEntry("MaxBurstLength", "Irrelevant");

            i.send(Pdu.of(Opcode.TEXT_REQUEST).immediate(true).flags(0x80).itt(77).i32(20, Opcode.RESERVED_TAG).i32(24, i.cmdSn)
                    .data(TextKeys.encode(keys("SendTargets", "All"))));
            StringBuilder text = new StringBuilder();
            int pdus = 0;
            while (true) {
                Pdu t = i.await(Opcode.TEXT_RESPONSE);
                pdus++;
                assertThat(t.dataSegmentLength()).isLessThanOrEqualTo(4096);
                text.append(new String(t.dataBytes(), StandardCharsets.UTF_8));
                if ((t.flags() & 0x80) != 0) {
                    assertThat(t.i32(20)).isEqualTo(Opcode.RESERVED_TAG);
                    break;
                }
                assertThat(t.flags() & 0x40).as("C bit").isNotZero();
                i.send(Pdu.of(Opcode.TEXT_REQUEST).immediate(true).flags(0x80).itt(77).i32(20, t.i32(20)).i32(24, i.cmdSn));
            }
            assertThat(pdus).isGreaterThan(1);
            long names = text.toString().split("\0").length;
            assertThat(names).isEqualTo(201 * 2);
            assertThat(text.toString()).contains("TargetName=" + PortalFixture.TARGET + "\0TargetAddress=" + fixture.catalog.advertised);
        }
    }

    @Test
    void givenARedirectAndChap_whenLoggingIn_thenTheFirstResponseRedirectsBeforeAuthentication() throws Exception {
        fixture.catalog.add("iqn.2010-06.org.cairn:chap", Optional.of(new Chap("alice", new byte[12], Optional.empty())), 1 << 20);
        fixture.catalog.overrides.put("iqn.2010-06.org.cairn:chap", new LoginDecision.Redirect("10.0.0.9:3260,1", true));
        try (RawInitiator i = connect()) {
            Pdu r = i.login(0, 1, false, keys("InitiatorName", PortalFixture.INITIATOR, "TargetName", "iqn.2010-06.org.cairn:chap",
                    "AuthMethod", "CHAP"));

            assertThat(r.u8(36) << 8 | r.u8(37)).isEqualTo(0x0102);
            assertThat(i.lastKeys).containsExactly(Map.entry("TargetAddress", "10.0.0.9:3260,1"));
            assertThat(i.closedByTarget()).isTrue();
        }
    }

    @Test
    void givenMutualChap_whenTheInitiatorReflectsTheTargetChallenge_thenTheLoginFailsWithAuthenticationFailure() throws Exception {
        byte[] secret = "initiator-secret".getBytes(StandardCharsets.US_ASCII);
        fixture.catalog.add("iqn.2010-06.org.cairn:m", Optional.of(new Chap("alice", secret, Optional.of("target-secret1".getBytes()))), 1 << 20);
        try (RawInitiator i = connect()) {
            i.login(0, 0, false, keys("InitiatorName", PortalFixture.INITIATOR, "TargetName", "iqn.2010-06.org.cairn:m", "AuthMethod",
                    "CHAP"));
            assertThat(i.lastKeys).containsEntry("AuthMethod", "CHAP");
            i.login(0, 0, false, keys("CHAP_A", "7,5"));
            assertThat(i.lastKeys).containsEntry("CHAP_A", "5");
            int id = Integer.parseInt(i.lastKeys.get("CHAP_I"));
            byte[] challenge = TextKeys.binary(i.lastKeys.get("CHAP_C"));
            byte[] response = io.cairn.iscsi.internal.login.ChapTestAccess.md5(id, secret, challenge);

            Pdu r = i.login(0, 1, true, keys("CHAP_N", "alice", "CHAP_R", TextKeys.hex(response), "CHAP_I", Integer.toString(id), "CHAP_C",
                    TextKeys.hex(challenge)));

            assertThat(r.u8(36) << 8 | r.u8(37)).isEqualTo(0x0201);
        }
        // the vDisk I/O the catalog opened for the refused login is closed, not leaked
        RamVDiskIo io = fixture.catalog.disks.get("iqn.2010-06.org.cairn:m/0");
        assertThat(io).isNotNull();
        PortalFixtureAwait.until(io.closed::get); // the login thread closes it just after sending the refusal
    }

    @Test
    void givenASession_whenNopOutPings_thenTheDataIsEchoedAndStatSnAdvances() throws Exception {
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys());
            int statSn = i.expStatSn;
            i.nopOut("ping-data".getBytes());
            Pdu r = i.await(Opcode.NOP_IN);

            assertThat(new String(r.dataBytes())).isEqualTo("ping-data");
            assertThat(r.i32(24)).isEqualTo(statSn);
            i.nopOut(new byte[0]);
            assertThat(i.await(Opcode.NOP_IN).i32(24)).isEqualTo(statSn + 1);
        }
    }

    @Test
    void givenDigests_whenNegotiated_thenPdusCarryThem_andACorruptDataDigestIsRejected() throws Exception {
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys("HeaderDigest", "CRC32C", "DataDigest", "CRC32C"));
            assertThat(i.headerDigest && i.dataDigest).isTrue();
            i.nopOut("abc".getBytes());
            assertThat(new String(i.await(Opcode.NOP_IN).dataBytes())).isEqualTo("abc");

            byte[] wire = io.cairn.iscsi.internal.pdu.PduCodec.toBytes(Pdu.of(Opcode.NOP_OUT).immediate(true).flags(0x80).itt(99)
                    .i32(20, Opcode.RESERVED_TAG).i32(24, i.cmdSn).data("xyz!".getBytes()), true, true);
            wire[wire.length - 1] ^= 0x55;
            i.sendRaw(wire);
            Pdu reject = i.await(Opcode.REJECT);

            assertThat(reject.u8(2)).isEqualTo(Opcode.REJECT_DATA_DIGEST);
            i.nopOut("still".getBytes());
            assertThat(new String(i.await(Opcode.NOP_IN).dataBytes())).isEqualTo("still");
        }
    }

    @Test
    void givenASmallInitiatorSegment_whenReading1MiB_thenDataInIsSplitWithSequencesAndStatusInTheLast() throws Exception {
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys("MaxRecvDataSegmentLength", "8192", "MaxBurstLength", "65536"));
            i.send(i.command(new byte[] {0x28, 0, 0, 0, 0, 0, 0, 0x08, 0, 0}, true, false, 1 << 20, null));
            List<Pdu> dataIn = new ArrayList<>();
            Pdu p;
            do {
                p = i.read();
                dataIn.add(p);
            } while ((p.flags() & 0x01) == 0);

            assertThat(dataIn).hasSize(128);
            for (int n = 0; n < 128; n++) {
                Pdu d = dataIn.get(n);
                assertThat(d.opcode()).isEqualTo(Opcode.DATA_IN);
                assertThat(d.i32(36)).as("DataSN").isEqualTo(n);
                assertThat(d.i32(40)).as("offset").isEqualTo(n * 8192);
                assertThat((d.flags() & 0x80) != 0).as("F at each 64 KiB sequence end").isEqualTo(n % 8 == 7);
            }
            assertThat(p.u8(3)).as("GOOD").isZero();
            assertThat(p.flags() & 0x06).as("no residual").isZero();
        }
    }

    @Test
    void givenAWriteBeyondTheFirstBurst_whenDataFollowsR2Ts_thenItIsWrittenAndReadsBack() throws Exception {
        byte[] content = new byte[300 * 1024];
        new Random(7).nextBytes(content);
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys("MaxBurstLength", "131072", "MaxRecvDataSegmentLength", "65536"));
            int blocks = content.length / 512;
            byte[] imm = java.util.Arrays.copyOf(content, 65536);
            Pdu cmd = i.command(new byte[] {0x2a, 0, 0, 0, 0, 16, 0, (byte) (blocks >> 8), (byte) blocks, 0}, false, true, content.length, imm);
            i.send(cmd);
            int r2ts = 0;
            while (true) {
                Pdu p = i.read();
                if (p.opcode() == Opcode.SCSI_RESPONSE) {
                    assertThat(p.u8(3)).isZero();
                    break;
                }
                assertThat(p.opcode()).isEqualTo(Opcode.R2T);
                assertThat(p.i32(36)).as("R2TSN").isEqualTo(r2ts++);
                int offset = p.i32(40);
                int length = p.i32(44);
                assertThat(length).isLessThanOrEqualTo(131072);
                for (int o = 0, sn = 0; o < length; o += 65536, sn++) {
                    int n = Math.min(65536, length - o);
                    i.send(Pdu.of(Opcode.DATA_OUT).flags(o + n == length ? 0x80 : 0).itt(cmd.itt()).i32(20, p.i32(20)).i32(36, sn)
                            .i32(40, offset + o).data(java.util.Arrays.copyOfRange(content, offset + o, offset + o + n)));
                }
            }
            assertThat(r2ts).isEqualTo(2);
            i.send(i.command(new byte[] {0x28, 0, 0, 0, 0, 16, 0, (byte) (blocks >> 8), (byte) blocks, 0}, true, false, content.length, null));
            ByteBuffer back = ByteBuffer.allocate(content.length);
            Pdu p;
            do {
                p = i.read();
                back.put(p.data());
            } while ((p.flags() & 0x01) == 0);
            assertThat(back.array()).isEqualTo(content);
        }
    }

    @Test
    void givenACommandBeyondMaxCmdSn_whenSent_thenItIsIgnored_andTheNextInWindowOneIsServed() throws Exception {
        try (RawInitiator i = connect()) {
            Pdu login = i.loginNormal(PortalFixture.TARGET, keys());
            int maxCmdSn = login.i32(32);
            Pdu tooHigh = i.command(new byte[6], false, false, 0, null).i32(24, maxCmdSn + 1);
            i.send(tooHigh);
            i.cmdSn--; // the ignored command did not use its CmdSN
            Pdu ok = i.command(new byte[6], false, false, 0, null);
            i.send(ok);
            Pdu r = i.await(Opcode.SCSI_RESPONSE);

            assertThat(r.itt()).isEqualTo(ok.itt());
            assertThat(r.i32(28)).as("ExpCmdSN").isEqualTo(ok.i32(24) + 1);
        }
    }

    @Test
    void givenTaskManagement_whenLunResetAndUnsupportedFunctions_thenTheTargetResetsOrSaysNotSupported() throws Exception {
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys());
            i.send(Pdu.of(Opcode.TASK_MGMT_REQUEST).immediate(true).flags(0x80 | 5).itt(50).i32(20, Opcode.RESERVED_TAG).i32(24, i.cmdSn));
            assertThat(i.await(Opcode.TASK_MGMT_RESPONSE).u8(2)).isZero();
            assertThat(fixture.engine.resets.get()).isEqualTo(1);

            i.send(Pdu.of(Opcode.TASK_MGMT_REQUEST).immediate(true).flags(0x80 | 3).itt(51).i32(20, Opcode.RESERVED_TAG).i32(24, i.cmdSn));
            assertThat(i.await(Opcode.TASK_MGMT_RESPONSE).u8(2)).as("CLEAR ACA").isEqualTo(5);

            i.send(Pdu.of(Opcode.TASK_MGMT_REQUEST).immediate(true).flags(0x80 | 1).itt(52).i32(20, 12345).i32(24, i.cmdSn)
                    .i32(32, i.cmdSn - 1));
            assertThat(i.await(Opcode.TASK_MGMT_RESPONSE).u8(2)).as("ABORT TASK of an unknown task").isEqualTo(1);
        }
    }

    @Test
    void givenASlowCommand_whenAborted_thenNoResponseComesForIt_andTheAbortCompletes() throws Exception {
        fixture.engine.executeDelayMillis = 500;
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys());
            Pdu slow = i.command(new byte[6], false, false, 0, null);
            i.send(slow);
            Thread.sleep(100); // the command is executing now
            i.send(Pdu.of(Opcode.TASK_MGMT_REQUEST).immediate(true).flags(0x80 | 1).itt(60).i32(20, slow.itt()).i32(24, i.cmdSn)
                    .i32(32, slow.i32(24)));
            Pdu r = i.read();

            assertThat(r.opcode()).isEqualTo(Opcode.TASK_MGMT_RESPONSE);
            assertThat(r.u8(2)).isZero();
            fixture.engine.executeDelayMillis = 0;
            i.nopOut(new byte[0]);
            assertThat(i.read().opcode()).as("no SCSI Response for the aborted task").isEqualTo(Opcode.NOP_IN);
        }
    }

    @Test
    void givenASession_whenTheSameIsidLogsInAgain_thenTheOldSessionIsReinstated() throws Exception {
        try (RawInitiator first = connect(); RawInitiator second = connect()) {
            first.loginNormal(PortalFixture.TARGET, keys());
            int oldTsih = first.tsih;
            second.loginNormal(PortalFixture.TARGET, keys());

            assertThat(first.closedByTarget()).isTrue();
            PortalFixtureAwait.until(() -> fixture.portal.sessions().size() == 1);
            assertThat(fixture.portal.sessions()).singleElement().satisfies(s -> assertThat(s.tsih()).isNotEqualTo(oldTsih));
            PortalFixtureAwait.until(() -> fixture.engine.closes.get() == 1);
        }
    }

    @Test
    void givenSessions_whenEndSessionsMatchesOne_thenItIsClosedAndTheOtherStays() throws Exception {
        fixture.catalog.add("iqn.2010-06.org.cairn:other", Optional.empty(), 1 << 20);
        try (RawInitiator a = connect(); RawInitiator b = connect()) {
            a.loginNormal(PortalFixture.TARGET, keys());
            b.loginNormal("iqn.2010-06.org.cairn:other", keys());
            i(a);

            int ended = fixture.portal.endSessions(s -> PortalFixture.TARGET.equals(s.targetName()), 1000);

            assertThat(ended).isEqualTo(1);
            assertThat(a.closedByTarget()).isTrue();
            PortalFixtureAwait.until(() -> fixture.portal.sessions().size() == 1);
            assertThat(fixture.portal.sessions().get(0).targetName()).isEqualTo("iqn.2010-06.org.cairn:other");
            assertThat(fixture.portal.sessions().get(0).commands()).isZero();
        }
    }

    private static void i(RawInitiator a) throws Exception {
        a.send(a.command(new byte[6], false, false, 0, null));
        assertThat(a.await(Opcode.SCSI_RESPONSE).u8(3)).isZero();
    }

    @Test
    void givenASession_whenLoggingOut_thenTheResponseCarriesTime2WaitAndTheConnectionCloses() throws Exception {
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys());
            i(i);
            assertThat(fixture.portal.sessions().get(0).commands()).isEqualTo(1);
            i.send(Pdu.of(Opcode.LOGOUT_REQUEST).immediate(true).flags(0x80).itt(70).i32(24, i.cmdSn));
            Pdu r = i.await(Opcode.LOGOUT_RESPONSE);

            assertThat(r.u8(2)).isZero();
            assertThat(r.u16(40)).isEqualTo(2);
            assertThat(i.closedByTarget()).isTrue();
            PortalFixtureAwait.until(() -> fixture.portal.sessions().isEmpty() && fixture.engine.closes.get() == 1);
        }
    }

    @Test
    void givenADataSegmentAboveMaxRecvDataSegmentLength_whenSent_thenTheTargetRejectsAndDrops() throws Exception {
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys());
            byte[] header = Pdu.of(Opcode.NOP_OUT).immediate(true).flags(0x80).itt(5).i32(20, Opcode.RESERVED_TAG).bhs();
            header[5] = 0x7f; // 8 MiB announced, never sent
            i.sendRaw(header);

            Pdu r = i.read();
            assertThat(r.opcode()).isEqualTo(Opcode.REJECT);
            assertThat(r.u8(2)).isEqualTo(Opcode.REJECT_PROTOCOL_ERROR);
            assertThat(i.closedByTarget()).isTrue();
        }
    }

    @Test
    void givenThePortal_whenClosed_thenItsSessionsEnd() throws Exception {
        try (RawInitiator i = connect()) {
            i.loginNormal(PortalFixture.TARGET, keys());
            fixture.portal.close();

            assertThat(i.closedByTarget()).isTrue();
            PortalFixtureAwait.until(() -> fixture.engine.closes.get() == 1);
        }
    }

    @Test
    void givenAnIdleSession_whenTheKeepaliveFires_thenTheTargetPings_andDropsAnInitiatorThatNeverAnswers() throws Exception {
        ((PortalImpl) fixture.portal).keepaliveMillis = 150;
        try (RawInitiator quiet = connect(); RawInitiator polite = connect()) {
            quiet.loginNormal(PortalFixture.TARGET, keys());
            polite.isid[5] = 2; // another session, not a reinstatement
            polite.loginNormal(PortalFixture.TARGET, keys());
            assertThat(fixture.portal.sessions()).hasSize(2);
            Pdu ping = polite.await(Opcode.NOP_IN);
            assertThat(ping.itt()).isEqualTo(Opcode.RESERVED_TAG);
            assertThat(ping.i32(20)).isNotEqualTo(Opcode.RESERVED_TAG);
            for (int n = 0; n < 6; n++) {
                polite.send(Pdu.of(Opcode.NOP_OUT).immediate(true).flags(0x80).itt(Opcode.RESERVED_TAG).i32(20, ping.i32(20))
                        .i32(24, polite.cmdSn));
                ping = polite.await(Opcode.NOP_IN);
            }

            assertThat(quiet.closedByTarget()).as("no answer to 3 pings: dropped").isTrue();
            PortalFixtureAwait.until(() -> fixture.portal.sessions().size() == 1); // the session ends just after the close
        }
    }
}
