package io.cairn.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** SHA-256 helpers and the {@code SHA256SUMS} text format ({@code sha256sum -c} compatible). */
final class Digests {

    static final String SUMS_FILE = "SHA256SUMS";

    private Digests() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static String ofBytes(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    static String of(InputStream in) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0;) {
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String of(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return of(in);
        }
    }

    /** {@code <sha256>  <path>} lines, in the map's (sorted) order. */
    static String sums(Map<String, String> files) {
        StringBuilder sb = new StringBuilder();
        files.forEach((path, sha) -> sb.append(sha).append("  ").append(path).append('\n'));
        return sb.toString();
    }

    /** Reads {@code <sha256>  <path>} lines; lines of another form are skipped (the canonical check catches them). */
    static SortedMap<String, String> parseSums(String text) {
        SortedMap<String, String> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.length() > 66 && line.substring(64, 66).equals("  ")) {
                out.put(line.substring(66), line.substring(0, 64));
            }
        }
        return out;
    }
}
