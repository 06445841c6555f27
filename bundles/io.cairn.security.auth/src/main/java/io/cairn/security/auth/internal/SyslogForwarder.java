package io.cairn.security.auth.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.alerts.Severity;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.SyslogServer;

/**
 * Sends one node's audit records to one syslog server, in order, on its own thread: the audit write
 * path never waits for it. The spool is the audit log itself plus a cursor file
 * {@code <state dir>/<server>.cursor} holding the seq of the last record handed to the server
 * (replaced atomically after each one), so a controller restart resumes after it: at most the record
 * in flight is sent twice (TCP/TLS: at-least-once) or lost (UDP, or a stream server dying just after
 * accepting it). While the server cannot be reached the records wait in the log; when more than
 * {@code limitBytes} are waiting (spec: 256 MiB) the oldest are skipped so that at most that much
 * remains, and an alert is raised (also when records were rotated out of the log before they could
 * be sent).
 */
final class SyslogForwarder implements AutoCloseable {

    /** Raises an alert (the node's {@code AlertService} when there is one). */
    interface Alerts {
        void raise(Severity severity, String title, String message);
    }

    static final long POLL_MS = 200;
    static final long MAX_BACKOFF_MS = 5_000;

    private final Logger logger = LoggerFactory.getLogger(SyslogForwarder.class);
    private final SyslogServer server;
    private final Path auditDir;
    private final Path cursorFile;
    private final String hostname;
    private final long limitBytes;
    private final Alerts alerts;
    private final SSLContext tls;
    private final int level;
    private final Thread thread;
    private volatile boolean closed;
    private volatile SyslogTransport transport;

    /** The read position: an open audit file, its identity and the offset of the next line. */
    private FileChannel file;
    private Object fileKey;
    private long offset;
    /** Seq of the last record handed to the server (or skipped). */
    private volatile long delivered;

    SyslogForwarder(SyslogServer server, Path auditDir, Path stateDir, String hostname, long limitBytes, Alerts alerts) {
        this.server = server;
        this.auditDir = auditDir;
        this.cursorFile = stateDir.resolve(server.name() + ".cursor");
        this.hostname = hostname;
        this.limitBytes = limitBytes;
        this.alerts = alerts;
        this.tls = server.protocol() == SyslogServer.Protocol.TLS ? TrustedCa.context(server.caCertificatePem(), "syslog server "
                + server.name()) : null;
        this.level = server.modules().stream().filter(m -> m.name().equals(SyslogServer.AUDIT)).findFirst()
                .map(m -> SyslogMessage.level(m.level())).orElse(-1);
        try {
            Files.createDirectories(stateDir);
            delivered = readCursor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot use " + cursorFile + ": " + e.getMessage(), e);
        }
        this.thread = Thread.ofPlatform().daemon().name("audit-syslog-" + server.name()).start(this::run);
    }

    SyslogServer server() {
        return server;
    }

    /** Seq of the last record sent (or skipped). */
    long delivered() {
        return delivered;
    }

    /** The stored cursor; a new server starts after the newest record already in the log. */
    private long readCursor() throws IOException {
        if (Files.exists(cursorFile)) {
            try {
                return Long.parseLong(Files.readString(cursorFile).strip());
            } catch (NumberFormatException e) {
                logger.warn("{} is damaged ({}); forwarding to {} resumes after the newest record", cursorFile, e.getMessage(), server.name());
            }
        }
        long last = newestSeq();
        writeCursor(last);
        return last;
    }

