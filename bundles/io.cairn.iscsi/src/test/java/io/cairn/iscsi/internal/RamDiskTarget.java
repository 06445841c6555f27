package io.cairn.iscsi.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.iscsi.internal.scsi.Nexus;
import io.cairn.iscsi.internal.scsi.ScsiEngine;
import io.cairn.iscsi.internal.scsi.ScsiResult;
import io.cairn.iscsi.internal.scsi.ScsiTarget;
import io.cairn.storage.api.iscsi.LogicalUnit;
import io.cairn.storage.api.iscsi.ReservationStore;

/**
 * Test-only SCSI layer standing in for the real one until it is merged: just enough SBC/SPC for
 * real initiators (INQUIRY std/0x00/0x80/0x83, READ CAPACITY 10/16, READ/WRITE 6/10/12/16,
 * WRITE AND VERIFY, TEST UNIT READY, REPORT LUNS, REQUEST SENSE, MODE SENSE 6/10, SYNCHRONIZE CACHE).
 */
final class RamDiskTarget implements ScsiTarget {

    static final int BLOCK = 512;

    /** An engine making RAM-disk targets, counting resets and closes for the tests. */
    static final class Engine implements ScsiEngine {
        final AtomicInteger resets = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        volatile long executeDelayMillis;

        @Override
        public ScsiTarget target(String targetName, List<LogicalUnit> luns, ReservationStore reservations) {
            return new RamDiskTarget(this, luns);
        }
    }

    private final Engine engine;
    private final Map<Integer, LogicalUnit> luns = new TreeMap<>();

    RamDiskTarget(Engine engine, List<LogicalUnit> luns) {
        this.engine = engine;
        luns.forEach(l -> this.luns.put(l.lun(), l));
    }

