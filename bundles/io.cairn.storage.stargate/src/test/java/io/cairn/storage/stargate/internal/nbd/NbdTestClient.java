package io.cairn.storage.stargate.internal.nbd;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A deliberately minimal NBD client for the tests: it writes exactly the bytes a test asks for,
 * so tests can also send what real clients never would. Over TCP every read has a socket timeout
 * so a misbehaving server fails the test instead of hanging it; over a Unix socket (which has no
 * read timeout) the test's own timeout interrupts the blocked read.
 */
final class NbdTestClient implements AutoCloseable {

    record OptionReply(int option, int type, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    record Reply(int error, long cookie, byte[] data) {
    }

    /** The TCP connection, or null over a Unix socket. */
    private Socket socket;
    /** The Unix socket connection, or null over TCP. */
    private final SocketChannel unix;
    private DataInputStream in;
    private DataOutputStream out;
    /** The handshake flags the server sent. */
    final int serverFlags;

    private NbdTestClient(Socket socket, SocketChannel unix) throws IOException {
        this.socket = socket;
        this.unix = unix;
        if (socket != null) {
            socket.setSoTimeout(10_000);
        }
        streams();
        long magic = in.readLong();
        long ihaveopt = in.readLong();
        if (magic != NbdProtocol.NBDMAGIC || ihaveopt != NbdProtocol.IHAVEOPT) {
            throw new IOException("not an NBD newstyle server: magic 0x" + Long.toHexString(magic) + " 0x" + Long.toHexString(ihaveopt));
        }
        serverFlags = in.readUnsignedShort();
    }

    /** Connects and reads the server's greeting; the client flags are not sent yet. */
    static NbdTestClient connect(int port) throws IOException {
        return new NbdTestClient(new Socket(InetAddress.getLoopbackAddress(), port), null);
    }

    /** Connects to the Unix socket {@code path} and reads the server's greeting; the client flags are not sent yet. */
    static NbdTestClient connect(Path path) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(path));
            return new NbdTestClient(null, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Connects to the Unix socket {@code path} and sends the usual client flags (fixed newstyle, no zeroes). */
    static NbdTestClient connectFixedNewstyle(Path path) throws IOException {
        NbdTestClient c = connect(path);
        c.sendClientFlags(NbdProtocol.FLAG_C_FIXED_NEWSTYLE | NbdProtocol.FLAG_C_NO_ZEROES);
        return c;
    }

    /** Connects and sends the usual client flags (fixed newstyle, no zeroes). */
    static NbdTestClient connectFixedNewstyle(int port) throws IOException {
        NbdTestClient c = connect(port);
        c.sendClientFlags(NbdProtocol.FLAG_C_FIXED_NEWSTYLE | NbdProtocol.FLAG_C_NO_ZEROES);
        return c;
    }

    private void streams() throws IOException {
        if (unix != null) {
            // not Channels.newInputStream/newOutputStream: a pipelining test reads and writes at once
            in = new DataInputStream(new BufferedInputStream(new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return len == 0 ? 0 : unix.read(ByteBuffer.wrap(b, off, len));
                }
            }));
            out = new DataOutputStream(new BufferedOutputStream(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    ByteBuffer src = ByteBuffer.wrap(b, off, len);
                    while (src.hasRemaining()) {
                        unix.write(src);
                    }
                }
            }));
            return;
        }
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    void sendClientFlags(int flags) throws IOException {
        out.writeInt(flags);
        out.flush();
    }

    void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(NbdProtocol.IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    OptionReply readOptionReply() throws IOException {
        long magic = in.readLong();
        if (magic != NbdProtocol.OPTION_REPLY_MAGIC) {
            throw new IOException("bad option reply magic 0x" + Long.toHexString(magic));
        }
        int option = in.readInt();
        int type = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new OptionReply(option, type, data);
    }

    /** The data of NBD_OPT_INFO / NBD_OPT_GO for {@code name} with the given information requests. */
    static byte[] infoRequest(String name, int... infos) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + utf8.length + 2 + 2 * infos.length).putInt(utf8.length).put(utf8).putShort((short) infos.length);
        for (int info : infos) {
            b.putShort((short) info);
        }
        return b.array();
    }

    /** Sends NBD_OPT_GO asking for block sizes and reads replies up to the final one, which it returns. */
    OptionReply go(String name) throws IOException {
        sendOption(NbdProtocol.OPT_GO, infoRequest(name, NbdProtocol.INFO_BLOCK_SIZE));
        OptionReply r;
        do {
            r = readOptionReply();
        } while (r.type() == NbdProtocol.REP_INFO);
        return r;
    }

    /** Sends NBD_OPT_STARTTLS, expects the ACK and performs the TLS handshake as client. */
    void startTls(SSLContext context) throws IOException {
        if (unix != null) {
            throw new IllegalStateException("the test client speaks TLS over TCP only");
        }
        sendOption(NbdProtocol.OPT_STARTTLS, new byte[0]);
        OptionReply r = readOptionReply();
        if (r.type() != NbdProtocol.REP_ACK) {
            throw new IOException("STARTTLS refused: reply type 0x" + Integer.toHexString(r.type()) + " " + r.text());
        }
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        tls.setUseClientMode(true);
        tls.setSoTimeout(10_000);
        tls.startHandshake();
        socket = tls;
        streams();
    }

    /** The negotiated TLS protocol, or "none". */
    String tlsProtocol() {
        return socket instanceof SSLSocket s ? s.getSession().getProtocol() : "none";
    }

    void sendRequest(int flags, int type, long cookie, long offset, long length, byte[] payload) throws IOException {
        out.writeInt(NbdProtocol.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt((int) length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** Reads one simple reply; {@code readLength} bytes of data follow it when it reports success. */
    Reply readReply(int readLength) throws IOException {
        int magic = in.readInt();
        if (magic != NbdProtocol.SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
        }
        int error = in.readInt();
        long cookie = in.readLong();
        byte[] data = new byte[error == 0 ? readLength : 0];
        in.readFully(data);
        return new Reply(error, cookie, data);
    }

    /** Sends one request and reads its reply (no pipelining). */
    Reply call(int flags, int type, long offset, long length, byte[] payload, int readLength) throws IOException {
        sendRequest(flags, type, 42, offset, length, payload);
        return readReply(readLength);
    }

    /** -1 if the server closed the connection, otherwise the next byte. */
    int readByteOrEnd() throws IOException {
        return in.read();
    }

    @Override
    public void close() throws IOException {
        if (unix != null) {
            unix.close();
        } else {
            socket.close();
        }
    }
}
