package io.cairn.iscsi.internal.scsi;

import static io.cairn.iscsi.internal.scsi.Cdb.put16;
import static io.cairn.iscsi.internal.scsi.Cdb.put32;
import static io.cairn.iscsi.internal.scsi.Cdb.put64;
import static io.cairn.iscsi.internal.scsi.Cdb.u16;
import static io.cairn.iscsi.internal.scsi.Cdb.u32;
import static io.cairn.iscsi.internal.scsi.Cdb.u64;
import static io.cairn.iscsi.internal.scsi.Cdb.u8;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.error.CairnException;
import io.cairn.iscsi.internal.scsi.PersistentReservations.Access;
import io.cairn.storage.api.iscsi.LogicalUnit;
import io.cairn.storage.api.iscsi.ReservationStore;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.VDiskIo;

/** The SCSI side of one target: the commands of spec 50 §1 on its logical units. */
final class SbcTarget implements ScsiTarget {

    static final int BLOCK = 512;
    static final int PHYSICAL_BLOCK = 4096;
    /** LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: 2^3 = 8 logical blocks per physical block. */
    static final int LBPPBE = 3;
    /**
     * Longest READ/WRITE/VERIFY (blocks): 32 MiB. The transport buffers a write whole before it runs
     * ({@code Connection.MAX_WRITE_BYTES} is the same 32 MiB).
     */
    static final int MAX_TRANSFER_BLOCKS = 65536;
    /** Optimal transfer length: one 1 MiB vBlock (and one MaxBurstLength). */
    static final int OPTIMAL_TRANSFER_BLOCKS = 2048;
    /**
     * Blocks one UNMAP may deallocate: 512 MiB. Deviates from spec 50 §1 (4194304): libiscsi's
     * SCSI.Inquiry.BlockLimits, which the issue requires to pass, calls anything above 1048576 insane.
     */
    static final int MAX_UNMAP_LBA_COUNT = 1048576;
    static final int MAX_UNMAP_DESCRIPTORS = 256;
    static final int OPTIMAL_UNMAP_GRANULARITY = 2048;
    static final long MAX_WRITE_SAME_LENGTH = 4194304;
    static final int MAX_COMPARE_AND_WRITE_LENGTH = 255;
    /** WRITE SAME writes a non-zero pattern in pieces of this many bytes (one vBlock). */
    static final int WRITE_SAME_CHUNK = 1 << 20;
    /** How long READ, WRITE and VERIFY trust the vDisk size last read (a resize shows within this time). */
    static final long SIZE_TTL_NANOS = 1_000_000_000L;
    /** The additional sense code of LOGICAL BLOCK ADDRESS OUT OF RANGE. */
    private static final int LBA_OUT_OF_RANGE_ASC = 0x21;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Logger logger = LoggerFactory.getLogger(SbcTarget.class);

    private record Lu(LogicalUnit unit, SharedLu shared, SizeCache size) {
        VDiskIo io() {
            return unit.io();
        }
    }

    /**
     * The vDisk size as last read from its {@link VDiskIo}. Reading it is a catalog (Medusa) lookup in Stargate, which
     * cost READ and WRITE more than the I/O itself when done per command; they use a size at most
     * {@link #SIZE_TTL_NANOS} old and read it again before answering LBA OUT OF RANGE. Every other command reads it.
     */
    private static final class SizeCache {
        /** One size and when its read began, published together; a read that began earlier never replaces a later one. */
        private record Read(long bytes, long startedAt) {
        }

        private final java.util.concurrent.atomic.AtomicReference<Read> last = new java.util.concurrent.atomic.AtomicReference<>();

        long get(VDiskIo io, boolean cachedOk) {
            long now = System.nanoTime();
            Read r = last.get();
            if (cachedOk && r != null && now - r.startedAt() < SIZE_TTL_NANOS) {
                return r.bytes();
            }
            Read fresh = new Read(io.vdisk().sizeBytes(), now);
            last.accumulateAndGet(fresh, (old, mine) -> old == null || old.startedAt() - mine.startedAt() < 0 ? mine : old);
            return fresh.bytes();
        }
    }

