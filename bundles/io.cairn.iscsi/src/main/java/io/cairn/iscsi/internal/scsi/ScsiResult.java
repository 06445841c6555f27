package io.cairn.iscsi.internal.scsi;

import java.nio.ByteBuffer;

/**
 * The outcome of one SCSI command.
 *
 * @param status the SCSI status ({@link #GOOD}, {@link #CHECK_CONDITION}, {@link #RESERVATION_CONFLICT}, ...)
 * @param dataIn the data for the initiator (positioned at its first byte; may be longer than the
 *               initiator's expected length, which the transport truncates and reports as a
 *               residual overflow), or null
 * @param sense  fixed-format sense data (SPC-4 §4.5.3) with CHECK CONDITION, else null
 */
public record ScsiResult(int status, ByteBuffer dataIn, byte[] sense) {

    public static final int GOOD = 0x00;
    public static final int CHECK_CONDITION = 0x02;
    public static final int CONDITION_MET = 0x04;
    public static final int BUSY = 0x08;
    public static final int RESERVATION_CONFLICT = 0x18;
    public static final int TASK_SET_FULL = 0x28;
    public static final int TASK_ABORTED = 0x40;

    public static ScsiResult good() {
        return new ScsiResult(GOOD, null, null);
    }

    public static ScsiResult good(ByteBuffer dataIn) {
        return new ScsiResult(GOOD, dataIn, null);
    }
}
