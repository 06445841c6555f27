package io.cairn.storage.stargate.internal.nbd;

import static io.cairn.storage.stargate.internal.nbd.NbdProtocol.*;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: the fixed newstyle negotiation, then the transmission phase.
 *
 * <p>The connection's own thread reads requests; each request runs on its own virtual thread
 * so that a pipelining client (qemu, fio at iodepth 32) keeps many requests in progress. When
 * {@link NbdServerConfig#maxRequestsInFlight()} requests or
 * {@link NbdServerConfig#maxBytesInFlight()} payload bytes are in progress the reader stops
 * reading, which pushes back on the client through the socket. Replies are written in completion
 * order (the client matches them by cookie) under one lock.
 *
 * <p>The bytes travel over an {@link NbdTransport}: TCP, which NBD_OPT_STARTTLS replaces by TLS,
 * or a Unix domain socket, on which TLS is refused by policy.
 */
final class NbdConnection implements Runnable {

    private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Logger logger = LoggerFactory.getLogger(NbdConnection.class);
    private final long id;
    private final String peer;
    private final NbdServerConfig config;
    private final NbdExports exports;
    private final Function<String, NbdExportStats> statsByExport;
    private final ReentrantLock replyLock = new ReentrantLock();

    private volatile NbdTransport transport;
    private DataInputStream in;
    private DataOutputStream out;
    private boolean tlsActive;

    NbdConnection(long id, NbdTransport transport, NbdServerConfig config, NbdExports exports,
            Function<String, NbdExportStats> statsByExport) {
        this.id = id;
        this.transport = transport;
        this.peer = transport.peer();
        this.config = config;
        this.exports = exports;
        this.statsByExport = statsByExport;
    }

    @Override
    public void run() {
        try {
            transport.readTimeout(config.handshakeTimeout());
            useStreamsOf(transport);
            Optional<NbdExport> export = negotiate();
            if (export.isPresent()) {
                transport.readTimeout(Duration.ZERO);
                logger.debug("NBD connection {} from {}: serving export '{}'", id, peer, export.get().name());
                transmit(export.get());
            }
        } catch (EOFException e) {
            logger.debug("NBD connection {} from {}: client closed the connection", id, peer);
        } catch (SocketTimeoutException e) {
            logger.info("NBD connection {} from {}: no complete negotiation within {}; disconnected", id, peer, config.handshakeTimeout());
        } catch (IOException e) {
            logger.debug("NBD connection {} from {} ended: {}", id, peer, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            logger.warn("NBD connection {} from {} failed unexpectedly; disconnected", id, peer, e);
        } finally {
            close();
        }
    }

    /** Closes the transport; the connection's threads notice and end. */
    void close() {
        transport.close();
    }

    private void useStreamsOf(NbdTransport t) throws IOException {
        in = new DataInputStream(new BufferedInputStream(t.input(), 64 * 1024));
        out = new DataOutputStream(new BufferedOutputStream(t.output(), 64 * 1024));
    }

    // ---------------------------------------------------------------- negotiation

    /** Runs the option haggling; the export to serve, or empty when the connection is to end. */
    private Optional<NbdExport> negotiate() throws IOException {
        out.writeLong(NBDMAGIC);
        out.writeLong(IHAVEOPT);
        out.writeShort(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        out.flush();
        int clientFlags = in.readInt();
        if ((clientFlags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) != 0 || (clientFlags & FLAG_C_FIXED_NEWSTYLE) == 0) {
            logger.info("NBD connection {} from {}: client flags 0x{} are not fixed newstyle (bit 0) plus optionally no-zeroes (bit 1);"
                    + " disconnected", id, peer, Integer.toHexString(clientFlags));
            return Optional.empty();
        }
        boolean noZeroes = (clientFlags & FLAG_C_NO_ZEROES) != 0;
        boolean tlsRequired = config.tls().isPresent();
        while (true) {
            long magic = in.readLong();
            if (magic != IHAVEOPT) {
                logger.info("NBD connection {} from {}: option does not start with IHAVEOPT (got 0x{}); disconnected", id, peer,
                        Long.toHexString(magic));
                return Optional.empty();
            }
            int option = in.readInt();
            int length = in.readInt();
            if (length < 0 || length > MAX_OPTION_LENGTH) {
                logger.info("NBD connection {} from {}: {} carries {} bytes, more than the {} this server accepts; disconnected", id, peer,
                        optionName(option), Integer.toUnsignedString(length), MAX_OPTION_LENGTH);
                return Optional.empty();
            }
            byte[] data = new byte[length];
            in.readFully(data);
            if (tlsRequired && !tlsActive && option != OPT_STARTTLS && option != OPT_ABORT) {
                if (option == OPT_EXPORT_NAME) {
                    logger.info("NBD connection {} from {}: NBD_OPT_EXPORT_NAME before NBD_OPT_STARTTLS on a TLS-required server;"
                            + " disconnected (the client must use TLS)", id, peer);
                    return Optional.empty();
                }
                logger.info("NBD connection {} from {}: {} refused, this server requires TLS (NBD_OPT_STARTTLS first)", id, peer,
                        optionName(option));
                replyError(option, REP_ERR_TLS_REQD, "this server requires TLS: send NBD_OPT_STARTTLS first");
                continue;
            }
            switch (option) {
                case OPT_EXPORT_NAME -> {
                    return exportName(data, noZeroes);
                }
                case OPT_ABORT -> {
                    optionReply(option, REP_ACK, new byte[0]);
                    logger.debug("NBD connection {} from {}: client aborted the negotiation", id, peer);
                    return Optional.empty();
                }
                case OPT_LIST -> list(data);
                case OPT_STARTTLS -> {
                    if (!startTls(data)) {
                        return Optional.empty();
                    }
                }
                case OPT_INFO, OPT_GO -> {
                    Optional<NbdExport> chosen = infoOrGo(option, data);
                    if (chosen.isPresent()) {
                        return chosen;
                    }
                }
                case OPT_STRUCTURED_REPLY -> replyError(option, REP_ERR_UNSUP, "structured replies are not supported; use simple replies");
                default -> replyError(option, REP_ERR_UNSUP, optionName(option) + " is not supported by this server");
            }
        }
    }

    private Optional<NbdExport> exportName(byte[] data, boolean noZeroes) throws IOException {
        String name = new String(data, StandardCharsets.UTF_8);
        Optional<NbdExport> export = exports.find(name);
        if (export.isEmpty()) {
            logger.info("NBD connection {} from {}: NBD_OPT_EXPORT_NAME asks for unknown export '{}'; disconnected", id, peer, name);
            return Optional.empty();
        }
        String problem = blockSizeProblem(export.get());
        if (problem != null) {
            logger.warn("NBD export '{}' cannot be served: {}", name, problem);
            return Optional.empty();
        }
        out.writeLong(export.get().size());
        out.writeShort(transmissionFlags(export.get()));
        if (!noZeroes) {
            out.write(new byte[124]);
        }
        out.flush();
        return export;
    }

    private void list(byte[] data) throws IOException {
        if (data.length != 0) {
            replyError(OPT_LIST, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
            return;
        }
        for (String name : exports.names()) {
            byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(4 + utf8.length).putInt(utf8.length).put(utf8);
            optionReply(OPT_LIST, REP_SERVER, b.array());
        }
        optionReply(OPT_LIST, REP_ACK, new byte[0]);
    }

    /** Upgrades to TLS; false if the connection must end. */
    private boolean startTls(byte[] data) throws IOException {
        if (data.length != 0) {
            replyError(OPT_STARTTLS, REP_ERR_INVALID, "NBD_OPT_STARTTLS takes no data");
            return true;
        }
        if (config.isUnixSocket()) {
            // NOTLS mode by policy: the socket file's permissions decide who connects
            logger.debug("NBD connection {} from {}: NBD_OPT_STARTTLS declined, no TLS on the Unix socket", id, peer);
            replyError(OPT_STARTTLS, REP_ERR_POLICY, "TLS is not used on this server's Unix socket (its file permissions protect it);"
                    + " continue without TLS");
            return true;
        }
        if (config.tls().isEmpty()) {
            replyError(OPT_STARTTLS, REP_ERR_UNSUP, "this server is not configured for TLS");
            return true;
        }
        if (tlsActive) {
            replyError(OPT_STARTTLS, REP_ERR_INVALID, "TLS is already active");
            return true;
        }
        if (in.available() > 0) {
            logger.info("NBD connection {} from {}: client sent data after NBD_OPT_STARTTLS before the server's reply; disconnected", id,
                    peer);
            return false;
        }
        optionReply(OPT_STARTTLS, REP_ACK, new byte[0]);
        SSLContext context = config.tls().get();
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getProtocols());
        String[] protocols = Arrays.stream(TLS_PROTOCOLS).filter(supported::contains).toArray(String[]::new);
        NbdTransport tls;
        try {
            tls = transport.startTls(context, protocols, config.requireClientCertificate());
        } catch (SSLException e) {
            logger.info("NBD connection {} from {}: TLS handshake failed: {}; disconnected", id, peer, e.getMessage());
            return false;
        }
        transport = tls;
        tlsActive = true;
        useStreamsOf(tls);
        logger.debug("NBD connection {}: {} established", id, tls);
        return true;
    }

    /** Answers NBD_OPT_INFO or NBD_OPT_GO; the export when GO succeeded, otherwise empty. */
    private Optional<NbdExport> infoOrGo(int option, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        if (data.length < 6) {
            replyError(option, REP_ERR_INVALID, optionName(option) + " needs a name length, a name and a count of information requests");
            return Optional.empty();
        }
        int nameLength = b.getInt();
        if (nameLength < 0 || nameLength > data.length - 6) {
            replyError(option, REP_ERR_INVALID, "the export name length " + Integer.toUnsignedString(nameLength) + " exceeds the option data");
            return Optional.empty();
        }
        if (nameLength > MAX_STRING_LENGTH) {
            replyError(option, REP_ERR_TOO_BIG, "export names are at most " + MAX_STRING_LENGTH + " bytes");
            return Optional.empty();
        }
        byte[] nameBytes = new byte[nameLength];
        b.get(nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        int requestCount = Short.toUnsignedInt(b.getShort());
        if (b.remaining() != 2 * requestCount) {
            replyError(option, REP_ERR_INVALID, "the option announces " + requestCount + " information requests but carries "
                    + b.remaining() + " bytes for them");
            return Optional.empty();
        }
        Set<Integer> requested = new HashSet<>();
        for (int i = 0; i < requestCount; i++) {
            requested.add(Short.toUnsignedInt(b.getShort()));
        }
        Optional<NbdExport> found = exports.find(name);
        if (found.isEmpty()) {
            logger.info("NBD connection {} from {}: {} asks for unknown export '{}'", id, peer, optionName(option), name);
            replyError(option, REP_ERR_UNKNOWN, "no export named '" + name + "' on this server; NBD_OPT_LIST shows the exports");
            return Optional.empty();
        }
        NbdExport export = found.get();
        String problem = blockSizeProblem(export);
        if (problem != null) {
            logger.warn("NBD export '{}' cannot be served: {}", name, problem);
            replyError(option, REP_ERR_UNKNOWN, "export '" + name + "' is misconfigured on the server and cannot be served");
            return Optional.empty();
        }
        optionReply(option, REP_INFO, ByteBuffer.allocate(12).putShort((short) INFO_EXPORT).putLong(export.size())
                .putShort((short) transmissionFlags(export)).array());
        if (requested.contains(INFO_NAME)) {
            byte[] utf8 = export.name().getBytes(StandardCharsets.UTF_8);
            optionReply(option, REP_INFO, ByteBuffer.allocate(2 + utf8.length).putShort((short) INFO_NAME).put(utf8).array());
        }
        if (requested.contains(INFO_DESCRIPTION) && !export.description().isEmpty()) {
            byte[] utf8 = truncate(export.description().getBytes(StandardCharsets.UTF_8));
            optionReply(option, REP_INFO, ByteBuffer.allocate(2 + utf8.length).putShort((short) INFO_DESCRIPTION).put(utf8).array());
        }
        // sent whether asked or not: the protocol allows it, and clients align their requests to it
        optionReply(option, REP_INFO, ByteBuffer.allocate(14).putShort((short) INFO_BLOCK_SIZE).putInt(export.minimumBlockSize())
                .putInt(export.preferredBlockSize()).putInt(MAX_PAYLOAD).array());
        if (!requested.contains(INFO_BLOCK_SIZE) && export.minimumBlockSize() > 1) {
            replyError(option, REP_ERR_BLOCK_SIZE_REQD, "export '" + name + "' needs I/O aligned to " + export.minimumBlockSize()
                    + " bytes; request NBD_INFO_BLOCK_SIZE");
            return Optional.empty();
        }
        optionReply(option, REP_ACK, new byte[0]);
        return option == OPT_GO ? Optional.of(export) : Optional.empty();
    }

    private static byte[] truncate(byte[] utf8) {
        return utf8.length <= MAX_STRING_LENGTH ? utf8 : Arrays.copyOf(utf8, MAX_STRING_LENGTH);
    }

    /** What is wrong with the export's block sizes, or null if they are valid. */
    private static String blockSizeProblem(NbdExport export) {
        int min = export.minimumBlockSize();
        int preferred = export.preferredBlockSize();
        if (min < 1 || min > 65536 || Integer.bitCount(min) != 1) {
            return "minimum block size " + min + " is not a power of two from 1 to 65536";
        }
        if (preferred < min || preferred > MAX_PAYLOAD || Integer.bitCount(preferred) != 1) {
            return "preferred block size " + preferred + " is not a power of two from the minimum (" + min + ") to " + MAX_PAYLOAD;
        }
        if (export.size() < 0 || export.size() % min != 0) {
            return "size " + export.size() + " is negative or not a multiple of the minimum block size " + min;
        }
        return null;
    }

    private static int transmissionFlags(NbdExport export) {
        int flags = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH;
        if (export.readOnly()) {
            flags |= FLAG_READ_ONLY;
        } else {
            flags |= FLAG_SEND_FUA | FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES;
        }
        if (export.multiConnectionConsistent()) {
            flags |= FLAG_CAN_MULTI_CONN;
        }
        return flags;
    }

    private void replyError(int option, int type, String message) throws IOException {
        optionReply(option, type, message.getBytes(StandardCharsets.UTF_8));
    }

    private void optionReply(int option, int type, byte[] data) throws IOException {
        out.writeLong(OPTION_REPLY_MAGIC);
        out.writeInt(option);
        out.writeInt(type);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    // ---------------------------------------------------------------- transmission

    /** One request read from the client; {@code payload} is set for NBD_CMD_WRITE. */
    private record Request(long cookie, int type, int flags, long offset, long length, ByteBuffer payload, int reservedBytes) {
    }

    private void transmit(NbdExport export) throws IOException, InterruptedException {
        NbdExportStats stats = statsByExport.apply(export.name());
        Semaphore slots = new Semaphore(config.maxRequestsInFlight());
        Semaphore bytes = new Semaphore(config.maxBytesInFlight());
        ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nbd-" + id + "-request-", 0).factory());
        try {
            while (true) {
                slots.acquire();
                int magic;
                try {
                    magic = in.readInt();
                } catch (EOFException e) {
                    logger.debug("NBD connection {} from {}: client closed without NBD_CMD_DISC", id, peer);
                    return;
                }
                if (magic != REQUEST_MAGIC) {
                    logger.info("NBD connection {} from {}: request does not start with the request magic (got 0x{}); disconnected", id,
                            peer, Integer.toHexString(magic));
                    return;
                }
                int flags = in.readUnsignedShort();
                int type = in.readUnsignedShort();
                long cookie = in.readLong();
                long offset = in.readLong();
                long length = Integer.toUnsignedLong(in.readInt());
                if (type == CMD_DISC) {
                    logger.debug("NBD connection {} from {}: client disconnects", id, peer);
                    return;
                }
                ByteBuffer payload = null;
                int reserved = 0;
                if (type == CMD_WRITE) {
                    if (length > MAX_PAYLOAD) {
                        logger.info("NBD connection {} from {}: NBD_CMD_WRITE of {} bytes exceeds the {} byte maximum; disconnected"
                                + " (the payload is not read)", id, peer, length, MAX_PAYLOAD);
                        return;
                    }
                    reserved = (int) length;
                    bytes.acquire(reserved);
                    byte[] data = new byte[reserved];
                    in.readFully(data);
                    payload = ByteBuffer.wrap(data);
                } else if (type == CMD_READ && length <= MAX_PAYLOAD) {
                    reserved = (int) length;
                    bytes.acquire(reserved);
                }
                Request request = new Request(cookie, type, flags, offset, length, payload, reserved);
                workers.execute(() -> {
                    try {
                        execute(export, stats, request);
                    } finally {
                        bytes.release(request.reservedBytes());
                        slots.release();
                    }
                });
            }
        } finally {
            workers.shutdown();
            if (!workers.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                logger.warn("NBD connection {} from {}: requests to export '{}' still running after {}; abandoning them", id, peer,
                        export.name(), config.closeTimeout());
                workers.shutdownNow();
            }
        }
    }

    private void execute(NbdExport export, NbdExportStats stats, Request request) {
        ByteBuffer data = null;
        int error = 0;
        try {
            data = perform(export, stats, request);
        } catch (NbdException e) {
            error = e.errno().value();
            stats.countError();
            logger.info("NBD connection {} from {}: {} at offset {} length {} on '{}' failed with {}: {}", id, peer,
                    commandName(request.type()), Long.toUnsignedString(request.offset()), request.length(), export.name(), e.errno(),
                    e.getMessage());
        } catch (RuntimeException e) {
            error = NbdErrno.EIO.value();
            stats.countError();
            logger.warn("NBD connection {} from {}: export '{}' threw unexpectedly on {}; replying EIO", id, peer, export.name(),
                    commandName(request.type()), e);
        }
        sendReply(request.cookie(), error, data);
    }

    /** Checks and executes one request; the data for a successful read, otherwise null. */
    private static ByteBuffer perform(NbdExport export, NbdExportStats stats, Request r) throws NbdException {
        int type = r.type();
        if (type != CMD_READ && type != CMD_WRITE && type != CMD_FLUSH && type != CMD_TRIM && type != CMD_WRITE_ZEROES) {
            throw new NbdException(NbdErrno.EINVAL, commandName(type) + " is not supported by this server");
        }
        int allowedFlags = CMD_FLAG_FUA | (type == CMD_WRITE_ZEROES ? CMD_FLAG_NO_HOLE : 0);
        if ((r.flags() & ~allowedFlags) != 0) {
            throw new NbdException(NbdErrno.EINVAL, "unsupported command flags 0x" + Integer.toHexString(r.flags() & ~allowedFlags));
        }
        boolean fua = (r.flags() & CMD_FLAG_FUA) != 0;
        if (type == CMD_FLUSH) {
            export.flush();
            stats.countFlush();
            return null;
        }
        if (export.readOnly() && type != CMD_READ) {
            throw new NbdException(NbdErrno.EPERM, "export is read-only");
        }
        if (r.offset() < 0 || r.length() > export.size() - r.offset()) {
            boolean write = type == CMD_WRITE || type == CMD_WRITE_ZEROES;
            throw new NbdException(write ? NbdErrno.ENOSPC : NbdErrno.EINVAL,
                    "range ends beyond the export's " + export.size() + " bytes (request out of range)");
        }
        int min = export.minimumBlockSize();
        if (((r.offset() | r.length()) & (min - 1)) != 0) {
            throw new NbdException(NbdErrno.EINVAL, "offset and length must be multiples of the " + min + " byte minimum block size");
        }
        switch (type) {
            case CMD_READ -> {
                if (r.length() > MAX_PAYLOAD) {
                    throw new NbdException(NbdErrno.EINVAL, "reads are at most " + MAX_PAYLOAD + " bytes");
                }
                ByteBuffer buffer = ByteBuffer.allocate((int) r.length());
                if (r.length() > 0) {
                    export.read(r.offset(), buffer);
                }
                if (buffer.hasRemaining()) {
                    throw new NbdException(NbdErrno.EIO, "the export left " + buffer.remaining() + " bytes of the read unfilled");
                }
                stats.countRead((int) r.length());
                return buffer.flip();
            }
            case CMD_WRITE -> {
                if (r.length() > 0) {
                    export.write(r.offset(), r.payload(), fua);
                }
                stats.countWrite((int) r.length());
            }
            case CMD_TRIM -> {
                if (r.length() > 0) {
                    export.trim(r.offset(), r.length());
                }
                if (fua) {
                    export.flush();
                }
                stats.countTrim();
            }
            default -> {
                if (r.length() > 0) {
                    export.writeZeroes(r.offset(), r.length(), fua);
                }
                stats.countWriteZeroes();
            }
        }
        return null;
    }

    private void sendReply(long cookie, int error, ByteBuffer data) {
        replyLock.lock();
        try {
            out.writeInt(SIMPLE_REPLY_MAGIC);
            out.writeInt(error);
            out.writeLong(cookie);
            if (error == 0 && data != null) {
                out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
            }
            out.flush();
        } catch (IOException e) {
            logger.debug("NBD connection {} from {}: cannot send a reply ({}); closing", id, peer, e.toString());
            close();
        } finally {
            replyLock.unlock();
        }
    }
}
