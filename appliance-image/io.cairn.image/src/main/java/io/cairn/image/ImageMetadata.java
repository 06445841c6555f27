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

    static ImageMetadata parse(byte[] json, String fileName) throws ImageVerificationException {
        try {
            ImageMetadata m = JSON.readValue(json, ImageMetadata.class);
            if (m.name() == null || m.version() == null || m.sha256() == null || m.files() == null) {
                throw new ImageVerificationException(fileName + ": metadata lacks name, version, sha256 or files");
            }
            return m;
        } catch (IOException e) {
            throw new ImageVerificationException(fileName + ": not valid image metadata JSON (" + e.getMessage().lines().findFirst().orElse("unreadable") + ")");
        }
    }

    /** The folder every archive entry sits under. */
    public String topFolder() {
        return name + "-" + version;
    }
}
