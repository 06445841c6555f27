package io.cairn.iscsi.internal.scsi;

/**
 * A command ends with CHECK CONDITION and fixed-format sense data, or (with {@link #conflict()})
 * with RESERVATION CONFLICT. Thrown inside the engine and turned into a {@link ScsiResult}.
 */
final class ScsiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final int senseKey;
    final int asc;
    final int ascq;
    final Long information;
    /** Sense-key-specific field pointer: -1 none; else byte index. */
    final int fieldPointer;
    /** Field pointer bit (0..7), -1 none. */
    final int bitPointer;
    /** true: the pointer is into the CDB; false: into the parameter list. */
    final boolean inCdb;

    private ScsiError(int status, int senseKey, int asc, int ascq, Long information, int fieldPointer, int bitPointer,
            boolean inCdb) {
        super(null, null, false, false);
        this.status = status;
        this.senseKey = senseKey;
        this.asc = asc;
        this.ascq = ascq;
        this.information = information;
        this.fieldPointer = fieldPointer;
        this.bitPointer = bitPointer;
        this.inCdb = inCdb;
    }

    static ScsiError of(int senseKey, int asc, int ascq) {
        return new ScsiError(ScsiResult.CHECK_CONDITION, senseKey, asc, ascq, null, -1, -1, true);
    }

    static ScsiError withInformation(int senseKey, int asc, int ascq, long information) {
        return new ScsiError(ScsiResult.CHECK_CONDITION, senseKey, asc, ascq, information, -1, -1, true);
    }

    /** ILLEGAL REQUEST, INVALID FIELD IN CDB (24/00) pointing at CDB byte {@code index}. */
    static ScsiError invalidCdb(int index) {
        return new ScsiError(ScsiResult.CHECK_CONDITION, Sense.ILLEGAL_REQUEST, 0x24, 0x00, null, index, -1, true);
    }

    /** ILLEGAL REQUEST, INVALID FIELD IN CDB (24/00) pointing at bit {@code bit} of CDB byte {@code index}. */
    static ScsiError invalidCdb(int index, int bit) {
        return new ScsiError(ScsiResult.CHECK_CONDITION, Sense.ILLEGAL_REQUEST, 0x24, 0x00, null, index, bit, true);
    }

    /** ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST (26/00) pointing at parameter byte {@code index}. */
    static ScsiError invalidParameter(int index) {
        return new ScsiError(ScsiResult.CHECK_CONDITION, Sense.ILLEGAL_REQUEST, 0x26, 0x00, null, index, -1, false);
    }

    static ScsiError lbaOutOfRange() {
        return of(Sense.ILLEGAL_REQUEST, 0x21, 0x00);
    }

    static ScsiError parameterListLength() {
        return of(Sense.ILLEGAL_REQUEST, 0x1A, 0x00);
    }

    static ScsiError conflict() {
        return new ScsiError(ScsiResult.RESERVATION_CONFLICT, 0, 0, 0, null, -1, -1, true);
    }

    static ScsiError busy() {
        return new ScsiError(ScsiResult.BUSY, 0, 0, 0, null, -1, -1, true);
    }

    ScsiResult toResult() {
        if (status != ScsiResult.CHECK_CONDITION) {
            return new ScsiResult(status, null, null);
        }
        return new ScsiResult(status, null, Sense.fixed(senseKey, asc, ascq, information, fieldPointer, bitPointer, inCdb));
    }

    @Override
    public String toString() {
        return status == ScsiResult.CHECK_CONDITION
                ? String.format("CHECK CONDITION %x/%02x/%02x", senseKey, asc, ascq)
                : String.format("status 0x%02x", status);
    }
}
