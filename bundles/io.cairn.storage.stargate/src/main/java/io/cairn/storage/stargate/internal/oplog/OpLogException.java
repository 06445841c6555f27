package io.cairn.storage.stargate.internal.oplog;

/**
 * A write or open the OpLog refused for a reason the caller must act on (a stale owner, writes out
 * of order, a corrupt copy). I/O failures of the device are {@link java.io.IOException}s instead.
 */
public abstract sealed class OpLogException extends Exception
        permits StaleEpochException, SequenceOrderException, OpLogCorruptException {

    private static final long serialVersionUID = 1L;

    OpLogException(String message) {
        super(message);
    }
}
