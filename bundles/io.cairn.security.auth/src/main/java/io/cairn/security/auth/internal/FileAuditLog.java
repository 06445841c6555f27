package io.cairn.security.auth.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.security.auth.AuditEvent;
import io.cairn.security.auth.AuditLog;
import io.cairn.security.auth.AuditQuery;
import io.cairn.security.auth.AuditRecord;
import io.cairn.security.auth.AuditResult;
import io.cairn.security.auth.AuditVerification;

/**
 * The node's audit log (spec 30 §10): {@code <dir>/audit.log}, one JSON line per record, mode 0640,
 * synced before {@link #record} returns, rotated to {@code audit.log.1 .. .<keep-1>} at
 * {@code rotateBytes}; the chain spans rotation. A line is the canonical record
 * {@code {"ts","node","seq","actor":{"user","provider","sourceIp"},"action","target","result","details","prevHash"}}
 * (details keys sorted) with {@code ,"hash":"<hex>"} added before the closing brace, where hash =
 * SHA-256 of the canonical record. Verification recomputes every hash over the bytes as stored and
 * checks that {@code seq} rises by one and {@code prevHash} names the previous hash, so an edited,
 * deleted, inserted or moved line is found and named by its seq.
 */
final class FileAuditLog implements AuditLog {

    static final String FILE = "audit.log";
    static final String GENESIS_HASH = "0".repeat(64);
    private static final String HASH_KEY = ",\"hash\":\"";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final String node;
    private final Clock clock;
    private final long rotateBytes;
    private final int keep;
    private long lastSeq;
    private String lastHash = GENESIS_HASH;
    private FileChannel out;
    /** The last write's failure, until a write succeeds again. */
    private String lastFailure;

