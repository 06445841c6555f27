package io.cairn.storage.medusa.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.Op;

/**
 * The binary form of Medusa commands (Raft log entries), queries and their results. Small and
 * fixed: a version byte, a command byte, then length-prefixed fields.
 */
final class Codec {

    static final byte FORMAT = 1;

    /** Log entry: an atomic batch (single writes are batches of one). Read still, for logs written before {@link #BATCH_ONCE}. */
    static final byte BATCH = 1;
    /**
     * Log entry: an atomic batch carrying a request id (16 bytes) and the time it was issued (epoch
     * milliseconds), applied at most once: the client may send the same bytes again after any failure.
     */
    static final byte BATCH_ONCE = 2;
    /**
     * A write-path probe (never logged): the leader's state machine refuses it before it reaches the log
     * ({@link ShardStateMachine#startTransaction}), so its answer only tells whether the leader accepts
     * writes at all or refuses them while it "steps down" ({@link RatisNode#writeState}).
     */
    static final byte PROBE = 3;
    /** Queries (never logged). */
    static final byte GET = 10;
    static final byte SCAN = 11;

    static final byte OP_PUT = 1;
    static final byte OP_CAS = 2;
    static final byte OP_DELETE = 3;
    static final byte OP_CHECK = 4;

    static final byte OK = 0;
    static final byte CONFLICT = 1;
    static final byte INVALID = 2;

    private Codec() {
    }

    /** The command for {@code ops}, applied at most once under {@code request} (same bytes on every resend). */
    static byte[] batch(List<Op> ops, java.util.UUID request, long issuedMillis) {
        return write(out -> {
            out.writeByte(FORMAT);
            out.writeByte(BATCH_ONCE);
            out.writeLong(request.getMostSignificantBits());
            out.writeLong(request.getLeastSignificantBits());
            out.writeLong(issuedMillis);
            writeOps(out, ops);
        });
    }

    /** The write-path probe ({@link #PROBE}). */
    static byte[] probe() {
        return new byte[] {FORMAT, PROBE};
    }

    static boolean isProbe(org.apache.ratis.thirdparty.com.google.protobuf.ByteString command) {
        return command.size() == 2 && command.byteAt(0) == FORMAT && command.byteAt(1) == PROBE;
    }

    /** The command for {@code ops} without a request id (no duplicate detection): for tests of old logs. */
    static byte[] batch(List<Op> ops) {
        return write(out -> {
            out.writeByte(FORMAT);
            out.writeByte(BATCH);
            writeOps(out, ops);
        });
    }

    private static void writeOps(DataOutputStream out, List<Op> ops) throws IOException {
        out.writeInt(ops.size());
        for (Op op : ops) {
            switch (op) {
                case Op.Put p -> {
                    out.writeByte(OP_PUT);
                    key(out, p.key());
                    out.writeLong(-1);
                    bytes(out, p.value());
                }
                case Op.Cas c -> {
                    out.writeByte(OP_CAS);
                    key(out, c.key());
                    out.writeLong(c.expectedVersion());
                    bytes(out, c.value());
                }
                case Op.Delete d -> {
                    out.writeByte(OP_DELETE);
                    key(out, d.key());
                    out.writeLong(d.expectedVersion());
                    out.writeInt(-1);
                }
                case Op.Check c -> {
                    out.writeByte(OP_CHECK);
                    key(out, c.key());
                    out.writeLong(c.expectedVersion());
                    out.writeInt(-1);
                }
            }
        }
    }

    /** One decoded batch operation: type, key bytes, expected version (-1 none), value (null for delete/check). */
    record RawOp(byte type, byte[] key, long expected, byte[] value) {
    }

