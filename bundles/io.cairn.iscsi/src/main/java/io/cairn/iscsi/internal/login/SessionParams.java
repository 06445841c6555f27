package io.cairn.iscsi.internal.login;

/**
 * The operational parameters a login settled (RFC 7143 §13); the RFC defaults for keys the
 * initiator did not negotiate.
 *
 * @param headerDigest                CRC32C header digests
 * @param dataDigest                  CRC32C data digests
 * @param initialR2T                  always true: this target offers InitialR2T=Yes (OR function)
 * @param immediateData               immediate data with SCSI commands allowed
 * @param initiatorMaxRecvDataSegment the initiator's MaxRecvDataSegmentLength (our Data-In and text PDUs)
 * @param targetMaxRecvDataSegment    ours (the initiator's data segments)
 * @param maxBurst                    MaxBurstLength
 * @param firstBurst                  FirstBurstLength
 * @param time2Wait                   DefaultTime2Wait
 * @param time2Retain                 DefaultTime2Retain
 */
public record SessionParams(boolean headerDigest, boolean dataDigest, boolean initialR2T, boolean immediateData,
        int initiatorMaxRecvDataSegment, int targetMaxRecvDataSegment, int maxBurst, int firstBurst, int time2Wait, int time2Retain) {
}
