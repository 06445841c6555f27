package io.cairn.cluster.api.vip;

/** A virtual IP cannot be opened, acquired or released; the message says what to do. */
public class VirtualIpException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public VirtualIpException(String message) {
        super(message);
    }

    public VirtualIpException(String message, Throwable cause) {
        super(message, cause);
    }
}
