package io.cairn.storage.stargate.internal.nbd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;

import javax.net.ssl.SSLContext;

/**
 * The byte stream under one NBD connection: a TCP socket ({@link TcpTransport}, which can be
 * upgraded to TLS) or a Unix domain socket ({@link UnixSocketTransport}). {@link NbdConnection}
 * speaks the whole protocol over this and never sees which one it has.
 *
 * <p>One thread reads ({@link #input()}), and replies are written under the connection's reply
 * lock ({@link #output()}); {@link #close()} may be called from any thread and makes a blocked
 * read or write fail.
 */
interface NbdTransport {

    /** The stream the client's bytes arrive on; unbuffered, the connection buffers it. */
    InputStream input() throws IOException;

    /** The stream to the client; unbuffered, the connection buffers it. */
    OutputStream output() throws IOException;

    /**
     * From now on a read that waits longer than {@code timeout} for the client's next bytes fails
     * with a {@link SocketTimeoutException}; {@link Duration#ZERO} waits for ever.
     */
    void readTimeout(Duration timeout) throws IOException;

    /**
     * Performs the server side of a TLS handshake over this transport and returns the TLS transport,
     * which replaces this one (streams taken before are not to be used again).
     *
     * @throws UnsupportedOperationException on a Unix socket, or if TLS is active already
     * @throws javax.net.ssl.SSLException if the handshake fails
     */
    NbdTransport startTls(SSLContext context, String[] protocols, boolean needClientAuth) throws IOException;

    /** Who is at the other end, for log lines: an IP address and port, or the socket path. */
    String peer();

    /** Closes the connection; a blocked read or write fails. Does not throw. */
    void close();
}
