package io.cairn.storage.stargate.internal.oplog;

/**
 * A write's {@code (epoch, sequence)} was older than a write the store already holds for the same
 * vDisk. A vDisk's writes must reach a store in sequence order (one ordered stream per vDisk and
 * peer); otherwise a late old write could resurface over newer data that was already drained.
 */
public final class SequenceOrderException extends OpLogException {

    private static final long serialVersionUID = 1L;

    SequenceOrderException(long vdiskId, long epoch, long sequence, long newestEpoch, long newestSequence) {
        super("vDisk " + vdiskId + ": write (epoch " + epoch + ", sequence " + sequence + ") arrived after (epoch "
                + newestEpoch + ", sequence " + newestSequence + "); send each vDisk's writes to a store in sequence order");
    }
}