    FileAuditLog(Path dir, String node, Clock clock, long rotateBytes, int keep) {
        if (rotateBytes < 1024 || keep < 1) {
            throw CairnException.invalid("audit rotation needs at least 1024 bytes per file and 1 file kept");
        }
        this.dir = dir;
        this.node = node;
        this.clock = clock;
        this.rotateBytes = rotateBytes;
        this.keep = keep;
        try {
            Files.createDirectories(dir);
            for (Path f : files()) { // newest last: the tail of the chain is the last valid line seen
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    Line l = Line.parse(line);
                    if (l != null) {
                        lastSeq = l.seq;
                        lastHash = l.hash;
                    }
                }
            }
            out = open();
        } catch (IOException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "cannot open the audit log in " + dir + ": " + e.getMessage(), e);
        }
    }

    private FileChannel open() throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) {
            Files.createFile(f);
            try {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system (tests on odd platforms); the mode is best effort there
            }
        }
        return FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** The retained files, oldest first. */
    List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (int k = keep - 1; k >= 1; k--) {
            Path f = dir.resolve(FILE + "." + k);
            if (Files.exists(f)) {
                out.add(f);
            }
        }
        Path cur = dir.resolve(FILE);
        if (Files.exists(cur)) {
            out.add(cur);
        }
        return out;
    }

    /**
     * The audit files in {@code dir}, oldest first, whatever number is kept ({@code audit.log.<n>} down
     * to {@code .1}, then {@code audit.log}): what readers outside the log (forwarding, the verify tool) use.
     */
    static List<Path> retained(Path dir) {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.matches(java.util.regex.Pattern.quote(FILE) + "\\.[1-9][0-9]{0,8}"))
                    .map(n -> Integer.parseInt(n.substring(FILE.length() + 1))).sorted(java.util.Comparator.reverseOrder())
                    .forEach(k -> out.add(dir.resolve(FILE + "." + k)));
        } catch (IOException e) {
            return out;
        }
        Path cur = dir.resolve(FILE);
        if (Files.exists(cur)) {
            out.add(cur);
        }
        return out;
    }

    /** The seq of a stored line, or -1 when it is not a well-formed audit line. */
    static long seqOf(String line) {
        Line l = Line.parse(line);
        return l == null ? -1 : l.seq;
    }

    @Override
    public synchronized AuditRecord record(AuditEvent e) {
        if (out == null) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "the audit log is closed; nothing was recorded");
        }
        long seq = lastSeq + 1;
        String ts = TS.format(clock.now());
        ObjectNode o = JSON.createObjectNode();
        o.put("ts", ts);
        o.put("node", node);
        o.put("seq", seq);
        ObjectNode actor = o.putObject("actor");
        actor.put("user", e.user());
        actor.put("provider", e.provider());
        actor.put("sourceIp", e.sourceIp());
        o.put("action", e.action());
        o.put("target", e.target());
        o.put("result", e.result().name());
        ObjectNode details = o.putObject("details");
        new TreeMap<>(e.details()).forEach(details::put);
        o.put("prevHash", lastHash);
        String canonical;
        try {
            canonical = JSON.writeValueAsString(o);
        } catch (IOException ex) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot encode an audit record: " + ex.getMessage(), ex);
        }
        String hash = sha256(canonical);
        String line = canonical.substring(0, canonical.length() - 1) + HASH_KEY + hash + "\"}\n";
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        try {
            if (out.size() > 0 && out.size() + bytes.length > rotateBytes) {
                rotate();
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            out.force(false);
        } catch (IOException ex) {
            lastFailure = String.valueOf(ex.getMessage());
            throw new CairnException(ErrorCode.UNAVAILABLE, "cannot write the audit log (" + ex.getMessage()
                    + "); the change was refused: free space in " + dir, ex);
        }
        lastSeq = seq;
        lastHash = hash;
        lastFailure = null;
        return new AuditRecord(ts, node, seq, e.user(), e.provider(), e.sourceIp(), e.action(), e.target(), e.result(),
                new TreeMap<>(e.details()), o.get("prevHash").asText(), hash);
    }

    /** Free space below which {@link #checkWritable} refuses. */
    static final long MIN_FREE_BYTES = 1 << 20;

    @Override
    public synchronized void checkWritable() {
        if (out == null) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "the audit log is closed; the change was refused");
        }
        if (lastFailure != null) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "the audit log cannot be written (" + lastFailure + "); the change was refused: "
                    + "free space in " + dir);
        }
        try {
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free < MIN_FREE_BYTES) {
                throw new CairnException(ErrorCode.UNAVAILABLE, "the audit log's file system has " + free + " bytes free; the change was "
                        + "refused: free space in " + dir);
            }
        } catch (IOException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "cannot check the audit log's file system (" + e.getMessage() + ")", e);
        }
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        Files.deleteIfExists(dir.resolve(FILE + "." + (keep - 1)));
        for (int k = keep - 2; k >= 1; k--) {
            Path f = dir.resolve(FILE + "." + k);
            if (Files.exists(f)) {
                Files.move(f, dir.resolve(FILE + "." + (k + 1)), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        if (keep > 1) {
            Files.move(dir.resolve(FILE), dir.resolve(FILE + ".1"), StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.delete(dir.resolve(FILE));
        }
        out = open();
    }

    @Override
    public synchronized List<AuditRecord> read(AuditQuery q) {
        List<AuditRecord> all = new ArrayList<>();
        try {
            for (Path f : files()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    AuditRecord r = toRecord(line);
                    if (r != null && matches(r, q)) {
                        all.add(r);
                    }
                }
            }
        } catch (IOException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "cannot read the audit log in " + dir + ": " + e.getMessage(), e);
        }
        int limit = q.limit() <= 0 ? Integer.MAX_VALUE : q.limit();
        return all.size() <= limit ? all : List.copyOf(all.subList(all.size() - limit, all.size()));
    }

    private static boolean matches(AuditRecord r, AuditQuery q) {
        Instant t = Instant.parse(r.ts());
        return (q.from() == null || !t.isBefore(q.from())) && (q.to() == null || t.isBefore(q.to()))
                && (q.user() == null || q.user().equals(r.user())) && (q.action() == null || q.action().equals(r.action()));
    }

    @Override
    public synchronized AuditVerification verify() {
        return verify(files());
    }

    /** Verifies files given oldest first (also what {@code cairn-audit verify FILE...} runs). */
    static AuditVerification verify(List<Path> files) {
        long count = 0;
        long prevSeq = -1;
        String prevHash = null;
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return new AuditVerification(false, count, prevSeq + 1, "cannot read " + f + ": " + e.getMessage());
            }
            for (String line : lines) {
                count++;
                long expected = prevSeq < 0 ? -1 : prevSeq + 1;
                Line l = Line.parse(line);
                if (l == null) {
                    return new AuditVerification(false, count, expected < 0 ? guessSeq(line) : expected,
                            "record " + count + " (" + f.getFileName() + ") is not a well-formed audit line");
                }
                if (!sha256(l.canonical).equals(l.hash)) {
                    return new AuditVerification(false, count, l.seq, "record seq " + l.seq + " was modified (its hash does not match)");
                }
                if (prevSeq < 0) {
                    if (l.seq == 1 && !l.prevHash.equals(GENESIS_HASH)) {
                        return new AuditVerification(false, count, l.seq, "the first record does not start the chain");
                    }
                } else if (l.seq != prevSeq + 1) {
                    return new AuditVerification(false, count, l.seq, "seq " + l.seq + " follows seq " + prevSeq
                            + " (records deleted, inserted or moved)");
                } else if (!l.prevHash.equals(prevHash)) {
                    return new AuditVerification(false, count, l.seq, "record seq " + l.seq + " does not link to seq " + prevSeq);
                }
                prevSeq = l.seq;
                prevHash = l.hash;
            }
        }
        return new AuditVerification(true, count, -1, "intact");
    }

    private static long guessSeq(String line) {
        try {
            return JSON.readTree(line).path("seq").asLong(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // closing a synced append channel; nothing to recover
            }
            out = null;
        }
    }

    static AuditRecord toRecord(String line) {
        Line l = Line.parse(line);
        if (l == null) {
            return null;
        }
        JsonNode n = l.node;
        JsonNode a = n.path("actor");
        Map<String, String> details = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("details").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            details.put(e.getKey(), e.getValue().asText());
        }
        AuditResult result;
        try {
            result = AuditResult.valueOf(n.path("result").asText());
        } catch (IllegalArgumentException e) {
            return null;
        }
        return new AuditRecord(n.path("ts").asText(), n.path("node").asText(), l.seq, a.path("user").asText(), a.path("provider").asText(),
                a.path("sourceIp").asText(), n.path("action").asText(), n.path("target").asText(), result, details, l.prevHash, l.hash);
    }

    /** One stored line split into its canonical part and hash. */
    private record Line(String canonical, String hash, long seq, String prevHash, JsonNode node) {

        static Line parse(String line) {
            int at = line.lastIndexOf(HASH_KEY);
            if (at < 0 || !line.endsWith("\"}") || line.length() != at + HASH_KEY.length() + 64 + 2) {
                return null;
            }
            String canonical = line.substring(0, at) + "}";
            String hash = line.substring(at + HASH_KEY.length(), line.length() - 2);
            try {
                JsonNode n = JSON.readTree(canonical);
                if (!n.isObject() || !n.path("seq").canConvertToLong() || !n.path("prevHash").isTextual()) {
                    return null;
                }
                return new Line(canonical, hash, n.path("seq").asLong(), n.path("prevHash").asText(), n);
            } catch (IOException e) {
                return null;
            }
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
