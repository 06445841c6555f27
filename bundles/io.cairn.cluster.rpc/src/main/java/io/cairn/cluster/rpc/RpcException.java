package io.cairn.cluster.rpc;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** A call that did not produce a reply, with the reason and a message a user can act on. */
public class RpcException extends CairnException {

    private static final long serialVersionUID = 1L;

    /** Why a call failed. */
    public enum Reason {
        /** Nothing answered at the address (connection refused, no route, TLS handshake timeout). */
        PEER_UNREACHABLE(ErrorCode.UNAVAILABLE),
        /** The connection broke while the call was outstanding; it may or may not have run. */
        PEER_LOST(ErrorCode.UNAVAILABLE),
        /** The deadline passed first; the call may still run on the peer. */
        DEADLINE_EXCEEDED(ErrorCode.TIMEOUT),
        /** The TLS handshake failed: untrusted certificate, no client certificate, wrong cluster. */
        UNAUTHENTICATED(ErrorCode.UNAUTHENTICATED),
        /** The peer serves no such method (or not in its current state). */
        NO_SUCH_METHOD(ErrorCode.NOT_FOUND),
        /** The handler ran and failed; {@link #remoteCode()} carries its error code. */
        REMOTE(ErrorCode.INTERNAL),
        /** The caller or the peer cancelled (client closed, stream cancelled, server stopping). */
        CANCELLED(ErrorCode.UNAVAILABLE);

        private final ErrorCode code;

        Reason(ErrorCode code) {
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    private final Reason reason;
    private final ErrorCode remoteCode;

    public RpcException(Reason reason, String message) {
        this(reason, reason.code(), message, null);
    }

    public RpcException(Reason reason, String message, Throwable cause) {
        this(reason, reason.code(), message, cause);
    }

    /** A failure reported by the remote handler with its own error code. */
    public RpcException(Reason reason, ErrorCode remoteCode, String message, Throwable cause) {
        super(remoteCode, message, cause);
        this.reason = reason;
        this.remoteCode = remoteCode;
    }

    public Reason reason() {
        return reason;
    }

    /** The error code the remote handler reported, or the reason's code for transport failures. */
    public ErrorCode remoteCode() {
        return remoteCode;
    }
}
