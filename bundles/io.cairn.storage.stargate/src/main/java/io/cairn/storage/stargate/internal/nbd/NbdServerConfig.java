package io.cairn.storage.stargate.internal.nbd;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import javax.net.ssl.SSLContext;

/**
 * How an {@link NbdServer} listens and secures its connections.
 *
 * @param address where to listen: an {@link InetSocketAddress} (a resolved IP address and a TCP
 *        port, {@value #DEFAULT_PORT} by default, 0 for an ephemeral port), or a
 *        {@link UnixDomainSocketAddress} (a socket file for clients on this host, see
 *        {@link #unixSocket(Path)})
 * @param tls the TLS context; when present the server is TLS-required (clients must send
 *        {@code NBD_OPT_STARTTLS} first). When absent a TCP server must listen on a loopback
 *        address: NBD without TLS has no authentication at all, so plain TCP is meant for tests
 *        only. A Unix socket never uses TLS (the file's permissions decide who may connect), so
 *        {@code tls} must be absent there.
 * @param requireClientCertificate with TLS, whether clients must present a certificate that the
 *        context's trust managers accept (mutual TLS); the context decides which CA that is
 * @param maxRequestsInFlight per connection, how many requests are executed concurrently before the
 *        server stops reading further requests (back-pressure)
 * @param maxBytesInFlight per connection, how many READ/WRITE payload bytes may be buffered at once
 *        (at least {@value NbdProtocol#MAX_PAYLOAD}, the largest request)
 * @param handshakeTimeout during negotiation, how long the server waits for the client's next bytes before it
 *        disconnects the client (idle connections that never choose an export do not stay open)
 * @param closeTimeout how long {@link NbdServer#close()} and a disconnecting client wait for
 *        requests being executed
 */
public record NbdServerConfig(SocketAddress address, Optional<SSLContext> tls, boolean requireClientCertificate,
        int maxRequestsInFlight, int maxBytesInFlight, Duration handshakeTimeout, Duration closeTimeout) {

    /** The port IANA assigned to NBD. */
    public static final int DEFAULT_PORT = 10809;

    public NbdServerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        switch (address) {
            case InetSocketAddress inet -> {
                if (inet.isUnresolved()) {
                    throw new IllegalArgumentException("the NBD server's address " + inet.getHostString()
                            + " is not resolved; give an IP address of this host");
                }
                if (tls.isEmpty() && !inet.getAddress().isLoopbackAddress()) {
                    throw new IllegalArgumentException("an NBD server without TLS may only listen on a loopback address, not "
                            + inet.getAddress().getHostAddress() + "; give it an SSLContext to serve other hosts");
                }
            }
            case UnixDomainSocketAddress unix -> {
                if (unix.getPath().toString().isEmpty()) {
                    throw new IllegalArgumentException("the NBD server's Unix socket needs a file path");
                }
                if (tls.isPresent()) {
                    throw new IllegalArgumentException("an NBD server on a Unix socket does not use TLS (the socket file's permissions"
                            + " protect it); leave the SSLContext out");
                }
            }
            default -> throw new IllegalArgumentException("an NBD server listens on an IP address and port or on a Unix socket, not on "
                    + address.getClass().getName());
        }
        if (tls.isEmpty() && requireClientCertificate) {
            throw new IllegalArgumentException("client certificates need TLS; give the NBD server an SSLContext");
        }
        if (maxRequestsInFlight < 1) {
            throw new IllegalArgumentException("maxRequestsInFlight must be at least 1, not " + maxRequestsInFlight);
        }
        if (maxBytesInFlight < NbdProtocol.MAX_PAYLOAD) {
            throw new IllegalArgumentException("maxBytesInFlight must be at least " + NbdProtocol.MAX_PAYLOAD
                    + " (the largest request), not " + maxBytesInFlight);
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || closeTimeout.isNegative()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive and closeTimeout not negative");
        }
    }

    /** A plain (no TLS) server on a loopback address: 64 requests / 64 MiB in flight per connection. */
    public static NbdServerConfig plain(InetAddress loopbackAddress, int port) {
        return new NbdServerConfig(tcp(loopbackAddress, port), Optional.empty(), false, 64, 64 * 1024 * 1024, Duration.ofSeconds(30),
                Duration.ofSeconds(10));
    }

    /**
     * A TLS-required server; with {@code requireClientCertificate} clients must authenticate with a
     * certificate trusted by {@code context}.
     */
    public static NbdServerConfig tls(InetAddress bindAddress, int port, SSLContext context, boolean requireClientCertificate) {
        return new NbdServerConfig(tcp(bindAddress, port), Optional.of(context), requireClientCertificate, 64, 64 * 1024 * 1024,
                Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /**
     * A server for clients on this host on the Unix domain socket file {@code socketPath}, without
     * TLS: the file gets mode 0600, so only the server's user (and root) can connect. Clients use
     * {@code nbd+unix:///EXPORT?socket=PATH}. Same limits as {@link #plain}.
     */
    public static NbdServerConfig unixSocket(Path socketPath) {
        return new NbdServerConfig(UnixDomainSocketAddress.of(socketPath), Optional.empty(), false, 64, 64 * 1024 * 1024,
                Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /** Whether the server listens on a Unix domain socket. */
    public boolean isUnixSocket() {
        return address instanceof UnixDomainSocketAddress;
    }

    private static InetSocketAddress tcp(InetAddress address, int port) {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("NBD port " + port + " is not a TCP port; use 0 to 65535 (default " + DEFAULT_PORT + ")");
        }
        return new InetSocketAddress(address, port);
    }
}
