package io.cairn.storage.stargate.internal.oplog;

import java.nio.file.Path;

/**
 * Opening found a record that fails its checks before the end of the log, so it cannot be a write
 * torn by a crash. Nothing is modified on disk. This copy of the OpLog cannot be trusted for the
 * vDisks it holds: recover their undrained data from the peer copies (spec 20 §4), then move the
 * directory aside and open an empty store.
 */
public final class OpLogCorruptException extends OpLogException {

    private static final long serialVersionUID = 1L;

    private final transient Path segment;
    private final long position;

    OpLogCorruptException(Path segment, long position, String problem, String after) {
        super("OpLog segment " + segment + " is corrupt at byte " + position + ": " + problem + "; " + after
                + ". This OpLog copy cannot be trusted: recover the vDisks' undrained data from peer copies, then move "
                + segment.getParent() + " aside and start with an empty OpLog");
        this.segment = segment;
        this.position = position;
    }

    /** The segment file holding the bad record. */
    public Path segment() {
        return segment;
    }

    /** Byte position of the bad record in the segment. */
    public long position() {
        return position;
    }
}