    private final SbcEngine engine;
    private final String targetName;
    private final Map<Integer, Lu> luns;
    private final ReservationStore store;
    private final AtomicBoolean closed = new AtomicBoolean();

    SbcTarget(SbcEngine engine, String targetName, List<LogicalUnit> units, List<SharedLu> shared, ReservationStore store) {
        this.engine = engine;
        this.targetName = targetName;
        this.store = store;
        Map<Integer, Lu> m = new HashMap<>();
        for (int i = 0; i < units.size(); i++) {
            m.put(units.get(i).lun(), new Lu(units.get(i), shared.get(i), new SizeCache()));
        }
        this.luns = Map.copyOf(m);
    }

    // ------------------------------------------------------------------ ScsiTarget

    @Override
    public ScsiResult execute(Nexus nexus, int lun, byte[] cdb, ByteBuffer dataOut, int expectedDataInLength) {
        if (cdb == null || cdb.length == 0) {
            return ScsiError.of(Sense.ILLEGAL_REQUEST, 0x20, 0x00).toResult();
        }
        int op = cdb[0] & 0xFF;
        ByteBuffer out = dataOut == null ? EMPTY : dataOut;
        try {
            int length = Cdb.lengthOf(op);
            if (length > 0 && cdb.length < length) {
                throw ScsiError.invalidCdb(0);
            }
            Lu lu = luns.get(lun);
            if (lu == null) {
                return noSuchLun(op, cdb);
            }
            if (!transfersData(op)) {
                return execute(lu, nexus, op, cdb, out, false);
            }
            try {
                return execute(lu, nexus, op, cdb, out, true);
            } catch (ScsiError e) {
                if (e.asc != LBA_OUT_OF_RANGE_ASC) {
                    throw e;
                }
                // nothing ran yet (the range is checked before any I/O): the vDisk may have grown since its size was read
                return execute(lu, nexus, op, cdb, out, false);
            }
        } catch (ScsiError e) {
            return e.toResult();
        } catch (StargateException e) {
            return ioError(e, op).toResult();
        } catch (CairnException e) {
            // the reservation store failed
            logger.info("target {}: reservation store failed: {}", targetName, e.toString());
            return storeError(e).toResult();
        } catch (RuntimeException e) {
            logger.warn("target {} LUN {}: command 0x{} failed", targetName, lun, Integer.toHexString(op), e);
            return ScsiError.of(Sense.HARDWARE_ERROR, 0x44, 0x00).toResult();
        }
    }

    @Override
    public void reset(Nexus nexus, int lun) {
        int ua = lun < 0 ? Sense.UA_POWER_ON_RESET : Sense.UA_BUS_DEVICE_RESET;
        for (Lu lu : luns.values()) {
            if (lun >= 0 && lu.unit.lun() != lun) {
                continue;
            }
            lu.shared.nexuses.forEach((n, state) -> {
                if (!n.equals(nexus)) {
                    state.add(ua);
                }
            });
        }
    }

    @Override
    public void nexusEnded(Nexus nexus) {
        for (Lu lu : luns.values()) {
            lu.shared.nexuses.remove(nexus);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Lu lu : luns.values()) {
            try {
                lu.io().close();
            } catch (RuntimeException e) {
                logger.info("target {} LUN {}: closing its vDisk I/O failed: {}", targetName, lu.unit.lun(), e.toString());
            }
            engine.release(lu.shared);
        }
    }

    // ------------------------------------------------------------------ dispatch

    private ScsiResult noSuchLun(int op, byte[] cdb) {
        return switch (op) {
            case Cdb.INQUIRY -> {
                if ((cdb[1] & 0x01) != 0) {
                    byte[] d = new byte[4];
                    d[0] = 0x7F;
                    d[1] = cdb[2];
                    yield ScsiResult.good(truncate(d, u16(cdb, 3)));
                }
                yield inquiryStandard(cdb, false);
            }
            case Cdb.REPORT_LUNS -> reportLuns(cdb);
            case Cdb.REQUEST_SENSE -> requestSense(cdb, Sense.fixed(Sense.ILLEGAL_REQUEST, 0x25, 0x00));
            default -> ScsiError.of(Sense.ILLEGAL_REQUEST, 0x25, 0x00).toResult();
        };
    }

