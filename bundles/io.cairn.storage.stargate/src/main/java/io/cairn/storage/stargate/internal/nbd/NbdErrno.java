package io.cairn.storage.stargate.internal.nbd;

/**
 * The error values an NBD reply can carry. The protocol fixes these numbers (they are the Linux
 * errno values) independently of the platform the server runs on.
 */
public enum NbdErrno {
    /** The export is read-only, or the operation is not permitted. */
    EPERM(1),
    /** The data could not be read or written; the client sees an I/O error. */
    EIO(5),
    /** The server lacks memory for the request. */
    ENOMEM(12),
    /** The request is malformed: out of range, unaligned, unknown command or flag. */
    EINVAL(22),
    /** No space is left: a write past the end, or the cluster's storage is full. */
    ENOSPC(28),
    /** The request is too large. */
    EOVERFLOW(75),
    /** The operation is not supported by this export. */
    ENOTSUP(95),
    /** The export or the server is shutting down; the client should retry elsewhere or later. */
    ESHUTDOWN(108);

    private final int value;

    NbdErrno(int value) {
        this.value = value;
    }

    /** The number sent in the reply's error field. */
    public int value() {
        return value;
    }
}
