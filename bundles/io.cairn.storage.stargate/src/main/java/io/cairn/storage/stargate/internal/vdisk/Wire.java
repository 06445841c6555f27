package io.cairn.storage.stargate.internal.vdisk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.error.CairnException;

/**
 * Body of a Stargate data RPC: {@code int headerLength | JSON header | data}. The header names
 * the operation's arguments; the data (a write's payload, a read's result) follows unencoded.
 */
public record Wire(JsonNode header, byte[] data, int dataOffset, int dataLength) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static byte[] encode(Object header, ByteBuffer data) {
        try {
            byte[] h = JSON.writeValueAsBytes(header);
            int n = data == null ? 0 : data.remaining();
            ByteBuffer out = ByteBuffer.allocate(4 + h.length + n);
            out.putInt(h.length).put(h);
            if (data != null) {
                out.put(data.duplicate());
            }
            return out.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Wire decode(byte[] body) {
        if (body.length < 4) {
            throw CairnException.invalid("a Stargate data call needs a header; got " + body.length + " bytes");
        }
        int h = ByteBuffer.wrap(body).getInt();
        if (h < 0 || h > body.length - 4) {
            throw CairnException.invalid("a Stargate data call has a header length of " + h + " in a body of " + body.length + " bytes");
        }
        try {
            JsonNode header = JSON.readTree(body, 4, h);
            return new Wire(header, body, 4 + h, body.length - 4 - h);
        } catch (IOException e) {
            throw CairnException.invalid("a Stargate data call's header is not JSON: " + e.getMessage());
        }
    }

    public ByteBuffer dataBuffer() {
        return ByteBuffer.wrap(data, dataOffset, dataLength).slice();
    }

    public byte[] dataBytes() {
        return java.util.Arrays.copyOfRange(data, dataOffset, dataOffset + dataLength);
    }

    public long longField(String name) {
        JsonNode n = header.get(name);
        if (n == null || !n.canConvertToLong()) {
            throw CairnException.invalid("a Stargate data call lacks the number '" + name + "'");
        }
        return n.asLong();
    }

    public String textField(String name) {
        JsonNode n = header.get(name);
        if (n == null || !n.isTextual()) {
            throw CairnException.invalid("a Stargate data call lacks the text '" + name + "'");
        }
        return n.asText();
    }
}
