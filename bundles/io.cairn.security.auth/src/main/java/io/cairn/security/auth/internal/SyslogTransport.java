package io.cairn.security.auth.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.cairn.security.auth.SyslogServer;

/**
 * One connection to a syslog server. UDP: one datagram per message (RFC 5426), fire and forget. TCP
 * and TLS: RFC 6587 octet counting ({@code <length> SP <message>}); TLS checks the server's
 * certificate against the configured CA (or the JVM's trust store) and the host name or IP address.
 * Before each message a stream transport checks that the server has not closed the connection, so a
 * server that went away is noticed before a message is written into a dead socket; a message written
 * just before the server dies can still be lost (the record in flight).
 */
abstract class SyslogTransport implements Closeable {

    static final int CONNECT_TIMEOUT_MS = 5_000;
    static final int WRITE_TIMEOUT_MS = 30_000;

    abstract void send(byte[] message) throws IOException;

    static SyslogTransport open(SyslogServer s, SSLContext tls) throws IOException {
        return switch (s.protocol()) {
            case UDP -> new Udp(new InetSocketAddress(s.host(), s.port()));
            case TCP -> new Stream(connect(s), false);
            case TLS -> new Stream(handshake(connect(s), s, tls), true);
            case RELP -> throw new IOException("RELP is not supported");
        };
    }

    private static Socket connect(SyslogServer s) throws IOException {
        InetSocketAddress to = new InetSocketAddress(s.host(), s.port());
        if (to.isUnresolved()) {
            throw new IOException("cannot resolve " + s.host());
        }
        Socket socket = new Socket();
        try {
            socket.connect(to, CONNECT_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static Socket handshake(Socket plain, SyslogServer s, SSLContext tls) throws IOException {
        try {
            SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(plain, s.host(), s.port(), true);
            SSLParameters p = ssl.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host or IP configured
            ssl.setSSLParameters(p);
            ssl.setSoTimeout(CONNECT_TIMEOUT_MS);
            ssl.startHandshake();
            return ssl;
        } catch (IOException e) {
            plain.close();
            throw e;
        }
    }

    private static final class Udp extends SyslogTransport {
        private final DatagramSocket socket;
        private final InetSocketAddress to;

        Udp(InetSocketAddress to) throws IOException {
            if (to.isUnresolved()) {
                throw new IOException("cannot resolve " + to.getHostString());
            }
            this.to = to;
            this.socket = new DatagramSocket();
        }

        @Override
        void send(byte[] message) throws IOException {
            socket.send(new DatagramPacket(message, message.length, to));
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static final class Stream extends SyslogTransport {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final boolean tls;

        Stream(Socket socket, boolean tls) throws IOException {
            this.socket = socket;
            this.tls = tls;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        @Override
        void send(byte[] message) throws IOException {
            checkOpen();
            socket.setSoTimeout(WRITE_TIMEOUT_MS);
            out.write((message.length + " ").getBytes(StandardCharsets.US_ASCII));
            out.write(message);
            out.flush();
        }

        /** A syslog server never sends data: end of stream (or a reset) means it closed the connection. */
        private void checkOpen() throws IOException {
            socket.setSoTimeout(1);
            try {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the server closed the connection");
                }
                if (!tls) {
                    throw new IOException("the server sent data; reconnecting");
                }
            } catch (SocketTimeoutException alive) {
                // nothing to read: still connected
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