    /** READ, WRITE and VERIFY: the commands that may use a recently read vDisk size. */
    private static boolean transfersData(int op) {
        return switch (op) {
            case Cdb.READ_6, Cdb.READ_10, Cdb.READ_12, Cdb.READ_16, Cdb.WRITE_6, Cdb.WRITE_10, Cdb.WRITE_12, Cdb.WRITE_16,
                    Cdb.VERIFY_10, Cdb.VERIFY_12, Cdb.VERIFY_16 -> true;
            default -> false;
        };
    }

    private ScsiResult execute(Lu lu, Nexus nexus, int op, byte[] cdb, ByteBuffer out, boolean cachedSize) {
        long size = lu.size.get(lu.io(), cachedSize);
        long blocks = size / BLOCK;
        SharedLu.NexusState ns = lu.shared.nexus(nexus, size);
        ns.observeCapacity(size);
        if (op == Cdb.INQUIRY) {
            return inquiry(lu, nexus, cdb, blocks);
        }
        if (op == Cdb.REPORT_LUNS) {
            return reportLuns(cdb);
        }
        SharedLu.Pr pr = lu.shared.load(store);
        Integer ua = nextUa(lu, nexus, ns, pr);
        if (op == Cdb.REQUEST_SENSE) {
            return requestSense(cdb, ua == null ? Sense.fixed(Sense.NO_SENSE, 0, 0) : Sense.fixed(Sense.UNIT_ATTENTION, ua >> 8, ua & 0xFF));
        }
        if (ua != null) {
            return ScsiError.of(Sense.UNIT_ATTENTION, ua >> 8, ua & 0xFF).toResult();
        }
        if (PersistentReservations.conflicts(pr.state(), nexus, access(op, cdb))) {
            return new ScsiResult(ScsiResult.RESERVATION_CONFLICT, null, null);
        }
        return switch (op) {
            case Cdb.TEST_UNIT_READY -> ScsiResult.good();
            case Cdb.READ_CAPACITY_10 -> readCapacity10(cdb, blocks);
            case Cdb.SERVICE_ACTION_IN_16 -> switch (cdb[1] & 0x1F) {
                case Cdb.SA_READ_CAPACITY_16 -> readCapacity16(cdb, blocks);
                case Cdb.SA_GET_LBA_STATUS -> getLbaStatus(cdb, blocks);
                default -> throw ScsiError.invalidCdb(1, 4);
            };
            case Cdb.READ_6, Cdb.READ_10, Cdb.READ_12, Cdb.READ_16 -> read(lu, op, cdb, blocks);
            case Cdb.WRITE_6, Cdb.WRITE_10, Cdb.WRITE_12, Cdb.WRITE_16 -> write(lu, op, cdb, out, blocks);
            case Cdb.VERIFY_10, Cdb.VERIFY_12, Cdb.VERIFY_16 -> verify(lu, op, cdb, out, blocks);
            case Cdb.WRITE_SAME_10, Cdb.WRITE_SAME_16 -> writeSame(lu, op, cdb, out, blocks);
            case Cdb.UNMAP -> unmap(lu, cdb, out, blocks);
            case Cdb.COMPARE_AND_WRITE -> compareAndWrite(lu, cdb, out, blocks);
            case Cdb.SYNCHRONIZE_CACHE_10, Cdb.SYNCHRONIZE_CACHE_16 -> synchronizeCache(lu, op, cdb, blocks);
            case Cdb.MODE_SENSE_6 -> ScsiResult.good(ModePages.sense(cdb, false, blocks));
            case Cdb.MODE_SENSE_10 -> ScsiResult.good(ModePages.sense(cdb, true, blocks));
            case Cdb.MODE_SELECT_6 -> {
                ModePages.select(cdb, false, out, blocks);
                yield ScsiResult.good();
            }
            case Cdb.MODE_SELECT_10 -> {
                ModePages.select(cdb, true, out, blocks);
                yield ScsiResult.good();
            }
            case Cdb.MAINTENANCE_IN -> {
                if ((cdb[1] & 0x1F) != Cdb.SA_REPORT_SUPPORTED_OPCODES) {
                    throw ScsiError.invalidCdb(1, 4);
                }
                yield ScsiResult.good(SupportedOpcodes.report(cdb));
            }
            case Cdb.PERSISTENT_RESERVE_IN -> ScsiResult.good(PersistentReservations.in(pr.state(), cdb));
            case Cdb.PERSISTENT_RESERVE_OUT -> persistentReserveOut(lu, nexus, cdb, out);
            default -> ScsiError.of(Sense.ILLEGAL_REQUEST, 0x20, 0x00).toResult(); // incl. RESERVE(6)/RELEASE(6)
        };
    }