    @Override
    public ScsiResult execute(Nexus nexus, int lun, byte[] cdb, ByteBuffer dataOut, int expectedDataInLength) {
        if (engine.executeDelayMillis > 0) {
            try {
                Thread.sleep(engine.executeDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int op = cdb[0] & 0xff;
        LogicalUnit lu = luns.get(lun);
        if (lu == null) {
            return switch (op) {
                case 0x12 -> {
                    byte[] inq = standardInquiry();
                    inq[0] = 0x7f; // peripheral qualifier 3, device type 0x1f
                    yield data(inq, u16(cdb, 3));
                }
                case 0xa0 -> reportLuns(cdb);
                case 0x03 -> data(Connection.sense(0x05, 0x25, 0x00), cdb[4] & 0xff);
                default -> check(0x05, 0x25, 0x00);
            };
        }
        long blocks = lu.io().vdisk().sizeBytes() / BLOCK;
        return switch (op) {
            case 0x00, 0x35, 0x91 -> ScsiResult.good();
            case 0x03 -> data(new byte[] {0x70, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, cdb[4] & 0xff);
            case 0x12 -> inquiry(lu, cdb);
            case 0x25 -> {
                ByteBuffer b = ByteBuffer.allocate(8);
                b.putInt((int) Math.min(blocks - 1, 0xffffffffL)).putInt(BLOCK);
                yield ScsiResult.good(b.flip());
            }
            case 0x9e -> {
                if ((cdb[1] & 0x1f) != 0x10) {
                    yield check(0x05, 0x24, 0x00);
                }
                ByteBuffer b = ByteBuffer.allocate(32);
                b.putLong(blocks - 1).putInt(BLOCK);
                yield data(b.array(), ByteBuffer.wrap(cdb, 10, 4).getInt());
            }
            case 0xa0 -> reportLuns(cdb);
            case 0x1a -> data(new byte[] {3, 0, 0, 0}, cdb[4] & 0xff);
            case 0x5a -> data(new byte[] {0, 6, 0, 0, 0, 0, 0, 0}, u16(cdb, 7));
            case 0x08, 0x28, 0xa8, 0x88 -> read(lu, cdb, blocks);
            case 0x0a, 0x2a, 0xaa, 0x8a, 0x2e, 0xae, 0x8e -> write(lu, cdb, blocks, dataOut);
            default -> check(0x05, 0x20, 0x00);
        };
    }

    private ScsiResult read(LogicalUnit lu, byte[] cdb, long blocks) {
        long[] range = range(cdb);
        if (range[0] + range[1] > blocks) {
            return check(0x05, 0x21, 0x00);
        }
        ByteBuffer b = ByteBuffer.allocate((int) (range[1] * BLOCK));
        lu.io().read(range[0] * BLOCK, b);
        return ScsiResult.good(b.flip());
    }

    private ScsiResult write(LogicalUnit lu, byte[] cdb, long blocks, ByteBuffer dataOut) {
        long[] range = range(cdb);
        if (range[0] + range[1] > blocks) {
            return check(0x05, 0x21, 0x00);
        }
        int length = (int) Math.min(range[1] * BLOCK, dataOut.remaining()) / BLOCK * BLOCK;
        lu.io().write(range[0] * BLOCK, dataOut.slice(dataOut.position(), length), false);
        return ScsiResult.good();
    }

    /** {LBA, blocks} of a READ/WRITE CDB. */
    private static long[] range(byte[] cdb) {
        ByteBuffer b = ByteBuffer.wrap(cdb);
        return switch (cdb[0] & 0xff) {
            case 0x08, 0x0a -> {
                int n = cdb[4] & 0xff;
                yield new long[] {((cdb[1] & 0x1f) << 16) | ((cdb[2] & 0xff) << 8) | (cdb[3] & 0xff), n == 0 ? 256 : n};
            }
            case 0x28, 0x2a, 0x2e -> new long[] {b.getInt(2) & 0xffffffffL, b.getShort(7) & 0xffff};
            case 0xa8, 0xaa, 0xae -> new long[] {b.getInt(2) & 0xffffffffL, b.getInt(6) & 0xffffffffL};
            default -> new long[] {b.getLong(2), b.getInt(10) & 0xffffffffL};
        };
    }

    private ScsiResult inquiry(LogicalUnit lu, byte[] cdb) {
        int alloc = u16(cdb, 3);
        if ((cdb[1] & 1) == 0) {
            return cdb[2] != 0 ? check(0x05, 0x24, 0x00) : data(standardInquiry(), alloc);
        }
        byte[] serial = lu.luId().replace("-", "").getBytes(StandardCharsets.US_ASCII);
        return switch (cdb[2] & 0xff) {
            case 0x00 -> data(new byte[] {0, 0, 0, 3, 0x00, (byte) 0x80, (byte) 0x83}, alloc);
            case 0x80 -> {
                ByteBuffer b = ByteBuffer.allocate(4 + serial.length);
                b.put(new byte[] {0, (byte) 0x80, 0, (byte) serial.length}).put(serial);
                yield data(b.array(), alloc);
            }
            case 0x83 -> {
                byte[] id = ("CAIRN   " + new String(serial, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
                ByteBuffer b = ByteBuffer.allocate(8 + id.length);
                b.put(new byte[] {0, (byte) 0x83, 0, (byte) (4 + id.length)}).put(new byte[] {0x02, 0x01, 0, (byte) id.length}).put(id);
                yield data(b.array(), alloc);
            }
            default -> check(0x05, 0x24, 0x00);
        };
    }

    private static byte[] standardInquiry() {
        byte[] inq = new byte[36];
        inq[2] = 6;
        inq[3] = 2;
        inq[4] = 31;
        inq[7] = 0x02; // CMDQUE
        System.arraycopy("CAIRN   RAMDISK TEST    0001".getBytes(StandardCharsets.US_ASCII), 0, inq, 8, 28);
        return inq;
    }

    private ScsiResult reportLuns(byte[] cdb) {
        ByteBuffer b = ByteBuffer.allocate(8 + 8 * luns.size());
        b.putInt(8 * luns.size()).putInt(0);
        for (int lun : luns.keySet()) {
            b.putShort((short) (lun < 256 ? lun : 0x4000 | lun)).putShort((short) 0).putInt(0);
        }
        return data(b.array(), ByteBuffer.wrap(cdb, 6, 4).getInt());
    }

    private static ScsiResult data(byte[] bytes, int allocationLength) {
        return ScsiResult.good(ByteBuffer.wrap(bytes, 0, Math.min(bytes.length, allocationLength)).slice());
    }

    private static int u16(byte[] cdb, int offset) {
        return ((cdb[offset] & 0xff) << 8) | (cdb[offset + 1] & 0xff);
    }

    private static ScsiResult check(int key, int asc, int ascq) {
        return new ScsiResult(ScsiResult.CHECK_CONDITION, null, Connection.sense(key, asc, ascq));
    }

    @Override
    public void reset(Nexus nexus, int lun) {
        engine.resets.incrementAndGet();
    }

    @Override
    public void nexusEnded(Nexus nexus) {
    }

    @Override
    public void close() {
        engine.closes.incrementAndGet();
        luns.values().forEach(l -> l.io().close());
    }
}
