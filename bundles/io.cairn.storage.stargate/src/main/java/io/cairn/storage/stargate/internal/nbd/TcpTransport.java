package io.cairn.storage.stargate.internal.nbd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** An NBD connection over TCP, upgradable to TLS in place (NBD_OPT_STARTTLS). */
final class TcpTransport implements NbdTransport {

    private final Socket socket;
    private final String peer;

    private TcpTransport(Socket socket, String peer) {
        this.socket = socket;
        this.peer = peer;
    }

    /** A newly accepted connection; requests are small and latency-bound, so Nagle is off. */
    static TcpTransport accepted(Socket socket) {
        try {
            socket.setTcpNoDelay(true);
        } catch (SocketException e) {
            // the connection is already broken; its first read says so
        }
        return new TcpTransport(socket, String.valueOf(socket.getRemoteSocketAddress()));
    }

    @Override
    public InputStream input() throws IOException {
        return socket.getInputStream();
    }

    @Override
    public OutputStream output() throws IOException {
        return socket.getOutputStream();
    }

    @Override
    public void readTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout(timeout.isZero() ? 0 : Math.toIntExact(Math.max(1, timeout.toMillis())));
    }

    @Override
    public NbdTransport startTls(SSLContext context, String[] protocols, boolean needClientAuth) throws IOException {
        if (socket instanceof SSLSocket) {
            throw new UnsupportedOperationException("TLS is already active");
        }
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, socket.getInetAddress().getHostAddress(),
                socket.getPort(), true);
        tls.setUseClientMode(false);
        tls.setEnabledProtocols(protocols);
        tls.setNeedClientAuth(needClientAuth);
        tls.setSoTimeout(socket.getSoTimeout());
        try {
            tls.startHandshake();
        } catch (IOException e) {
            close(tls);
            throw e;
        }
        return new TcpTransport(tls, peer);
    }

    /** The negotiated TLS protocol ("TLSv1.3"), or "none" before STARTTLS. */
    String tlsProtocol() {
        return socket instanceof SSLSocket s ? s.getSession().getProtocol() : "none";
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public void close() {
        close(socket);
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is best effort; the peer sees the connection end either way
        }
    }

    @Override
    public String toString() {
        return "TCP " + (socket instanceof SSLSocket ? "(" + tlsProtocol() + ") " : "") + "from " + peer;
    }

    /** A listening TCP socket. */
    static final class Listener implements NbdListener {

        private final ServerSocket socket;

        private Listener(ServerSocket socket) {
            this.socket = socket;
        }

        /**
         * Binds {@code address} with a backlog of 128.
         *
         * @throws IOException if it cannot be bound; the message names the address and what to do
         */
        static Listener bind(InetSocketAddress address) throws IOException {
            ServerSocket socket = new ServerSocket();
            try {
                socket.bind(address, 128);
            } catch (IOException e) {
                socket.close();
                throw new IOException("NBD server cannot listen on " + address.getAddress().getHostAddress() + ":" + address.getPort()
                        + ": " + e.getMessage() + "; choose a free port and an address of this host", e);
            }
            return new Listener(socket);
        }

        @Override
        public NbdTransport accept() throws IOException {
            return TcpTransport.accepted(socket.accept());
        }

        @Override
        public SocketAddress address() {
            return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }

        @Override
        public String describe() {
            return socket.getInetAddress().getHostAddress() + ":" + socket.getLocalPort();
        }

        @Override
        public boolean isClosed() {
            return socket.isClosed();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do: the port is released when the socket is gone
            }
        }
    }
}