    /** The next unit attention for the nexus: its own (reset, capacity), then those the PR state owes it. */
    private Integer nextUa(Lu lu, Nexus nexus, SharedLu.NexusState ns, SharedLu.Pr pr) {
        Integer ua = ns.poll();
        if (ua != null || pr.state().pendingUaKey(nexus) == null) {
            return ua;
        }
        Integer[] taken = new Integer[1];
        lu.shared.update(store, s -> {
            String key = s.pendingUaKey(nexus);
            if (key == null) {
                taken[0] = null;
                return null;
            }
            var q = s.pendingUas.get(key);
            taken[0] = q.poll();
            if (q.isEmpty()) {
                s.pendingUas.remove(key);
            }
            return s;
        });
        return taken[0];
    }

    static Access access(int op, byte[] cdb) {
        return switch (op) {
            case Cdb.READ_6, Cdb.READ_10, Cdb.READ_12, Cdb.READ_16, Cdb.VERIFY_10, Cdb.VERIFY_12, Cdb.VERIFY_16,
                    Cdb.MODE_SENSE_6, Cdb.MODE_SENSE_10, Cdb.MAINTENANCE_IN -> Access.READ;
            case Cdb.SERVICE_ACTION_IN_16 -> (cdb[1] & 0x1F) == Cdb.SA_GET_LBA_STATUS ? Access.READ : Access.ALWAYS;
            case Cdb.WRITE_6, Cdb.WRITE_10, Cdb.WRITE_12, Cdb.WRITE_16, Cdb.WRITE_SAME_10, Cdb.WRITE_SAME_16, Cdb.UNMAP,
                    Cdb.COMPARE_AND_WRITE, Cdb.SYNCHRONIZE_CACHE_10, Cdb.SYNCHRONIZE_CACHE_16, Cdb.MODE_SELECT_6,
                    Cdb.MODE_SELECT_10 -> Access.WRITE;
            default -> Access.ALWAYS;
        };
    }

    // ------------------------------------------------------------------ SPC

    private ScsiResult inquiry(Lu lu, Nexus nexus, byte[] cdb, long blocks) {
        boolean evpd = (cdb[1] & 0x01) != 0;
        if ((cdb[1] & 0x02) != 0) {
            throw ScsiError.invalidCdb(1, 1); // CMDDT is obsolete
        }
        if (!evpd) {
            if (cdb[2] != 0) {
                throw ScsiError.invalidCdb(2);
            }
            return inquiryStandard(cdb, true);
        }
        byte[] page = Inquiry.vpd(cdb[2] & 0xFF, lu.unit.luId(), nexus, blocks);
        if (page == null) {
            throw ScsiError.invalidCdb(2);
        }
        return ScsiResult.good(truncate(page, u16(cdb, 3)));
    }

    private static ScsiResult inquiryStandard(byte[] cdb, boolean present) {
        return ScsiResult.good(truncate(Inquiry.standard(present), u16(cdb, 3)));
    }

    private ScsiResult reportLuns(byte[] cdb) {
        int select = u8(cdb, 2);
        long alloc = u32(cdb, 6);
        if (select != 0x00 && select != 0x01 && select != 0x02) {
            throw ScsiError.invalidCdb(2);
        }
        TreeMap<Integer, Lu> sorted = new TreeMap<>(luns);
        int n = select == 0x01 ? 0 : sorted.size();
        byte[] d = new byte[8 + 8 * n];
        put32(d, 0, 8L * n);
        if (n > 0) {
            int p = 8;
            for (int lun : sorted.keySet()) {
                if (lun < 256) {
                    d[p + 1] = (byte) lun; // peripheral device addressing, bus 0
                } else {
                    d[p] = (byte) (0x40 | (lun >> 8)); // flat space addressing
                    d[p + 1] = (byte) lun;
                }
                p += 8;
            }
        }
        return ScsiResult.good(truncate(d, alloc));
    }