    private void writeCursor(long seq) throws IOException {
        Path tmp = cursorFile.resolveSibling(cursorFile.getFileName() + ".tmp");
        Files.writeString(tmp, seq + "\n");
        Files.move(tmp, cursorFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The seq of the newest complete record in the log (0 when there is none). */
    private long newestSeq() throws IOException {
        List<Path> files = FileAuditLog.retained(auditDir);
        for (int i = files.size() - 1; i >= 0; i--) {
            List<String> lines = completeLines(files.get(i));
            for (int k = lines.size() - 1; k >= 0; k--) {
                long s = FileAuditLog.seqOf(lines.get(k));
                if (s > 0) {
                    return s;
                }
            }
        }
        return 0;
    }

    private static List<String> completeLines(Path f) throws IOException {
        String all;
        try {
            all = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        int end = all.lastIndexOf('\n');
        return end < 0 ? List.of() : all.substring(0, end).lines().toList();
    }

    private void run() {
        long backoff = POLL_MS;
        boolean failing = false;
        try {
            while (!closed) {
                String line;
                try {
                    line = nextLine();
                } catch (IOException e) {
                    if (closed) {
                        break; // close() interrupted a read
                    }
                    logger.warn("reading the audit log for syslog server {}: {}", server.name(), e.getMessage());
                    closeFile();
                    sleep(1_000);
                    continue;
                }
                if (line == null) {
                    sleep(POLL_MS);
                    continue;
                }
                AuditRecord r = FileAuditLog.toRecord(line);
                if (r == null || r.seq() <= delivered) {
                    continue; // not a record (a damaged line) or already sent
                }
                if (r.seq() > delivered + 1) {
                    dropped(r.seq() - delivered - 1, "they were rotated out of the audit log or skipped before they could be sent");
                }
                if (SyslogMessage.severity(r.result()) <= level) {
                    byte[] message = SyslogMessage.format(r, line, hostname);
                    while (!closed) {
                        try {
                            SyslogTransport t = transport;
                            if (t == null) {
                                t = SyslogTransport.open(server, tls);
                                transport = t;
                                if (failing) {
                                    logger.info("syslog server {} ({}:{}) reachable again", server.name(), server.host(), server.port());
                                }
                            }
                            t.send(message);
                            failing = false;
                            backoff = POLL_MS;
                            break;
                        } catch (IOException | RuntimeException e) {
                            closeTransport();
                            if (!failing) {
                                logger.warn("syslog server {} ({} {}:{}) cannot be reached ({}); records wait in the audit log", server.name(),
                                        server.protocol(), server.host(), server.port(), e.toString());
                            }
                            failing = true;
                            sleep(backoff);
                            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                            if (skipIfTooFarBehind()) {
                                message = null;
                                break;
                            }
                        }
                    }
                    if (message == null || closed) {
                        continue; // skipped ahead (the next line read is the first kept), or closing: not sent
                    }
                }
                delivered = r.seq();
                try {
                    writeCursor(delivered);
                } catch (IOException e) {
                    logger.warn("cannot save the syslog cursor {}: {}", cursorFile, e.getMessage());
                }
            }
        } finally {
            closeTransport();
            closeFile();
        }
    }

    private void dropped(long count, String why) {
        String text = count + " audit record(s) after seq " + delivered + " were not sent to syslog server " + server.name() + " ("
                + server.host() + ":" + server.port() + "): " + why;
        logger.warn(text);
        try {
            alerts.raise(Severity.CRITICAL, "Audit records not forwarded to syslog", text);
        } catch (RuntimeException e) {
            logger.info("could not raise the alert: {}", e.getMessage());
        }
    }

    /** The next complete line after the read position, or null when there is none yet. */
    private String nextLine() throws IOException {
        if (file == null && !locate(delivered + 1)) {
            return null;
        }
        String line = readLine();
        if (line != null) {
            return line;
        }
        // at the end of our file: the log may have rotated past it
        Path cur = auditDir.resolve(FileAuditLog.FILE);
        try {
            Object now = Files.readAttributes(cur, BasicFileAttributes.class).fileKey();
            if (!Objects.equals(now, fileKey)) {
                closeFile();
            }
        } catch (NoSuchFileException e) {
            closeFile();
        }
        return null;
    }

    /** Reads the complete line at {@link #offset} and moves past it; null at the end or before a partial line. */
    private String readLine() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        long pos = offset;
        while (true) {
            buf.clear();
            int n = file.read(buf, pos);
            if (n <= 0) {
                return null;
            }
            byte[] a = buf.array();
            for (int i = 0; i < n; i++) {
                if (a[i] == '\n') {
                    line.write(a, 0, i);
                    offset = pos + i + 1;
                    return line.toString(StandardCharsets.UTF_8);
                }
            }
            line.write(a, 0, n);
            pos += n;
        }
    }

    /**
     * Opens the file holding record {@code seq} (or where it will be written) at that record's line.
     * Returns false when there is no audit file yet.
     */
    private boolean locate(long seq) throws IOException {
        List<Path> files = FileAuditLog.retained(auditDir);
        if (files.isEmpty()) {
            return false;
        }
        Path chosen = files.get(0);
        for (Path f : files) {
            long first = firstSeq(f);
            if (first > 0 && first <= seq) {
                chosen = f;
            }
        }
        open(chosen);
        long pos = 0;
        offset = 0;
        String line;
        while ((line = readLine()) != null) {
            if (FileAuditLog.seqOf(line) >= seq) {
                offset = pos;
                return true;
            }
            pos = offset;
        }
        offset = pos;
        return true;
    }

    private long firstSeq(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            FileChannel saved = file;
            long savedOffset = offset;
            file = ch;
            offset = 0;
            try {
                String line = readLine();
                return line == null ? -1 : FileAuditLog.seqOf(line);
            } finally {
                file = saved;
                offset = savedOffset;
            }
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    private void open(Path f) throws IOException {
        closeFile();
        file = FileChannel.open(f, StandardOpenOption.READ);
        fileKey = Files.readAttributes(f, BasicFileAttributes.class).fileKey();
        offset = 0;
    }

    /**
     * While the server is unreachable: when more than {@code limitBytes} of the log wait to be sent,
     * moves the read position to the first line of the newest {@code limitBytes} and returns true.
     */
    private boolean skipIfTooFarBehind() {
        try {
            if (file == null) {
                return false;
            }
            List<Path> files = FileAuditLog.retained(auditDir);
            int mine = -1;
            for (int i = 0; i < files.size(); i++) {
                try {
                    if (Objects.equals(Files.readAttributes(files.get(i), BasicFileAttributes.class).fileKey(), fileKey)) {
                        mine = i;
                    }
                } catch (NoSuchFileException e) {
                    // rotated away meanwhile
                }
            }
            long waiting = file.size() - offset;
            for (int i = mine + 1; i < files.size(); i++) {
                waiting += sizeOf(files.get(i));
            }
            if (waiting <= limitBytes) {
                return false;
            }
            // keep the newest limitBytes: find the file and offset where they start
            long keep = limitBytes;
            for (int i = files.size() - 1; i >= 0; i--) {
                long size = sizeOf(files.get(i));
                if (size >= keep) {
                    open(files.get(i));
                    offset = size - keep;
                    if (offset > 0) {
                        offset--; // the byte before: a '\n' if the kept part starts on a line
                        if (readLine() == null) {
                            return false;
                        }
                    }
                    break;
                }
                keep -= size;
            }
            String first = readLine(); // peek at the first kept record to report how many were skipped
            if (first == null) {
                return false;
            }
            long firstSeq = FileAuditLog.seqOf(first);
            offset -= first.getBytes(StandardCharsets.UTF_8).length + 1;
            if (firstSeq > delivered + 1) {
                dropped(firstSeq - delivered - 1, "more than " + limitBytes + " bytes waited while the server could not be reached; "
                        + "the oldest were dropped");
                delivered = firstSeq - 1;
                writeCursor(delivered);
            }
            return true;
        } catch (IOException e) {
            logger.warn("cannot measure the audit backlog of syslog server {}: {}", server.name(), e.getMessage());
            return false;
        }
    }

    private static long sizeOf(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    private void closeFile() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                // read-only channel
            }
            file = null;
            fileKey = null;
        }
    }

    private void closeTransport() {
        SyslogTransport t = transport;
        transport = null;
        if (t != null) {
            try {
                t.close();
            } catch (IOException e) {
                // closing a broken connection
            }
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** Stops the thread (a send in progress is abandoned and sent again by the next forwarder). */
    @Override
    public void close() {
        closed = true;
        closeTransport();
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Forgets the cursor (the server was removed). */
    void forget() {
        try {
            Files.deleteIfExists(cursorFile);
        } catch (IOException e) {
            logger.info("cannot delete {}: {}", cursorFile, e.getMessage());
        }
    }
}
