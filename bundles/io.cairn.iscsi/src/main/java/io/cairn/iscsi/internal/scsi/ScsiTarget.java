package io.cairn.iscsi.internal.scsi;

import java.nio.ByteBuffer;

/**
 * The SCSI side of one served target: its LUNs and the commands sent to them (SBC-3/SPC-4, the
 * list in spec 50 §1). Thread-safe: the transport calls it from one virtual thread per command,
 * for every session of the target at once. Blocking (vDisk I/O) is fine.
 */
public interface ScsiTarget {

    /**
     * Executes one command from {@code nexus} to {@code lun} (a LUN the target does not have gets
     * what SAM-5/SPC-4 say: INQUIRY answers peripheral qualifier 3, REPORT LUNS and REQUEST SENSE
     * work, everything else CHECK CONDITION ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED 25/00).
     *
     * @param cdb                  the CDB (6 to 16 bytes)
     * @param dataOut              every Data-Out byte of the command (immediate, unsolicited and
     *                             solicited data together), positioned at its first byte; empty
     *                             for commands without Data-Out
     * @param expectedDataInLength the initiator's Expected Data Transfer Length for Data-In
     */
    ScsiResult execute(Nexus nexus, int lun, byte[] cdb, ByteBuffer dataOut, int expectedDataInLength);

    /**
     * A task-management reset from {@code nexus}: LOGICAL UNIT RESET of {@code lun}, or with
     * {@code lun} -1 TARGET WARM RESET (every LUN). Persistent reservations survive; every other
     * nexus gets UNIT ATTENTION 29/00 (POWER ON, RESET OR BUS DEVICE RESET OCCURRED) on its next command
     * ({@link SbcEngine}: 29/03 BUS DEVICE RESET FUNCTION OCCURRED for a LOGICAL UNIT RESET, as SAM-5 says).
     */
    void reset(Nexus nexus, int lun);

    /** The nexus's session ended: drop its per-nexus state (pending unit attentions); registrations persist. */
    void nexusEnded(Nexus nexus);

    /** Closes every LUN's vDisk I/O. */
    void close();
}
