package io.cairn.storage.stargate.internal.nbd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

import javax.net.ssl.SSLContext;

/**
 * An NBD connection over a Unix domain socket: plain bytes, no TLS. Who may connect is decided by
 * the socket file's permissions (0600, the owner of the server process), which
 * {@link Listener#bind} sets before the file appears under its name.
 *
 * <p>A socket channel has no read timeout, so while one is set each blocking read is guarded by a
 * virtual thread that closes the channel when the timeout passes; the read then fails with a
 * {@link SocketTimeoutException} as a TCP socket's would.
 */
final class UnixSocketTransport implements NbdTransport {

    /** Largest chunk handed to the channel at once: bounds the JDK's temporary direct buffers, as its socket streams do. */
    private static final int MAX_CHUNK = 128 * 1024;

    private final SocketChannel channel;
    private final String peer;
    private final InputStream input = new Input();
    private final OutputStream output = new Output();
    private volatile long readTimeoutNanos;
    private volatile boolean timedOut;

    UnixSocketTransport(SocketChannel channel, Path socketPath) {
        this.channel = channel;
        this.peer = "unix socket " + socketPath;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public void readTimeout(Duration timeout) {
        readTimeoutNanos = timeout.toNanos();
    }

    @Override
    public NbdTransport startTls(SSLContext context, String[] protocols, boolean needClientAuth) {
        throw new UnsupportedOperationException("TLS is not used on a Unix domain socket");
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing to do: the client sees the connection end either way
        }
    }

    @Override
    public String toString() {
        return "Unix socket " + peer;
    }

    /** An I/O failure, as a timeout if the read timeout closed the channel. */
    private IOException failure(IOException e) {
        if (timedOut) {
            SocketTimeoutException timeout = new SocketTimeoutException("no data from the client within "
                    + Duration.ofNanos(readTimeoutNanos));
            timeout.initCause(e);
            return timeout;
        }
        return e;
    }

    private final class Input extends InputStream {

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            ByteBuffer dst = ByteBuffer.wrap(b, off, Math.min(len, MAX_CHUNK));
            long timeout = readTimeoutNanos;
            Thread watchdog = timeout > 0 ? Thread.ofVirtual().name("nbd-unix-read-timeout").start(() -> expireAfter(timeout)) : null;
            try {
                return channel.read(dst);
            } catch (IOException e) {
                throw failure(e);
            } finally {
                if (watchdog != null) {
                    watchdog.interrupt();
                }
            }
        }

        private void expireAfter(long nanos) {
            try {
                Thread.sleep(Duration.ofNanos(nanos));
            } catch (InterruptedException e) {
                return; // the read finished in time
            }
            timedOut = true;
            close();
        }