    private static ScsiResult requestSense(byte[] cdb, byte[] fixed) {
        boolean desc = (cdb[1] & 0x01) != 0;
        byte[] d = desc ? Sense.toDescriptor(fixed) : fixed;
        return ScsiResult.good(truncate(d, u8(cdb, 4)));
    }

    private ScsiResult persistentReserveOut(Lu lu, Nexus nexus, byte[] cdb, ByteBuffer out) {
        PersistentReservations.OutRequest request = PersistentReservations.parseOut(cdb, out);
        lu.shared.update(store, s -> PersistentReservations.apply(s, nexus, request) ? s : null);
        return ScsiResult.good();
    }

    // ------------------------------------------------------------------ SBC: capacity

    private static ScsiResult readCapacity10(byte[] cdb, long blocks) {
        boolean pmi = (cdb[8] & 0x01) != 0;
        if (!pmi && u32(cdb, 2) != 0) {
            throw ScsiError.invalidCdb(2);
        }
        byte[] d = new byte[8];
        long last = blocks - 1;
        put32(d, 0, last > 0xFFFFFFFEL ? 0xFFFFFFFFL : last);
        put32(d, 4, BLOCK);
        return ScsiResult.good(ByteBuffer.wrap(d));
    }

    private static ScsiResult readCapacity16(byte[] cdb, long blocks) {
        byte[] d = new byte[32];
        put64(d, 0, blocks - 1);
        put32(d, 8, BLOCK);
        d[13] = (byte) LBPPBE;
        d[14] = (byte) 0xC0; // LBPME, LBPRZ; lowest aligned LBA 0
        return ScsiResult.good(truncate(d, u32(cdb, 10)));
    }

    /**
     * GET LBA STATUS: VDiskIo cannot tell allocated from unallocated ranges, so everything from the
     * LBA to the end is reported mapped (one descriptor).
     */
    private static ScsiResult getLbaStatus(byte[] cdb, long blocks) {
        long lba = u64(cdb, 2);
        long alloc = u32(cdb, 10);
        if (lba < 0 || lba >= blocks) {
            throw ScsiError.lbaOutOfRange();
        }
        byte[] d = new byte[24];
        put32(d, 0, 20);
        put64(d, 8, lba);
        put32(d, 16, Math.min(blocks - lba, 0xFFFFFFFFL));
        d[20] = 0x00; // mapped
        return ScsiResult.good(truncate(d, alloc));
    }

    // ------------------------------------------------------------------ SBC: I/O

    /** LBA and transfer length of a READ/WRITE/VERIFY CDB, and where the length field is. */
    private record Span(long lba, long blocks, int lengthField) {
    }

    private static Span span(int op, byte[] cdb) {
        return switch (op) {
            case Cdb.READ_6, Cdb.WRITE_6 -> {
                int n = u8(cdb, 4);
                yield new Span(Cdb.u24(cdb, 1) & 0x1FFFFF, n == 0 ? 256 : n, 4);
            }
            case Cdb.READ_10, Cdb.WRITE_10, Cdb.VERIFY_10 -> new Span(u32(cdb, 2), u16(cdb, 7), 7);
            case Cdb.READ_12, Cdb.WRITE_12, Cdb.VERIFY_12 -> new Span(u32(cdb, 2), u32(cdb, 6), 6);
            default -> new Span(u64(cdb, 2), u32(cdb, 10), 10);
        };
    }

    /** LBA OUT OF RANGE unless {@code [lba, lba + n)} lies within the {@code blocks} of the LU. */
    private static void checkRange(long lba, long n, long blocks) {
        if (lba < 0 || lba > blocks || n > blocks - lba) {
            throw ScsiError.lbaOutOfRange();
        }
    }

