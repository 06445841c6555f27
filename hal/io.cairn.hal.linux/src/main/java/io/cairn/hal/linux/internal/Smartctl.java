package io.cairn.hal.linux.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * SMART attributes of SATA/SAS disks from {@code smartctl --json -A -H} (smartmontools), when it is
 * installed.
 */
final class Smartctl {

    static final Path BINARY = Path.of("/usr/sbin/smartctl");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Smartctl() {
    }

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    static Map<String, Long> read(String device) throws IOException {
        Process p = new ProcessBuilder(BINARY.toString(), "--json", "-A", "-H", device).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("smartctl on " + device + " did not answer within 10 s");
            }
            return parse(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new java.io.InterruptedIOException("interrupted while running smartctl");
        }
    }

    /** Attributes by lower-case name, plus {@code temperature_celsius}, {@code power_on_hours}, {@code smart_passed}. */
    static Map<String, Long> parse(String json) throws IOException {
        JsonNode root = JSON.readTree(json);
        Map<String, Long> m = new LinkedHashMap<>();
        for (JsonNode attr : root.path("ata_smart_attributes").path("table")) {
            JsonNode raw = attr.path("raw").path("value");
            if (attr.hasNonNull("name") && raw.canConvertToLong()) {
                m.put(attr.get("name").asText().toLowerCase(), raw.asLong());
            }
        }
        JsonNode temp = root.path("temperature").path("current");
        if (temp.canConvertToLong()) {
            m.put("temperature_celsius", temp.asLong());
        }
        JsonNode hours = root.path("power_on_time").path("hours");
        if (hours.canConvertToLong()) {
            m.put("power_on_hours", hours.asLong());
        }
        JsonNode passed = root.path("smart_status").path("passed");
        if (passed.isBoolean()) {
            m.put("smart_passed", passed.asBoolean() ? 1L : 0L);
        }
        return m;
    }
}