        @Override
        public void close() {
            UnixSocketTransport.this.close();
        }
    }

    private final class Output extends OutputStream {

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            try {
                for (int done = 0; done < len;) {
                    done += channel.write(ByteBuffer.wrap(b, off + done, Math.min(len - done, MAX_CHUNK)));
                }
            } catch (IOException e) {
                throw failure(e);
            }
        }

        @Override
        public void close() {
            UnixSocketTransport.this.close();
        }
    }

    /**
     * A listening Unix domain socket. The file is mode 0600 and owned by the server's user from the
     * moment it has its name, and it is removed by {@link #close()}.
     */
    static final class Listener implements NbdListener {

        /** sun_path on Linux holds 108 bytes including the terminating NUL. */
        static final int MAX_PATH_BYTES = 107;
        private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
        private static final Set<PosixFilePermission> OWNER_ONLY_SOCKET = PosixFilePermissions.fromString("rw-------");

        private final ServerSocketChannel channel;
        private final Path path;
        private final Object fileKey;
        private volatile boolean closed;

        private Listener(ServerSocketChannel channel, Path path, Object fileKey) {
            this.channel = channel;
            this.path = path;
            this.fileKey = fileKey;
        }

        /**
         * Listens on the socket file {@code path}, mode 0600. A missing parent directory is created
         * with mode 0700. A socket file left behind by a server that is gone is replaced; a socket
         * another server still listens on, or a file that is not a socket, is not touched.
         *
         * <p>The socket is bound under a temporary name in a fresh directory only this user can
         * enter, given mode 0600 there and then linked to {@code path}, so no other user can
         * connect in between; a path too long for that is bound in place and given 0600 at once.
         *
         * @throws IOException naming the path and what to do if it cannot be listened on
         */
        static Listener bind(Path path) throws IOException {
            Path socket = path.toAbsolutePath().normalize();
            if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
                throw new IOException("NBD socket path " + socket + " is longer than the " + MAX_PATH_BYTES
                        + " bytes a Unix domain socket address holds; choose a shorter path");
            }
            Path parent = socket.getParent();
            try {
                if (!Files.isDirectory(parent)) {
                    Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
                }
                removeIfStale(socket);
            } catch (IOException e) {
                throw new IOException("NBD server cannot listen on " + socket + ": " + e.getMessage(), e);
            }
            ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                Object fileKey = bindPrivately(channel, socket);
                return new Listener(channel, socket, fileKey);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }

        /** Deletes {@code socket} if it is a socket file nobody listens on; refuses a live socket and any other file. */
        private static void removeIfStale(Path socket) throws IOException {
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.NoSuchFileException e) {
                return;
            }
            if (!isSocket(socket, attributes)) {
                throw new IOException("the path exists and is not a socket; remove it or choose another path");
            }
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
            } catch (ConnectException e) {
                // connection refused: the server that made the file is gone
                Files.deleteIfExists(socket);
                return;
            }
            throw new IOException("another server is listening on this socket (is a second node using the same home?);"
                    + " stop it or choose another path");
        }

        private static boolean isSocket(Path path, BasicFileAttributes attributes) throws IOException {
            try {
                int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                return (mode & 0170000) == 0140000; // S_IFMT == S_IFSOCK
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                return attributes.isOther();
            }
        }

        /** Binds {@code channel} so that {@code socket} appears with mode 0600 only; the socket file's key. */
        private static Object bindPrivately(ServerSocketChannel channel, Path socket) throws IOException {
            Path parent = socket.getParent();
            Path privateDir = Files.createTempDirectory(parent, ".nbd", PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
            try {
                Path temporary = privateDir.resolve("s");
                if (temporary.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
                    bind(channel, socket);
                    Files.setPosixFilePermissions(socket, OWNER_ONLY_SOCKET);
                    return fileKey(socket);
                }
                bind(channel, temporary);
                try {
                    Files.setPosixFilePermissions(temporary, OWNER_ONLY_SOCKET);
                    giveName(temporary, socket);
                } catch (FileAlreadyExistsException e) {
                    throw new IOException("NBD server cannot listen on " + socket + ": another server created it just now; stop it or"
                            + " choose another path", e);
                } finally {
                    Files.deleteIfExists(temporary);
                }
                return fileKey(socket);
            } finally {
                Files.deleteIfExists(privateDir);
            }
        }

        /**
         * Makes the bound socket {@code temporary} reachable as {@code socket} unless that exists: a
         * hard link (atomic), or a rename on a file system without hard links.
         */
        private static void giveName(Path temporary, Path socket) throws IOException {
            try {
                Files.createLink(socket, temporary);
            } catch (FileAlreadyExistsException e) {
                throw e;
            } catch (IOException | UnsupportedOperationException e) {
                Files.move(temporary, socket);
            }
        }

        private static void bind(ServerSocketChannel channel, Path path) throws IOException {
            try {
                channel.bind(UnixDomainSocketAddress.of(path), 128);
            } catch (IOException e) {
                throw new IOException("NBD server cannot listen on " + path + ": " + e.getMessage(), e);
            }
        }

        private static Object fileKey(Path path) throws IOException {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        }

        @Override
        public NbdTransport accept() throws IOException {
            return new UnixSocketTransport(channel.accept(), path);
        }

        @Override
        public SocketAddress address() {
            return UnixDomainSocketAddress.of(path);
        }

        @Override
        public String describe() {
            return path.toString();
        }

        @Override
        public boolean isClosed() {
            return closed || !channel.isOpen();
        }

        /** Stops listening and deletes the socket file, unless another server has put its own file there since. */
        @Override
        public void close() {
            closed = true;
            try {
                channel.close();
            } catch (IOException e) {
                // the descriptor is released either way
            }
            try {
                if (Objects.equals(fileKey(path), fileKey)) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