    private static void checkProtect(int op, byte[] cdb) {
        if (op != Cdb.READ_6 && op != Cdb.WRITE_6 && (cdb[1] & 0xE0) != 0) {
            throw ScsiError.invalidCdb(1, 7); // RDPROTECT/WRPROTECT/VRPROTECT: no protection information
        }
    }

    private ScsiResult read(Lu lu, int op, byte[] cdb, long blocks) {
        checkProtect(op, cdb);
        Span s = transfer(op, cdb, blocks);
        if (s.blocks == 0) {
            return ScsiResult.good();
        }
        ByteBuffer buf = ByteBuffer.allocate((int) s.blocks * BLOCK);
        lu.io().read(s.lba * BLOCK, buf.duplicate());
        return ScsiResult.good(buf);
    }

    /** A READ/WRITE/VERIFY CDB's range, checked against the capacity and the maximum transfer length. */
    private Span transfer(int op, byte[] cdb, long blocks) {
        Span s = span(op, cdb);
        checkRange(s.lba, s.blocks, blocks);
        if (s.blocks > MAX_TRANSFER_BLOCKS) {
            throw ScsiError.invalidCdb(s.lengthField);
        }
        return s;
    }

    private ScsiResult write(Lu lu, int op, byte[] cdb, ByteBuffer out, long blocks) {
        checkProtect(op, cdb);
        Span s = transfer(op, cdb, blocks);
        if (s.blocks == 0) {
            return ScsiResult.good();
        }
        int bytes = (int) s.blocks * BLOCK;
        if (out.remaining() < bytes) {
            // the initiator expects to send less than the CDB names (an overflow, RFC 7143 §11.4.5.1): the whole blocks it sent
            // are written and the response reports the residual, as other targets do; a partial block is refused (0E/03)
            if (out.remaining() % BLOCK != 0) {
                throw ScsiError.of(Sense.ILLEGAL_REQUEST, 0x0E, 0x03);
            }
            bytes = out.remaining();
            if (bytes == 0) {
                return ScsiResult.good();
            }
        }
        ByteBuffer data = dataOut(out, bytes);
        boolean fua = op != Cdb.WRITE_6 && (cdb[1] & 0x08) != 0;
        long offset = s.lba * BLOCK;
        try (RangeLock.Held h = lu.shared.ranges.acquire(offset, bytes)) {
            lu.io().write(offset, data, fua);
        }
        return ScsiResult.good();
    }

    /**
     * The first {@code bytes} of Data-Out; fewer than that: ILLEGAL REQUEST, INVALID FIELD IN
     * COMMAND INFORMATION UNIT (0E/03) and nothing is written (FCP-4/SAM-5 overflow handling).
     */
    private static ByteBuffer dataOut(ByteBuffer out, int bytes) {
        if (out.remaining() < bytes) {
            throw ScsiError.of(Sense.ILLEGAL_REQUEST, 0x0E, 0x03);
        }
        ByteBuffer d = out.duplicate();
        d.limit(d.position() + bytes);
        return d.slice();
    }

    private ScsiResult verify(Lu lu, int op, byte[] cdb, ByteBuffer out, long blocks) {
        checkProtect(op, cdb);
        int bytchk = (cdb[1] >> 1) & 0x03;
        if (bytchk == 2) {
            throw ScsiError.invalidCdb(1, 2);
        }
        Span s = transfer(op, cdb, blocks);
        if (s.blocks == 0) {
            return ScsiResult.good();
        }
        int bytes = (int) s.blocks * BLOCK;
        ByteBuffer medium = ByteBuffer.allocate(bytes);
        lu.io().read(s.lba * BLOCK, medium.duplicate());
        if (bytchk == 0) {
            return ScsiResult.good();
        }
        ByteBuffer expected = dataOut(out, bytchk == 1 ? bytes : BLOCK);
        for (int i = 0; i < bytes; i++) {
            int e = bytchk == 1 ? i : i % BLOCK;
            if (medium.get(i) != expected.get(e)) {
                throw ScsiError.withInformation(Sense.MISCOMPARE, 0x1D, 0x00, i);
            }
        }
        return ScsiResult.good();
    }

