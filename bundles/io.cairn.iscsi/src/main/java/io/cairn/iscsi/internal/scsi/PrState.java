package io.cairn.iscsi.internal.scsi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The persistent-reservation state of one logical unit (SPC-4 §5.13): registrations, the
 * reservation, PRgeneration, APTPL, and the unit attentions still owed to I_T nexuses because of
 * PREEMPT, CLEAR and RELEASE (kept here so a nexus served by another engine or node gets them).
 * Mutable only while an engine applies one PERSISTENT RESERVE OUT to a {@link #copy()}; the cached
 * instance is never changed. Encoded compactly with a format version ({@link #encode()}).
 */
final class PrState {

    static final int TYPE_NONE = 0;
    static final int TYPE_WE = 1;
    static final int TYPE_EA = 3;
    static final int TYPE_WE_RO = 5;
    static final int TYPE_EA_RO = 6;
    static final int TYPE_WE_AR = 7;
    static final int TYPE_EA_AR = 8;

    /** Bounds that keep the encoded state small whatever initiators do. */
    static final int MAX_REGISTRATIONS = 1024;
    static final int MAX_UAS_PER_NEXUS = 8;

    private static final int MAGIC = 0x4350; // "CP"
    private static final int FORMAT_V1 = 1;

    /**
     * One registration: the initiator port and the target port (empty: all target ports, ALL_TG_PT).
     */
    record Registration(String initiatorPort, String targetPort, long key) {

        boolean matches(Nexus n) {
            return initiatorPort.equals(n.initiatorPort()) && (targetPort.isEmpty() || targetPort.equals(n.targetPort()));
        }

        boolean sameNexus(Registration o) {
            return o != null && initiatorPort.equals(o.initiatorPort) && targetPort.equals(o.targetPort);
        }

        boolean allTargetPorts() {
            return targetPort.isEmpty();
        }

        /** The key under which unit attentions for this registration's nexus are kept. */
        String uaKey() {
            return initiatorPort + "|" + targetPort;
        }
    }

    static final PrState EMPTY = new PrState();

    int generation;
    boolean aptpl;
    final List<Registration> registrations = new ArrayList<>();
    int type = TYPE_NONE;
    /** The holding registration's nexus (key ignored); null for none and for all-registrants types. */
    Registration holder;
    final Map<String, Deque<Integer>> pendingUas = new LinkedHashMap<>();

    PrState copy() {
        PrState c = new PrState();
        c.generation = generation;
        c.aptpl = aptpl;
        c.registrations.addAll(registrations);
        c.type = type;
        c.holder = holder;
        pendingUas.forEach((k, v) -> c.pendingUas.put(k, new ArrayDeque<>(v)));
        return c;
    }

    static boolean validType(int type) {
        return type == TYPE_WE || type == TYPE_EA || type == TYPE_WE_RO || type == TYPE_EA_RO || type == TYPE_WE_AR
                || type == TYPE_EA_AR;
    }

    static boolean allRegistrants(int type) {
        return type == TYPE_WE_AR || type == TYPE_EA_AR;
    }

    static boolean registrantsOnly(int type) {
        return type == TYPE_WE_RO || type == TYPE_EA_RO;
    }

    boolean reserved() {
        return type != TYPE_NONE;
    }

    Registration registrationOf(Nexus n) {
        for (Registration r : registrations) {
            if (r.matches(n)) {
                return r;
            }
        }
        return null;
    }

    boolean isHolder(Nexus n) {
        if (!reserved()) {
            return false;
        }
        Registration r = registrationOf(n);
        return r != null && (allRegistrants(type) || r.sameNexus(holder));
    }

    /** The key READ RESERVATION reports: the holder's, or 0 for all-registrants types. */
    long reservationKey() {
        if (!reserved() || allRegistrants(type)) {
            return 0;
        }
        for (Registration r : registrations) {
            if (r.sameNexus(holder)) {
                return r.key;
            }
        }
        return 0;
    }

    boolean isHolderRegistration(Registration r) {
        return reserved() && (allRegistrants(type) || r.sameNexus(holder));
    }

    void addUa(Registration r, int ua) {
        Deque<Integer> q = pendingUas.computeIfAbsent(r.uaKey(), k -> new ArrayDeque<>());
        if (q.size() < MAX_UAS_PER_NEXUS && !q.contains(ua)) {
            q.add(ua);
        }
    }

    /** The key of the first pending unit attention for {@code n}, or null. */
    String pendingUaKey(Nexus n) {
        if (pendingUas.isEmpty()) {
            return null;
        }
        String exact = n.initiatorPort() + "|" + n.targetPort();
        String any = n.initiatorPort() + "|";
        if (pendingUas.containsKey(exact)) {
            return exact;
        }
        return pendingUas.containsKey(any) ? any : null;
    }

    // ------------------------------------------------------------------ encoding

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + registrations.size() * 96);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeShort(MAGIC);
            out.writeByte(FORMAT_V1);
            out.writeInt(generation);
            out.writeByte(aptpl ? 1 : 0);
            out.writeByte(type);
            int holderIndex = -1;
            if (holder != null) {
                for (int i = 0; i < registrations.size(); i++) {
                    if (registrations.get(i).sameNexus(holder)) {
                        holderIndex = i;
                    }
                }
            }
            out.writeShort(holderIndex);
            out.writeShort(registrations.size());
            for (Registration r : registrations) {
                out.writeUTF(r.initiatorPort);
                out.writeUTF(r.targetPort);
                out.writeLong(r.key);
            }
            out.writeShort(pendingUas.size());
            for (Map.Entry<String, Deque<Integer>> e : pendingUas.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeByte(e.getValue().size());
                for (int ua : e.getValue()) {
                    out.writeShort(ua);
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes {@link #encode()}'s bytes; throws IllegalArgumentException on anything else. */
    static PrState decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return EMPTY;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readUnsignedShort() != MAGIC) {
                throw new IllegalArgumentException("not a Cairn persistent-reservation state");
            }
            int format = in.readUnsignedByte();
            if (format != FORMAT_V1) {
                throw new IllegalArgumentException("persistent-reservation state format " + format + " is newer than this engine");
            }
            PrState s = new PrState();
            s.generation = in.readInt();
            s.aptpl = (in.readUnsignedByte() & 1) != 0;
            s.type = in.readUnsignedByte();
            int holderIndex = in.readShort();
            int n = in.readUnsignedShort();
            for (int i = 0; i < n; i++) {
                s.registrations.add(new Registration(in.readUTF(), in.readUTF(), in.readLong()));
            }
            if (holderIndex >= 0 && holderIndex < n) {
                s.holder = s.registrations.get(holderIndex);
            }
            if (s.type != TYPE_NONE && !allRegistrants(s.type) && s.holder == null) {
                s.type = TYPE_NONE;
            }
            int uas = in.readUnsignedShort();
            for (int i = 0; i < uas; i++) {
                String key = in.readUTF();
                int m = in.readUnsignedByte();
                Deque<Integer> q = new ArrayDeque<>(m);
                for (int j = 0; j < m; j++) {
                    q.add(in.readUnsignedShort());
                }
                s.pendingUas.put(key, q);
            }
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated persistent-reservation state", e);
        }
    }
}
