package io.cairn.foundation.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The discovery applet's proxy: accepts TCP connections on a local address (127.0.0.1:9442) and
 * relays each, bytes both ways, to one target (a node's {@code [fe80::…%if]:8000}). When one side
 * ends its stream the other side's output is shut down (half-close passes through); when both
 * directions are done, or either fails, both sockets close. A connection whose target does not
 * answer within the connect timeout is closed. One virtual thread per direction.
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile InetSocketAddress target;
    private volatile Duration connectTimeout = Duration.ofSeconds(5);
    private volatile boolean closed;

    private TcpProxy(ServerSocket server) {
        this.server = server;
    }

    /**
     * Binds {@code listen} now (so a busy port is reported before anything else happens). Throws
     * {@link IOException} naming the address when it is in use or not this machine's.
     */
    public static TcpProxy bind(InetSocketAddress listen) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true); // a previous applet's TIME_WAIT connections do not block a restart; a live listener does
            s.bind(listen, 64);
            return new TcpProxy(s);
        } catch (BindException e) {
            s.close();
            throw new IOException(text(listen) + " is busy (" + e.getMessage() + "): another applet or program listens there; stop it, "
                    + "or give another address with --listen 127.0.0.1:PORT", e);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen on " + text(listen) + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Connections accepted so far. */
    public long connections() {
        return accepted.get();
    }

    public TcpProxy connectTimeout(Duration d) {
        this.connectTimeout = d;
        return this;
    }

    /** Starts relaying accepted connections to {@code to}; returns at once. */
    public TcpProxy start(InetSocketAddress to) {
        this.target = to;
        Thread.ofVirtual().name("applet-accept").start(this::acceptLoop);
        return this;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("foundation applet: accept failed: " + e.getMessage());
                }
                return;
            }
            accepted.incrementAndGet();
            open.add(client);
            Thread.ofVirtual().name("applet-conn").start(() -> relay(client));
        }
    }

    private void relay(Socket client) {
        Socket upstream = new Socket();
        open.add(upstream);
        try {
            upstream.connect(target, (int) connectTimeout.toMillis());
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
        } catch (IOException e) {
            System.err.println("foundation applet: " + text(target) + " does not answer: " + e.getMessage());
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        Thread back = Thread.ofVirtual().name("applet-down").start(() -> pump(upstream, client));
        pump(client, upstream);
        try {
            back.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(client);
        closeQuietly(upstream);
    }

    /** Copies {@code from} to {@code to} until end of stream, then half-closes {@code to}; on an error closes both. */
    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0;) {
                out.write(buf, 0, n);
                out.flush();
            }
            if (!to.isClosed()) {
                to.shutdownOutput();
            }
        } catch (SocketException e) {
            closeQuietly(from); // reset or closed: the other direction ends too
            closeQuietly(to);
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    static String text(InetSocketAddress a) {
        if (a == null) {
            return "?";
        }
        String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