    private ScsiResult writeSame(Lu lu, int op, byte[] cdb, ByteBuffer out, long blocks) {
        boolean sixteen = op == Cdb.WRITE_SAME_16;
        if ((cdb[1] & 0xE0) != 0) {
            throw ScsiError.invalidCdb(1, 7); // WRPROTECT
        }
        if ((cdb[1] & 0x10) != 0) {
            throw ScsiError.invalidCdb(1, 4); // ANCHOR: ANC_SUP is 0
        }
        if ((cdb[1] & 0x06) != 0) {
            throw ScsiError.invalidCdb(1, 2); // PBDATA/LBDATA (obsolete)
        }
        boolean unmap = (cdb[1] & 0x08) != 0;
        boolean ndob = sixteen && (cdb[1] & 0x01) != 0;
        long lba = sixteen ? u64(cdb, 2) : u32(cdb, 2);
        long n = sixteen ? u32(cdb, 10) : u16(cdb, 7);
        int lengthField = sixteen ? 10 : 7;
        if (n == 0) {
            throw ScsiError.invalidCdb(lengthField); // WSNZ = 1
        }
        if (n > MAX_WRITE_SAME_LENGTH) {
            throw ScsiError.invalidCdb(lengthField);
        }
        checkRange(lba, n, blocks);
        if (out.remaining() != (ndob ? 0 : BLOCK)) {
            // SBC-3: the Data-Out Buffer holds exactly one logical block (none with NDOB)
            throw ScsiError.of(Sense.ILLEGAL_REQUEST, 0x0E, 0x03);
        }
        ByteBuffer pattern = ndob ? ByteBuffer.allocate(BLOCK) : dataOut(out, BLOCK);
        boolean zero = isZero(pattern);
        long offset = lba * BLOCK;
        long length = n * BLOCK;
        if (zero) {
            try (RangeLock.Held h = lu.shared.ranges.acquire(offset, length)) {
                if (unmap) {
                    lu.io().trim(offset, length);
                } else {
                    lu.io().writeZeroes(offset, length);
                }
            }
            return ScsiResult.good();
        }
        int chunk = (int) Math.min(length, WRITE_SAME_CHUNK);
        byte[] replicated = new byte[chunk];
        for (int i = 0; i < chunk; i += BLOCK) {
            pattern.duplicate().get(replicated, i, BLOCK);
        }
        boolean fua = false;
        for (long done = 0; done < length; done += chunk) {
            int piece = (int) Math.min(chunk, length - done);
            try (RangeLock.Held h = lu.shared.ranges.acquire(offset + done, piece)) {
                lu.io().write(offset + done, ByteBuffer.wrap(replicated, 0, piece), fua);
            }
        }
        return ScsiResult.good();
    }

