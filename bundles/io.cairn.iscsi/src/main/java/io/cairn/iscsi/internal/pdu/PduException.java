package io.cairn.iscsi.internal.pdu;

/**
 * A received PDU the target cannot accept. With {@link #dropConnection()} false the PDU was read
 * completely and the stream is still in step: answer with a Reject of {@link #reason()} carrying
 * {@link #header()}. With it true the stream cannot be trusted any more: send the Reject if there
 * is a header, then close the connection (RFC 7143 §7.7, ErrorRecoveryLevel 0).
 */
public final class PduException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int reason;
    private final transient byte[] header;
    private final boolean dropConnection;

    public PduException(String message, int reason, byte[] header, boolean dropConnection) {
        super(message, null, false, false);
        this.reason = reason;
        this.header = header == null ? null : header.clone();
        this.dropConnection = dropConnection;
    }

    /** The Reject reason code (RFC 7143 §11.17.1). */
    public int reason() {
        return reason;
    }

    /** The offending BHS, or null when there is none to reject. */
    public byte[] header() {
        return header == null ? null : header.clone();
    }

    public boolean dropConnection() {
        return dropConnection;
    }
}
