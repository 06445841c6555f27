package io.cairn.image;

import java.io.IOException;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The signed description of an image (spec 10 §3 metadata JSON): what it is, the archive's size
 * and SHA-256, and the SHA-256 of every file inside it.
 */
@JsonPropertyOrder({"name", "version", "software_type", "size", "sha256", "upgradable_from", "compatible_hypervisors",
        "key_id", "files"})
public record ImageMetadata(
        @JsonProperty("name") String name,
        @JsonProperty("version") String version,
        @JsonProperty("software_type") String softwareType,
        @JsonProperty("size") long size,
        @JsonProperty("sha256") String sha256,
        @JsonProperty("upgradable_from") List<String> upgradableFrom,
        @JsonProperty("compatible_hypervisors") List<String> compatibleHypervisors,
        @JsonProperty("key_id") String keyId,
        @JsonProperty("files") SortedMap<String, String> files) {

    /** The default image name; the debug image is {@code cairn-appliance-debug}. */
    public static final String NAME = "cairn-appliance";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ImageMetadata {
        files = new TreeMap<>(files);
        upgradableFrom = List.copyOf(upgradableFrom);
        compatibleHypervisors = List.copyOf(compatibleHypervisors);
    }

    public byte[] toJson() {
        try {
            return (JSON.writeValueAsString(this) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("metadata is always serialisable", e);
        }
    }

    /** Parses metadata JSON; {@code fileName} names the file in error messages. */
    public static ImageMetadata parse(byte[] json, String fileName) throws ImageVerificationException {
        ImageMetadata m;
        try {
            m = JSON.readValue(json, ImageMetadata.class);
        } catch (IOException e) {
            throw new ImageVerificationException(fileName + ": not valid image metadata JSON ("
                    + e.getMessage().lines().findFirst().orElse("unreadable") + ")");
        }
        if (m.name() == null || m.version() == null || m.sha256() == null || m.files() == null || m.keyId() == null) {
            throw new ImageVerificationException(fileName + ": metadata lacks name, version, sha256, key_id or files");
        }
        if (!isSafeName(m.name()) || !isSafeName(m.version())) {
            throw new ImageVerificationException(fileName + ": name '" + m.name() + "' or version '" + m.version()
                    + "' is not letters, digits, '.', '-' and '_'");
        }
        if (m.size() <= 0 || !m.sha256().matches("[0-9a-f]{64}")) {
            throw new ImageVerificationException(fileName + ": size or sha256 of the archive is malformed");
        }
        for (var e : m.files().entrySet()) {
            if (!isSafeRelativePath(e.getKey()) || e.getValue() == null || !e.getValue().matches("[0-9a-f]{64}")) {
                throw new ImageVerificationException(fileName + ": files entry '" + e.getKey() + "' is malformed");
            }
        }
        return m;
    }

    /** An image name or version: letters, digits, '.', '-', '_', not starting with a dot. */
    public static boolean isSafeName(String s) {
        return s != null && s.matches("[0-9A-Za-z][0-9A-Za-z._-]*");
    }

    /** A relative path of non-empty segments other than {@code .} and {@code ..}, separated by '/'. */
    static boolean isSafeRelativePath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            return false;
        }
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** The folder every archive entry sits under. */
    public String topFolder() {
        return name + "-" + version;
    }
}
