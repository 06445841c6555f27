package io.cairn.iscsi.internal.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.cairn.storage.api.iscsi.LogicalUnit;

class PersistentReservationTest extends ScsiTestSupport {

    static final long KEY_A = 0xA1A1A1A1L;
    static final long KEY_B = 0xB2B2B2B2L;

    static byte[] proutCdb(int sa, int type) {
        byte[] c = new byte[10];
        c[0] = (byte) Cdb.PERSISTENT_RESERVE_OUT;
        c[1] = (byte) sa;
        c[2] = (byte) type;
        Cdb.put32(c, 5, 24);
        return c;
    }

    static byte[] params(long key, long saKey, int flags) {
        byte[] p = new byte[24];
        Cdb.put64(p, 0, key);
        Cdb.put64(p, 8, saKey);
        p[20] = (byte) flags;
        return p;
    }

    ScsiResult prout(ScsiTarget t, Nexus n, int sa, int type, long key, long saKey, int flags) {
        return t.execute(n, 0, proutCdb(sa, type), ByteBuffer.wrap(params(key, saKey, flags)), 0);
    }

    ScsiResult prout(Nexus n, int sa, int type, long key, long saKey) {
        return prout(target, n, sa, type, key, saKey, 0);
    }

    static byte[] prinCdb(int sa) {
        byte[] c = new byte[10];
        c[0] = (byte) Cdb.PERSISTENT_RESERVE_IN;
        c[1] = (byte) sa;
        Cdb.put16(c, 7, 4096);
        return c;
    }

    byte[] prin(ScsiTarget t, Nexus n, int sa) {
        return data(t.execute(n, 0, prinCdb(sa), ByteBuffer.allocate(0), 4096));
    }

    ScsiResult read(ScsiTarget t, Nexus n) {
        return t.execute(n, 0, cdb10(Cdb.READ_10, 0, 0, 1), ByteBuffer.allocate(0), 512);
    }

    ScsiResult write(ScsiTarget t, Nexus n) {
        return t.execute(n, 0, cdb10(Cdb.WRITE_10, 0, 0, 1), ByteBuffer.wrap(new byte[512]), 0);
    }

