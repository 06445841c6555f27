package io.cairn.cli.rest;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * ncli's text output (spec 10 §18): one block per entity, lines {@code "    <Key padded> : <value>"},
 * a blank line between blocks. Keys come from the entity's fields: {@code metadata.uuid} as {@code Id},
 * then {@code spec}, then {@code status}, {@code replication_factor} shown as {@code Replication Factor},
 * {@code size_bytes} as {@code Size} with a binary unit.
 */
final class Output {

    record Row(String key, String value) {
    }

    private Output() {
    }

    /** The rows of one REST entity. */
    static List<Row> rows(JsonNode entity) {
        List<Row> rows = new ArrayList<>();
        JsonNode id = entity.path("metadata").path("uuid");
        if (!id.isMissingNode()) {
            rows.add(new Row("Id", id.asText()));
        }
        String kind = label(entity.path("metadata").path("kind").asText(""));
        fields(entity.path("spec"), rows, kind);
        fields(entity.path("status"), rows, kind);
        return rows;
    }

    /** Adds the fields of {@code object}; a key already shown (the cluster's {@code status.id} after its uuid) gets the kind in front. */
    private static void fields(JsonNode object, List<Row> rows, String kind) {
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            String plain = label(f.getKey());
            boolean shown = rows.stream().anyMatch(r -> r.key().equals(plain));
            rows.add(new Row(shown ? (kind.isEmpty() ? "Status" : kind) + " " + plain : plain, value(f.getKey(), f.getValue())));
        }
    }

    /** {@code replication_factor} → {@code Replication Factor}; {@code size_bytes} → {@code Size}. */
    static String label(String key) {
        String k = key.endsWith("_bytes") && key.length() > 6 ? key.substring(0, key.length() - 6) : key;
        StringBuilder b = new StringBuilder();
        for (String w : k.split("[_\\-]")) {
            if (w.isEmpty()) {
                continue;
            }
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        return b.toString();
    }

    static String value(String key, JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "-";
        }
        if (key.endsWith("_bytes") && v.isIntegralNumber()) {
            return Sizes.format(v.asLong());
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(x -> items.add(x.isValueNode() ? x.asText() : x.toString()));
            return items.isEmpty() ? "-" : String.join(", ", items);
        }
        if (v.isObject()) {
            List<String> items = new ArrayList<>();
            v.fields().forEachRemaining(e -> items.add(e.getKey() + "=" + (e.getValue().isValueNode() ? e.getValue().asText() : e.getValue())));
            return items.isEmpty() ? "-" : String.join(", ", items);
        }
        String s = v.asText();
        return s.isEmpty() ? "-" : s;
    }

    /** Blocks of rows, keys padded to the longest key of all of them; blank line between blocks. */
    static String blocks(List<List<Row>> blocks) {
        int width = 0;
        for (List<Row> b : blocks) {
            for (Row r : b) {
                width = Math.max(width, r.key().length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < blocks.size(); i++) {
            if (i > 0) {
                out.append('\n');
            }
            for (Row r : blocks.get(i)) {
                out.append("    ").append(pad(r.key(), width)).append(" : ").append(r.value().replace("\n", " ")).append('\n');
            }
        }
        return out.toString();
    }

    /** A table (for acli): columns padded to their widest cell, two spaces apart. */
    static String table(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int c = 0; c < w.length; c++) {
            w[c] = header.get(c).length();
            for (List<String> r : rows) {
                w[c] = Math.max(w[c], r.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> r : all) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < w.length; c++) {
                line.append(c == w.length - 1 ? r.get(c) : pad(r.get(c), w[c]) + "  ");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
