package io.cairn.storage.stargate.internal.nbd;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * Where an {@link NbdServer} accepts clients: a TCP port ({@link TcpTransport.Listener}) or a Unix
 * domain socket file ({@link UnixSocketTransport.Listener}).
 */
interface NbdListener {

    /**
     * Waits for the next client.
     *
     * @throws IOException if accepting failed; after {@link #close()} that is how a waiting call ends
     */
    NbdTransport accept() throws IOException;

    /** The address clients connect to: an {@code InetSocketAddress} with the bound port, or a {@code UnixDomainSocketAddress}. */
    SocketAddress address();

    /** The address for log lines: {@code 127.0.0.1:10809} or the socket path. */
    String describe();

    boolean isClosed();

    /** Stops accepting (a waiting {@link #accept()} fails) and releases the address. Does not throw. */
    void close();
}