    private static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * UNMAP: every descriptor is checked before any is applied; each range goes to
     * {@link VDiskIo#trim} whole (Stargate frees whole 1 MiB vBlocks and zeroes partial ones).
     */
    private ScsiResult unmap(Lu lu, byte[] cdb, ByteBuffer out, long blocks) {
        if ((cdb[1] & 0x01) != 0) {
            throw ScsiError.invalidCdb(1, 0); // ANCHOR
        }
        int length = u16(cdb, 7);
        if (length == 0) {
            return ScsiResult.good();
        }
        if (length < 8 || out.remaining() < length) {
            throw ScsiError.parameterListLength();
        }
        byte[] p = new byte[length];
        out.duplicate().get(p);
        int descriptorBytes = u16(p, 2);
        if (descriptorBytes % 16 != 0 || 8 + descriptorBytes > length) {
            throw ScsiError.parameterListLength();
        }
        int count = descriptorBytes / 16;
        if (count > MAX_UNMAP_DESCRIPTORS) {
            throw ScsiError.invalidParameter(2);
        }
        long total = 0;
        for (int i = 0; i < count; i++) {
            int at = 8 + 16 * i;
            long lba = u64(p, at);
            long n = u32(p, at + 8);
            checkRange(lba, n, blocks);
            total += n;
            if (total > MAX_UNMAP_LBA_COUNT) {
                throw ScsiError.invalidParameter(at + 8);
            }
        }
        for (int i = 0; i < count; i++) {
            int at = 8 + 16 * i;
            long n = u32(p, at + 8);
            if (n == 0) {
                continue;
            }
            long offset = u64(p, at) * BLOCK;
            try (RangeLock.Held h = lu.shared.ranges.acquire(offset, n * BLOCK)) {
                lu.io().trim(offset, n * BLOCK);
            }
        }
        return ScsiResult.good();
    }

    private ScsiResult compareAndWrite(Lu lu, byte[] cdb, ByteBuffer out, long blocks) {
        if ((cdb[1] & 0xE0) != 0) {
            throw ScsiError.invalidCdb(1, 7);
        }
        long lba = u64(cdb, 2);
        int n = u8(cdb, 13);
        checkRange(lba, n, blocks);
        if (n > MAX_COMPARE_AND_WRITE_LENGTH) {
            throw ScsiError.invalidCdb(13);
        }
        if (n == 0) {
            if (out.hasRemaining()) {
                // Data-Out for blocks the CDB does not name: typically 256 blocks wrapped to 0 in the 1-byte field,
                // i.e. more than MAXIMUM COMPARE AND WRITE LENGTH, which SBC-3 answers with INVALID FIELD IN CDB
                throw ScsiError.invalidCdb(13);
            }
            return ScsiResult.good(); // SBC-3: 0 blocks is not an error, nothing is compared or written
        }
        int bytes = n * BLOCK;
        if (out.remaining() != 2 * bytes) {
            throw ScsiError.of(Sense.ILLEGAL_REQUEST, 0x0E, 0x03);
        }
        ByteBuffer verify = dataOut(out, bytes);
        ByteBuffer data = out.duplicate();
        data.position(data.position() + bytes);
        data = data.slice();
        boolean fua = (cdb[1] & 0x08) != 0;
        long offset = lba * BLOCK;
        try (RangeLock.Held h = lu.shared.ranges.acquire(offset, bytes)) {
            ByteBuffer medium = ByteBuffer.allocate(bytes);
            lu.io().read(offset, medium.duplicate());
            int mismatch = medium.mismatch(verify);
            if (mismatch >= 0) {
                throw ScsiError.withInformation(Sense.MISCOMPARE, 0x1D, 0x00, mismatch);
            }
            lu.io().write(offset, data, fua);
        }
        return ScsiResult.good();
    }

    private ScsiResult synchronizeCache(Lu lu, int op, byte[] cdb, long blocks) {
        long lba = op == Cdb.SYNCHRONIZE_CACHE_16 ? u64(cdb, 2) : u32(cdb, 2);
        long n = op == Cdb.SYNCHRONIZE_CACHE_16 ? u32(cdb, 10) : u16(cdb, 7);
        checkRange(lba, n, blocks);
        lu.io().flush();
        return ScsiResult.good();
    }

    // ------------------------------------------------------------------ errors

    /** How a failed vDisk operation is reported (readme "SCSI layer: error mapping"). */
    static ScsiError ioError(StargateException e, int op) {
        boolean write = access(op, new byte[16]) == Access.WRITE;
        return switch (e.reason()) {
            case STORAGE_FULL -> ScsiError.of(Sense.DATA_PROTECT, 0x27, 0x07);
            case UNAVAILABLE, TIMEOUT, STALE_OWNER -> ScsiError.of(Sense.NOT_READY, 0x04, 0x01);
            case NOT_FOUND -> ScsiError.of(Sense.NOT_READY, 0x04, 0x03);
            case DATA_ERROR -> write ? ScsiError.of(Sense.MEDIUM_ERROR, 0x0C, 0x00) : ScsiError.of(Sense.MEDIUM_ERROR, 0x11, 0x00);
            default -> ScsiError.of(Sense.HARDWARE_ERROR, 0x44, 0x00);
        };
    }

    private static ScsiError storeError(CairnException e) {
        return switch (e.code()) {
            case UNAVAILABLE, TIMEOUT -> ScsiError.of(Sense.NOT_READY, 0x04, 0x01);
            default -> ScsiError.of(Sense.HARDWARE_ERROR, 0x44, 0x00);
        };
    }

    private static ByteBuffer truncate(byte[] d, long alloc) {
        return ByteBuffer.wrap(d, 0, (int) Math.min(alloc, d.length)).slice();
    }
}
