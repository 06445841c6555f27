package io.cairn.iscsi.internal.scsi;

import static io.cairn.iscsi.internal.scsi.Cdb.put16;
import static io.cairn.iscsi.internal.scsi.Cdb.put32;
import static io.cairn.iscsi.internal.scsi.Cdb.put64;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.cairn.iscsi.internal.scsi.PrState.Registration;

/**
 * PERSISTENT RESERVE IN/OUT (SPC-4 §6.15, §6.16, §5.13) and the access rules of SPC-4 table 52
 * and SBC-3 table 13 ("commands that are allowed in the presence of various reservations").
 * Stateless: every method works on a {@link PrState} the caller loaded (and, for OUT, stores).
 */
final class PersistentReservations {

    /** How a command is treated in the presence of a persistent reservation. */
    enum Access {
        /** Allowed whatever the reservation (INQUIRY, REPORT LUNS, PR IN/OUT, READ CAPACITY, ...). */
        ALWAYS,
        /** Reads the medium or its description. */
        READ,
        /** Changes the medium or the device's parameters. */
        WRITE
    }

    static final int SA_REGISTER = 0;
    static final int SA_RESERVE = 1;
    static final int SA_RELEASE = 2;
    static final int SA_CLEAR = 3;
    static final int SA_PREEMPT = 4;
    static final int SA_PREEMPT_AND_ABORT = 5;
    static final int SA_REGISTER_AND_IGNORE = 6;
    static final int SA_REGISTER_AND_MOVE = 7;

    static final int SA_READ_KEYS = 0;
    static final int SA_READ_RESERVATION = 1;
    static final int SA_REPORT_CAPABILITIES = 2;
    static final int SA_READ_FULL_STATUS = 3;

    /** The relative target port identifier of every target port (one port per target, TPGT 1). */
    static final int RELATIVE_TARGET_PORT = 1;

    private PersistentReservations() {
    }

    /** true if {@code n} may not run a command of kind {@code access} now. */
    static boolean conflicts(PrState s, Nexus n, Access access) {
        if (access == Access.ALWAYS || !s.reserved() || s.isHolder(n)) {
            return false;
        }
        boolean registered = s.registrationOf(n) != null;
        return switch (s.type) {
            case PrState.TYPE_WE -> access == Access.WRITE;
            case PrState.TYPE_EA -> true;
            case PrState.TYPE_WE_RO, PrState.TYPE_WE_AR -> !registered && access == Access.WRITE;
            case PrState.TYPE_EA_RO, PrState.TYPE_EA_AR -> !registered;
            default -> false;
        };
    }

    // ---------------------------------------------------------------- PERSISTENT RESERVE IN

    static ByteBuffer in(PrState s, byte[] cdb) {
        int sa = cdb[1] & 0x1F;
        int alloc = Cdb.u16(cdb, 7);
        byte[] data = switch (sa) {
            case SA_READ_KEYS -> readKeys(s);
            case SA_READ_RESERVATION -> readReservation(s);
            case SA_REPORT_CAPABILITIES -> reportCapabilities(s);
            case SA_READ_FULL_STATUS -> readFullStatus(s);
            default -> throw ScsiError.invalidCdb(1, 4);
        };
        return ByteBuffer.wrap(data, 0, Math.min(alloc, data.length)).slice();
    }

    private static byte[] readKeys(PrState s) {
        byte[] d = new byte[8 + 8 * s.registrations.size()];
        put32(d, 0, s.generation);
        put32(d, 4, 8L * s.registrations.size());
        int p = 8;
        for (Registration r : s.registrations) {
            put64(d, p, r.key());
            p += 8;
        }
        return d;
    }

    private static byte[] readReservation(PrState s) {
        if (!s.reserved()) {
            byte[] d = new byte[8];
            put32(d, 0, s.generation);
            return d;
        }
        byte[] d = new byte[24];
        put32(d, 0, s.generation);
        put32(d, 4, 16);
        put64(d, 8, s.reservationKey());
        d[21] = (byte) s.type; // scope LU (0) in the upper nibble
        return d;
    }