    static List<RawOp> readBatch(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 1 || n > 10_000) {
            throw new IOException("batch of " + n + " operations");
        }
        List<RawOp> ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte type = in.readByte();
            byte[] key = readBytes(in, Medusa.MAX_KEY_BYTES);
            long expected = in.readLong();
            int len = in.readInt();
            byte[] value = null;
            if (len >= 0) {
                if (len > Medusa.MAX_VALUE_BYTES) {
                    throw new IOException("value of " + len + " bytes");
                }
                value = in.readNBytes(len);
            }
            ops.add(new RawOp(type, key, expected, value));
        }
        return ops;
    }

    static byte[] get(String key) {
        return write(out -> {
            out.writeByte(FORMAT);
            out.writeByte(GET);
            key(out, key);
        });
    }

    static byte[] scan(String prefix, String startAfter, int limit) {
        return write(out -> {
            out.writeByte(FORMAT);
            out.writeByte(SCAN);
            key(out, prefix);
            out.writeBoolean(startAfter != null);
            if (startAfter != null) {
                key(out, startAfter);
            }
            out.writeInt(limit);
        });
    }

    /** Result of a batch: OK + one version per op, or CONFLICT + op index + actual version. */
    static byte[] batchOk(long[] versions) {
        return write(out -> {
            out.writeByte(OK);
            out.writeInt(versions.length);
            for (long v : versions) {
                out.writeLong(v);
            }
        });
    }

    static byte[] conflict(int index, long actual) {
        return write(out -> {
            out.writeByte(CONFLICT);
            out.writeInt(index);
            out.writeLong(actual);
        });
    }

    static byte[] invalid(String message) {
        return write(out -> {
            out.writeByte(INVALID);
            out.writeUTF(message);
        });
    }

    /** Decodes a batch result: the versions, or throws the conflict / invalid request it reports. */
    static List<Long> batchResult(byte[] reply, List<Op> ops) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(reply))) {
            byte status = in.readByte();
            if (status == CONFLICT) {
                int index = in.readInt();
                long actual = in.readLong();
                Op op = ops.get(index);
                String expected = switch (op) {
                    case Op.Cas c -> version(c.expectedVersion());
                    case Op.Delete d -> version(d.expectedVersion());
                    case Op.Check c -> version(c.expectedVersion());
                    case Op.Put p -> "any";
                };
                throw new MedusaException(MedusaException.Reason.VERSION_CONFLICT,
                        "key '" + op.key() + "' is at " + version(actual) + ", not " + expected
                                + "; nothing was written: re-read the key and retry", actual, null);
            }
            if (status == INVALID) {
                throw new MedusaException(MedusaException.Reason.INVALID_REQUEST, in.readUTF());
            }
            int n = in.readInt();
            List<Long> versions = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                versions.add(in.readLong());
            }
            return versions;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String version(long v) {
        return v == Medusa.ABSENT ? "absent (version 0)" : "version " + v;
    }

    static byte[] entries(List<Entry> entries) {
        return write(out -> {
            out.writeByte(OK);
            out.writeInt(entries.size());
            for (Entry e : entries) {
                key(out, e.key());
                out.writeLong(e.version());
                bytes(out, e.value());
            }
        });
    }

    static List<Entry> readEntries(byte[] reply) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(reply))) {
            byte status = in.readByte();
            if (status == INVALID) {
                throw new MedusaException(MedusaException.Reason.INVALID_REQUEST, in.readUTF());
            }
            int n = in.readInt();
            List<Entry> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String key = new String(readBytes(in, Medusa.MAX_KEY_BYTES), StandardCharsets.UTF_8);
                long version = in.readLong();
                list.add(new Entry(key, readBytes(in, Medusa.MAX_VALUE_BYTES), version));
            }
            return list;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void key(DataOutputStream out, String key) throws IOException {
        bytes(out, key.getBytes(StandardCharsets.UTF_8));
    }

    static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static byte[] readBytes(DataInputStream in, int max) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > max) {
            throw new IOException("field of " + len + " bytes (at most " + max + ")");
        }
        return in.readNBytes(len);
    }

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
