package io.cairn.storage.stargate.internal.nbd;

import java.nio.ByteBuffer;

/**
 * One block device served over NBD, implemented by the data path (a vDisk) or by tests.
 *
 * <p>The server checks every request before calling the export: offsets and lengths lie within
 * {@link #size()} (no overflow), are multiples of {@link #minimumBlockSize()} for clients that
 * negotiated block sizes, and no mutating method is called on a {@link #readOnly()} export. A
 * connection calls these methods concurrently (up to its in-flight limit), so implementations must
 * be thread-safe. A method reports failure by throwing {@link NbdException} with the errno the
 * client should see.
 *
 * <p>Durability contract: once {@link #write} or {@link #writeZeroes} returns with {@code fua}
 * set, or once {@link #flush()} returns, the data covered (for flush: every write that returned
 * before the flush was called) survives a crash of this node.
 */
public interface NbdExport {

    /** The name clients ask for, at most 4096 bytes in UTF-8. */
    String name();

    /** A human-readable description for {@code NBD_INFO_DESCRIPTION}; empty for none. */
    default String description() {
        return "";
    }

    /** The size in bytes, 0 to {@link Long#MAX_VALUE}. Constant while a client is connected. */
    long size();

    /** Whether writes, trims and write-zeroes are refused with {@code EPERM}. */
    boolean readOnly();

    /**
     * The smallest unit of I/O, a power of two from 1 to 65536; requests not aligned to it are
     * answered {@code EINVAL}. When this is greater than 1, a client whose NBD_OPT_GO does not ask
     * for block sizes is refused (NBD_REP_ERR_BLOCK_SIZE_REQD); {@link #size()} must be a multiple
     * of it.
     */
    int minimumBlockSize();

    /** The block size the export handles best (power of two, at least the minimum, at most 32 MiB). */
    int preferredBlockSize();

    /**
     * Whether a flush on one connection makes writes completed on every other connection to this
     * export durable, and all connections see the same data; advertised as
     * {@code NBD_FLAG_CAN_MULTI_CONN}. Only say yes if that is true.
     */
    default boolean multiConnectionConsistent() {
        return false;
    }

    /** Fills {@code dst} (all its remaining bytes) with the data at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws NbdException;

    /** Stores all remaining bytes of {@code src} at {@code offset}; durable on return if {@code fua}. */
    void write(long offset, ByteBuffer src, boolean fua) throws NbdException;

    /** Makes every write that has returned durable. */
    void flush() throws NbdException;

    /**
     * Tells the export that {@code length} bytes at {@code offset} are no longer needed; their
     * content afterwards is unspecified (advisory, may do nothing).
     */
    void trim(long offset, long length) throws NbdException;

    /** Sets {@code length} bytes at {@code offset} to zero; durable on return if {@code fua}. */
    void writeZeroes(long offset, long length, boolean fua) throws NbdException;
}