    private static byte[] reportCapabilities(PrState s) {
        byte[] d = new byte[8];
        put16(d, 0, 8);
        // RLR_C 0, CRH 0, SIP_C 0 (SPEC_I_PT refused), ATP_C 1, PTPL_C 1
        d[2] = 0x04 | 0x01;
        // TMV 1, ALLOW COMMANDS 000b (no information), PTPL_A
        d[3] = (byte) (0x80 | (s.aptpl ? 0x01 : 0));
        // type mask: WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX | EX_AC_AR
        d[4] = (byte) (0x80 | 0x40 | 0x20 | 0x08 | 0x02);
        d[5] = 0x01;
        return d;
    }

    private static byte[] readFullStatus(PrState s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Registration r : s.registrations) {
            byte[] tid = transportId(r.initiatorPort());
            byte[] d = new byte[24];
            put64(d, 0, r.key());
            d[12] = (byte) ((r.allTargetPorts() ? 0x02 : 0) | (s.isHolderRegistration(r) ? 0x01 : 0));
            if (s.isHolderRegistration(r)) {
                d[13] = (byte) s.type;
            }
            put16(d, 18, RELATIVE_TARGET_PORT);
            put32(d, 20, tid.length);
            out.writeBytes(d);
            out.writeBytes(tid);
        }
        byte[] descriptors = out.toByteArray();
        byte[] d = new byte[8 + descriptors.length];
        put32(d, 0, s.generation);
        put32(d, 4, descriptors.length);
        System.arraycopy(descriptors, 0, d, 8, descriptors.length);
        return d;
    }

    /** An iSCSI TransportID, format 01b (name + ",i,0x" + ISID), SPC-4 §7.6.4.6. */
    static byte[] transportId(String initiatorPort) {
        byte[] name = initiatorPort.getBytes(StandardCharsets.UTF_8);
        int len = (name.length + 1 + 3) & ~3; // null-terminated, padded to 4
        if (len < 20) {
            len = 20;
        }
        byte[] d = new byte[4 + len];
        d[0] = 0x40 | 0x05;
        put16(d, 2, len);
        System.arraycopy(name, 0, d, 4, name.length);
        return d;
    }

    // ---------------------------------------------------------------- PERSISTENT RESERVE OUT

    /** What a PERSISTENT RESERVE OUT asked for, parsed and checked before any state is loaded. */
    record OutRequest(int serviceAction, int scope, int type, long key, long serviceActionKey, boolean specIPt,
            boolean allTgPt, boolean aptpl) {
    }

    static OutRequest parseOut(byte[] cdb, ByteBuffer dataOut) {
        int sa = cdb[1] & 0x1F;
        int scope = (cdb[2] >> 4) & 0x0F;
        int type = cdb[2] & 0x0F;
        long length = Cdb.u32(cdb, 5);
        if (sa > SA_REGISTER_AND_IGNORE) {
            // REGISTER AND MOVE is optional and not supported; others are reserved
            throw ScsiError.invalidCdb(1, 4);
        }
        if (sa == SA_RESERVE || sa == SA_RELEASE || sa == SA_PREEMPT || sa == SA_PREEMPT_AND_ABORT) {
            if (scope != 0) {
                throw ScsiError.invalidCdb(2, 7);
            }
            if (!PrState.validType(type)) {
                throw ScsiError.invalidCdb(2, 3);
            }
        }
        if (length != 24) {
            throw ScsiError.parameterListLength();
        }
        if (dataOut.remaining() < 24) {
            throw ScsiError.parameterListLength();
        }
        byte[] p = new byte[24];
        dataOut.duplicate().get(p);
        boolean specIPt = (p[20] & 0x08) != 0;
        boolean allTgPt = (p[20] & 0x04) != 0;
        boolean aptpl = (p[20] & 0x01) != 0;
        if (specIPt) {
            // SIP_C = 0: SPC-4 §6.16.3 "INVALID FIELD IN PARAMETER LIST"
            throw ScsiError.invalidParameter(20);
        }
        if (allTgPt && sa != SA_REGISTER && sa != SA_REGISTER_AND_IGNORE) {
            throw ScsiError.invalidParameter(20);
        }
        return new OutRequest(sa, scope, type, Cdb.u64(p, 0), Cdb.u64(p, 8), specIPt, allTgPt, aptpl);
    }

    /**
     * Applies {@code r} from {@code n} to {@code s} (a copy the caller stores afterwards).
     *
     * @return true if the state changed (the caller compare-and-sets it), false if nothing is to be stored
     * @throws ScsiError RESERVATION CONFLICT or CHECK CONDITION; {@code s} is then to be discarded
     */
    static boolean apply(PrState s, Nexus n, OutRequest r) {
        Registration mine = s.registrationOf(n);
        return switch (r.serviceAction()) {
            case SA_REGISTER, SA_REGISTER_AND_IGNORE -> register(s, n, mine, r);
            case SA_RESERVE -> reserve(s, checkKey(mine, r), r);
            case SA_RELEASE -> release(s, checkKey(mine, r), r);
            case SA_CLEAR -> clear(s, checkKey(mine, r));
            case SA_PREEMPT, SA_PREEMPT_AND_ABORT -> preempt(s, checkKey(mine, r), r);
            default -> throw ScsiError.invalidCdb(1, 4);
        };
    }

    private static Registration checkKey(Registration mine, OutRequest r) {
        if (mine == null || mine.key() != r.key()) {
            throw ScsiError.conflict();
        }
        return mine;
    }

    private static boolean register(PrState s, Nexus n, Registration mine, OutRequest r) {
        boolean ignore = r.serviceAction() == SA_REGISTER_AND_IGNORE;
        if (mine == null) {
            if (!ignore && r.key() != 0) {
                throw ScsiError.conflict();
            }
            if (r.serviceActionKey() == 0) {
                return false;
            }
            if (s.registrations.size() >= PrState.MAX_REGISTRATIONS) {
                throw ScsiError.of(Sense.ILLEGAL_REQUEST, 0x55, 0x04); // INSUFFICIENT REGISTRATION RESOURCES
            }
            s.registrations.add(new Registration(n.initiatorPort(), r.allTgPt() ? "" : n.targetPort(), r.serviceActionKey()));
            s.aptpl = r.aptpl();
            s.generation++;
            return true;
        }
        if (!ignore && mine.key() != r.key()) {
            throw ScsiError.conflict();
        }
        if (r.serviceActionKey() == 0) {
            unregister(s, mine);
        } else {
            s.registrations.set(s.registrations.indexOf(mine),
                    new Registration(mine.initiatorPort(), mine.targetPort(), r.serviceActionKey()));
            s.aptpl = r.aptpl();
        }
        s.generation++;
        return true;
    }

    /** Removes {@code mine}; releases the reservation if it held it (SPC-4 §5.13.11.2.3). */
    private static void unregister(PrState s, Registration mine) {
        boolean wasHolder = s.isHolderRegistration(mine);
        s.registrations.remove(mine);
        if (!wasHolder) {
            return;
        }
        if (PrState.allRegistrants(s.type)) {
            if (s.registrations.isEmpty()) {
                s.type = PrState.TYPE_NONE;
            }
            return;
        }
        int type = s.type;
        s.type = PrState.TYPE_NONE;
        s.holder = null;
        if (PrState.registrantsOnly(type)) {
            for (Registration o : s.registrations) {
                s.addUa(o, Sense.UA_RESERVATIONS_RELEASED);
            }
        }
    }

    private static boolean reserve(PrState s, Registration mine, OutRequest r) {
        if (!s.reserved()) {
            s.type = r.type();
            s.holder = PrState.allRegistrants(r.type()) ? null : new Registration(mine.initiatorPort(), mine.targetPort(), 0);
            return true;
        }
        if (s.isHolderRegistration(mine) && s.type == r.type()) {
            return false;
        }
        throw ScsiError.conflict();
    }

    private static boolean release(PrState s, Registration mine, OutRequest r) {
        if (!s.reserved() || !s.isHolderRegistration(mine)) {
            return false;
        }
        if (s.type != r.type()) {
            throw ScsiError.of(Sense.ILLEGAL_REQUEST, 0x26, 0x04); // INVALID RELEASE OF PERSISTENT RESERVATION
        }
        int type = s.type;
        s.type = PrState.TYPE_NONE;
        s.holder = null;
        if (type != PrState.TYPE_WE && type != PrState.TYPE_EA) {
            for (Registration o : s.registrations) {
                if (!o.sameNexus(mine)) {
                    s.addUa(o, Sense.UA_RESERVATIONS_RELEASED);
                }
            }
        }
        return true;
    }

    private static boolean clear(PrState s, Registration mine) {
        for (Registration o : s.registrations) {
            if (!o.sameNexus(mine)) {
                s.addUa(o, Sense.UA_RESERVATIONS_PREEMPTED);
            }
        }
        s.registrations.clear();
        s.type = PrState.TYPE_NONE;
        s.holder = null;
        s.generation++;
        return true;
    }

    private static boolean preempt(PrState s, Registration mine, OutRequest r) {
        long victim = r.serviceActionKey();
        if (!s.reserved() || PrState.allRegistrants(s.type) && victim != 0) {
            // no reservation to preempt (or a key of an all-registrants reservation): remove registrations only
            if (victim == 0) {
                throw ScsiError.invalidParameter(8);
            }
            if (removeKey(s, victim, null) == 0) {
                throw ScsiError.conflict();
            }
            s.generation++;
            return true;
        }
        if (PrState.allRegistrants(s.type)) {
            // key 0 preempts every other registrant and the reservation
            removeKey(s, null, mine);
            takeReservation(s, mine, r.type());
            s.generation++;
            return true;
        }
        if (victim == s.reservationKey()) {
            int oldType = s.type;
            removeKey(s, victim, mine);
            takeReservation(s, mine, r.type());
            if (oldType != r.type()) {
                for (Registration o : s.registrations) {
                    if (!o.sameNexus(mine)) {
                        s.addUa(o, Sense.UA_RESERVATIONS_RELEASED);
                    }
                }
            }
            s.generation++;
            return true;
        }
        if (victim == 0) {
            throw ScsiError.invalidParameter(8);
        }
        if (removeKey(s, victim, null) == 0) {
            throw ScsiError.conflict();
        }
        s.generation++;
        return true;
    }

    private static void takeReservation(PrState s, Registration mine, int type) {
        s.type = type;
        s.holder = PrState.allRegistrants(type) ? null : new Registration(mine.initiatorPort(), mine.targetPort(), 0);
    }

    /**
     * Removes the registrations with {@code key} (null: every one), except {@code keep}, and owes
     * each removed nexus REGISTRATIONS PREEMPTED. Returns how many went.
     */
    private static int removeKey(PrState s, Long key, Registration keep) {
        List<Registration> gone = new ArrayList<>();
        for (Registration o : s.registrations) {
            if ((key == null || o.key() == key) && !o.sameNexus(keep)) {
                gone.add(o);
            }
        }
        s.registrations.removeAll(gone);
        for (Registration o : gone) {
            s.addUa(o, Sense.UA_REGISTRATIONS_PREEMPTED);
            if (o.sameNexus(s.holder)) {
                s.holder = null;
                s.type = PrState.TYPE_NONE;
            }
        }
        if (PrState.allRegistrants(s.type) && s.registrations.isEmpty()) {
            s.type = PrState.TYPE_NONE;
        }
        return gone.size();
    }
}