    @Test
    void givenRegistrations_whenReadKeys_thenKeysAndGeneration() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertGood(prout(b, 6, 0, 0, KEY_B));
        byte[] d = prin(target, a, 0);
        assertThat(Cdb.u32(d, 0)).as("PRgeneration").isEqualTo(2);
        assertThat(Cdb.u32(d, 4)).isEqualTo(16);
        assertThat(Cdb.u64(d, 8)).isEqualTo(KEY_A);
        assertThat(Cdb.u64(d, 16)).isEqualTo(KEY_B);
        // a registered nexus must give its key; the wrong one conflicts
        assertConflict(prout(a, 0, 0, 0x1234, 0x5678));
        assertGood(prout(a, 0, 0, KEY_A, 0x5678));
        // unregistered: REGISTER with a non-zero key conflicts; zero service-action key does nothing
        Nexus c = new Nexus("iqn.x:c", "000000000001", TARGET, 1);
        assertConflict(prout(c, 0, 0, 0x99, 0x77));
        assertGood(prout(c, 0, 0, 0, 0));
        assertThat(Cdb.u32(prin(target, a, 0), 0)).isEqualTo(3);
        // unregister
        assertGood(prout(a, 0, 0, 0x5678, 0));
        assertThat(Cdb.u32(prin(target, a, 0), 4)).isEqualTo(8);
    }

    @Test
    void givenReserve_thenReadReservationAndFullStatus() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertGood(prout(b, 0, 0, 0, KEY_B));
        assertGood(prout(a, 1, PrState.TYPE_WE, KEY_A, 0));
        assertGood(prout(a, 1, PrState.TYPE_WE, KEY_A, 0)); // same type again: fine
        assertConflict(prout(a, 1, PrState.TYPE_EA, KEY_A, 0));
        assertConflict(prout(b, 1, PrState.TYPE_WE, KEY_B, 0));
        byte[] r = prin(target, b, 1);
        assertThat(Cdb.u32(r, 4)).isEqualTo(16);
        assertThat(Cdb.u64(r, 8)).isEqualTo(KEY_A);
        assertThat(r[21]).isEqualTo((byte) PrState.TYPE_WE);
        byte[] f = prin(target, b, 3);
        int first = 8;
        assertThat(Cdb.u64(f, first)).isEqualTo(KEY_A);
        assertThat(f[first + 12] & 1).as("R_HOLDER").isEqualTo(1);
        assertThat(f[first + 13]).isEqualTo((byte) PrState.TYPE_WE);
        int tidLength = (int) Cdb.u32(f, first + 20);
        assertThat(f[first + 24]).isEqualTo((byte) 0x45);
        assertThat(new String(f, first + 28, a.initiatorPort().length())).isEqualTo(a.initiatorPort());
        int second = first + 24 + tidLength;
        assertThat(Cdb.u64(f, second)).isEqualTo(KEY_B);
        assertThat(f[second + 12] & 1).isZero();
        // release by a non-holder does nothing; by the holder with the wrong type: 26/04
        assertGood(prout(b, 2, PrState.TYPE_WE, KEY_B, 0));
        assertThat(prin(target, a, 1)[21]).isEqualTo((byte) PrState.TYPE_WE);
        assertSense(prout(a, 2, PrState.TYPE_EA, KEY_A, 0), 5, 0x26, 0x04);
        assertGood(prout(a, 2, PrState.TYPE_WE, KEY_A, 0));
        assertThat(Cdb.u32(prin(target, a, 1), 4)).isZero();
    }

    @Test
    void givenReportCapabilities_thenPtplCAndAllTypes() {
        byte[] c = prin(target, a, 2);
        assertThat(Cdb.u16(c, 0)).isEqualTo(8);
        assertThat(c[2] & 0x01).as("PTPL_C").isEqualTo(1);
        assertThat(c[2] & 0x08).as("SIP_C").isZero();
        assertThat(c[3] & 0x80).as("TMV").isNotZero();
        assertThat(Cdb.u16(c, 4)).isEqualTo(0xEA01);
        assertGood(prout(target, a, 0, 0, 0, KEY_A, 0x01));
        assertThat(prin(target, a, 2)[3] & 0x01).as("PTPL_A").isEqualTo(1);
    }

    /** Reservation by A (registered); B registered, then B unregistered: can B read / write? */
    @ParameterizedTest(name = "type {0}: registered B read {1} write {2}, unregistered B read {3} write {4}")
    @CsvSource({"1, true, false, true, false", "3, false, false, false, false", "5, true, true, true, false",
            "6, true, true, false, false", "7, true, true, true, false", "8, true, true, false, false"})
    void givenReservationType_thenAccessOfOtherNexusFollowsSpc4(int type, boolean regRead, boolean regWrite, boolean unregRead,
            boolean unregWrite) {
        assertGood(prout(a, 6, 0, 0, KEY_A));
        assertGood(prout(b, 6, 0, 0, KEY_B));
        assertGood(prout(a, 1, type, KEY_A, 0));
        assertThat(Cdb.u64(prin(target, a, 1), 8)).isEqualTo(PrState.allRegistrants(type) ? 0 : KEY_A);
        assertGood(read(target, a));
        assertGood(write(target, a));
        assertAccess(read(target, b), regRead);
        assertAccess(write(target, b), regWrite);
        assertGood(prout(b, 0, 0, KEY_B, 0));
        assertAccess(read(target, b), unregRead);
        assertAccess(write(target, b), unregWrite);
        // commands allowed whatever the reservation
        assertGood(exec(b, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
        assertGood(exec(b, cdb(Cdb.INQUIRY, 0, 0, 0, 36, 0)));
        assertGood(exec(b, cdb(Cdb.READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertAccess(exec(b, cdb10(Cdb.SYNCHRONIZE_CACHE_10, 0, 0, 0)), unregWrite);
        assertAccess(exec(b, SbcBlockCommandsTest.unmapCdb(8), SbcBlockCommandsTest.unmapList()), unregWrite);
        assertGood(prout(a, 2, type, KEY_A, 0));
        assertGood(write(target, b));
    }

    private static void assertAccess(ScsiResult r, boolean allowed) {
        if (allowed) {
            assertGood(r);
        } else {
            assertConflict(r);
        }
    }

    @Test
    void givenUnregisteredNexus_whenReserveReleaseClearPreempt_thenConflict() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertConflict(prout(b, 1, PrState.TYPE_WE, 0, 0));
        assertConflict(prout(b, 2, PrState.TYPE_WE, 0, 0));
        assertConflict(prout(b, 3, 0, 0, 0));
        assertConflict(prout(b, 4, PrState.TYPE_WE, 0, KEY_A));
    }

    @Test
    void givenPreempt_thenHolderRemovedReservationTakenAndUaToPreempted() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertGood(prout(b, 0, 0, 0, KEY_B));
        assertGood(prout(a, 1, PrState.TYPE_EA, KEY_A, 0));
        assertConflict(read(target, b));
        assertGood(prout(b, 4, PrState.TYPE_WE_RO, KEY_B, KEY_A));
        byte[] r = prin(target, b, 1);
        assertThat(Cdb.u64(r, 8)).isEqualTo(KEY_B);
        assertThat(r[21]).isEqualTo((byte) PrState.TYPE_WE_RO);
        byte[] keys = prin(target, b, 0);
        assertThat(Cdb.u32(keys, 4)).isEqualTo(8);
        assertThat(Cdb.u64(keys, 8)).isEqualTo(KEY_B);
        // A was preempted: REGISTRATIONS PREEMPTED once, then it is a non-registrant of a WE-RO reservation
        assertSense(read(target, a), 6, 0x2A, 0x05);
        assertGood(read(target, a));
        assertConflict(write(target, a));
    }

    @Test
    void givenPreemptOfANonHolderKey_thenOnlyThoseRegistrationsGo() {
        Nexus c = new Nexus("iqn.x:c", "000000000003", TARGET, 1);
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertGood(prout(b, 0, 0, 0, KEY_B));
        assertGood(prout(c, 0, 0, 0, KEY_B));
        assertGood(prout(a, 1, PrState.TYPE_WE, KEY_A, 0));
        assertGood(prout(a, 5, PrState.TYPE_WE, KEY_A, KEY_B)); // PREEMPT AND ABORT
        assertThat(Cdb.u32(prin(target, a, 0), 4)).isEqualTo(8);
        assertThat(Cdb.u64(prin(target, a, 1), 8)).isEqualTo(KEY_A);
        assertSense(exec(c, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)), 6, 0x2A, 0x05);
        assertConflict(prout(a, 4, PrState.TYPE_WE, KEY_A, 0x4444)); // no such key
        assertSense(prout(a, 4, PrState.TYPE_WE, KEY_A, 0), 5, 0x26, 0);
    }

    @Test
    void givenAllRegistrantsReservation_whenPreemptWithZeroKey_thenEveryOtherRegistrationGoes() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertGood(prout(b, 0, 0, 0, KEY_B));
        assertGood(prout(b, 1, PrState.TYPE_EA_AR, KEY_B, 0));
        assertGood(prout(a, 4, PrState.TYPE_WE, KEY_A, 0));
        byte[] r = prin(target, a, 1);
        assertThat(Cdb.u64(r, 8)).isEqualTo(KEY_A);
        assertThat(r[21]).isEqualTo((byte) PrState.TYPE_WE);
        assertSense(read(target, b), 6, 0x2A, 0x05);
    }

    @Test
    void givenClear_thenEverythingGoneAndOthersGetReservationsPreempted() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertGood(prout(b, 0, 0, 0, KEY_B));
        assertGood(prout(a, 1, PrState.TYPE_EA, KEY_A, 0));
        int generation = (int) Cdb.u32(prin(target, a, 0), 0);
        assertGood(prout(a, 3, 0, KEY_A, 0));
        byte[] keys = prin(target, a, 0);
        assertThat(Cdb.u32(keys, 0)).isEqualTo(generation + 1);
        assertThat(Cdb.u32(keys, 4)).isZero();
        assertThat(Cdb.u32(prin(target, a, 1), 4)).isZero();
        ScsiResult rs = exec(b, cdb(Cdb.REQUEST_SENSE, 0, 0, 0, 18, 0));
        assertThat(data(rs)[12]).isEqualTo((byte) 0x2A);
        assertThat(data(rs)[13]).isEqualTo((byte) 0x03);
        assertGood(write(target, b));
        assertGood(write(target, a));
    }

    @Test
    void givenRegistrantsOnlyReservation_whenReleased_thenOtherRegistrantsGetReservationsReleased() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertGood(prout(b, 0, 0, 0, KEY_B));
        assertGood(prout(a, 1, PrState.TYPE_WE_RO, KEY_A, 0));
        assertGood(prout(a, 2, PrState.TYPE_WE_RO, KEY_A, 0));
        assertSense(read(target, b), 6, 0x2A, 0x04);
        assertGood(read(target, a));
    }

    @Test
    void givenBadProutFields_thenRefused() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertSense(prout(target, a, 1, 0, KEY_A, 0, 0), 5, 0x24, 0); // type 0
        assertSense(prout(target, a, 1, 0x10 | 1, KEY_A, 0, 0), 5, 0x24, 0); // scope
        assertSense(prout(target, a, 7, 1, KEY_A, 0, 0), 5, 0x24, 0); // REGISTER AND MOVE
        assertSense(prout(target, b, 0, 0, 0, KEY_B, 0x08), 5, 0x26, 0); // SPEC_I_PT
        byte[] c = proutCdb(0, 0);
        Cdb.put32(c, 5, 20);
        assertSense(target.execute(b, 0, c, ByteBuffer.wrap(new byte[20]), 0), 5, 0x1A, 0);
    }

    @Test
    void givenAllTargetPortsRegistration_thenItCoversTheInitiatorOnEveryTargetPort() {
        Nexus aOtherPort = new Nexus(a.initiatorName(), a.isid(), "iqn.2010-06.org.cairn:vg1-0000-tgt1", 1);
        assertGood(prout(target, a, 0, 0, 0, KEY_A, 0x04));
        assertGood(prout(a, 1, PrState.TYPE_EA_RO, KEY_A, 0));
        assertGood(read(target, aOtherPort));
        assertConflict(read(target, b));
        byte[] f = prin(target, a, 3);
        assertThat(f[8 + 12] & 0x02).as("ALL_TG_PT").isEqualTo(2);
    }

    @Test
    void givenNewEngineOverTheSameStore_thenReservationSurvivesControllerRestart() {
        assertGood(prout(a, 0, 0, 0, KEY_A));
        assertGood(prout(b, 0, 0, 0, KEY_B));
        assertGood(prout(a, 1, PrState.TYPE_WE, KEY_A, 0));
        target.close();
        SbcEngine restarted = new SbcEngine();
        ScsiTarget t = restarted.target(TARGET, List.of(new LogicalUnit(0, new RamVDisk(SIZE), LU_ID)), store);
        assertConflict(write(t, b));
        assertGood(read(t, b));
        assertGood(write(t, a));
        assertThat(Cdb.u64(prin(t, b, 1), 8)).isEqualTo(KEY_A);
        assertThat(Cdb.u32(prin(t, b, 0), 0)).isEqualTo(2);
    }

    @Test
    void givenTwoEnginesSharingOneStore_thenBothSeeOneStateAndUasCrossEngines() {
        ScsiTarget other = new SbcEngine().target(TARGET, List.of(new LogicalUnit(0, disk, LU_ID)), store);
        assertGood(prout(a, 0, 0, 0, KEY_A)); // A on node 1
        assertGood(prout(other, b, 0, 0, 0, KEY_B, 0)); // B on node 2
        assertGood(prout(a, 1, PrState.TYPE_EA, KEY_A, 0));
        assertConflict(read(other, b));
        assertThat(Cdb.u32(prin(other, b, 0), 4)).isEqualTo(16);
        // B preempts from node 2; A on node 1 gets REGISTRATIONS PREEMPTED and then conflicts
        assertGood(prout(other, b, 4, PrState.TYPE_EA, KEY_B, KEY_A, 0));
        assertSense(read(target, a), 6, 0x2A, 0x05);
        assertConflict(read(target, a));
        assertGood(read(other, b));
        // concurrent registrations from both engines: none lost
        Nexus[] many = new Nexus[20];
        Thread[] threads = new Thread[many.length];
        for (int i = 0; i < many.length; i++) {
            many[i] = new Nexus("iqn.x:n" + i, "00000000000" + (i % 10), TARGET, 1);
            ScsiTarget t = i % 2 == 0 ? target : other;
            Nexus n = many[i];
            long key = 1000 + i;
            threads[i] = Thread.ofVirtual().start(() -> assertGood(prout(t, n, 0, 0, 0, key, 0)));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        assertThat(Cdb.u32(prin(target, b, 0), 4)).isEqualTo(8L * (1 + many.length));
    }

    @Test
    void givenStateEncoding_thenRoundTripsAndRejectsForeignBytes() {
        PrState s = new PrState();
        s.generation = 7;
        s.aptpl = true;
        s.registrations.add(new PrState.Registration("iqn.a,i,0x1", "iqn.t,t,0x0001", 5));
        s.registrations.add(new PrState.Registration("iqn.b,i,0x2", "", 6));
        s.type = PrState.TYPE_WE_RO;
        s.holder = s.registrations.get(1);
        s.addUa(s.registrations.get(0), Sense.UA_RESERVATIONS_RELEASED);
        PrState d = PrState.decode(s.encode());
        assertThat(d.generation).isEqualTo(7);
        assertThat(d.aptpl).isTrue();
        assertThat(d.registrations).isEqualTo(s.registrations);
        assertThat(d.type).isEqualTo(PrState.TYPE_WE_RO);
        assertThat(d.holder).isEqualTo(s.registrations.get(1));
        assertThat(d.pendingUas.get("iqn.a,i,0x1|iqn.t,t,0x0001")).containsExactly(Sense.UA_RESERVATIONS_RELEASED);
        assertThat(s.encode()).hasSizeLessThan(120);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PrState.decode(new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
