package io.cairn.cluster.rpc;

import java.time.Instant;
import java.util.Objects;

/**
 * One incoming call.
 *
 * @param method    the method name
 * @param body      the request bytes
 * @param principal the caller's certificate subject common name ({@code node:<uuid>} for a
 *                  controller, {@code admin} for the cluster admin), or {@code anonymous} for a
 *                  bootstrap call without a client certificate
 * @param peer      the caller's socket address, for messages
 * @param deadline  when the caller stops waiting
 */
public record RpcCall(String method, byte[] body, String principal, String peer, Instant deadline) {

    public RpcCall {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(deadline, "deadline");
    }
}
