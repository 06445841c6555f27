package io.cairn.cluster.rpc.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * The framed binary protocol spoken inside TLS 1.3. A frame is
 * {@code int length (of the payload) | byte type | long call id | payload}, big-endian; payloads
 * are at most {@link #MAX_PAYLOAD} bytes.
 */
final class Wire {

    /** Sent once by the server after the handshake: {@code {"v":1,"mode":"factory"|"cluster","node":ip}}. */
    static final byte HELLO = 0;
    /** {@code int headerLength | header JSON {"m","d","s","c"} | body}. */
    static final byte REQUEST = 1;
    static final byte RESPONSE = 2;
    /** {@code {"reason","code","message"}}. */
    static final byte ERROR = 3;
    static final byte STREAM_MSG = 4;
    static final byte STREAM_END = 5;
    /** {@code int} more messages the client accepts. */
    static final byte CREDIT = 6;
    static final byte CANCEL = 7;

    static final int MAX_PAYLOAD = 64 << 20;
    static final int VERSION = 1;
    static final byte[] EMPTY = new byte[0];

    private static final ObjectMapper JSON = new ObjectMapper();

    private Wire() {
    }

    record Frame(byte type, long id, byte[] payload) {
    }

    record Request(String method, long deadlineMillis, boolean stream, int credit, byte[] body) {
    }

    /** A frame longer than {@link #MAX_PAYLOAD}: the connection is closed. */
    static final class FrameTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        FrameTooLargeException(String message) {
            super(message);
        }
    }

    /** A peer sent something that is not this protocol. */
    static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }

    static Frame read(DataInputStream in) throws IOException {
        int length = in.readInt();
        byte type = in.readByte();
        long id = in.readLong();
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new FrameTooLargeException("received a frame of " + Integer.toUnsignedString(length)
                    + " bytes; the limit is " + MAX_PAYLOAD + " bytes (64 MiB)");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException("connection closed in the middle of a frame");
        }
        return new Frame(type, id, payload);
    }

    /** Writes one frame whose payload is the concatenation of {@code parts}; the caller holds the write lock and flushes. */
    static void write(DataOutputStream out, byte type, long id, byte[]... parts) throws IOException {
        long length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        if (length > MAX_PAYLOAD) {
            throw new FrameTooLargeException("a frame of " + length + " bytes exceeds the limit of " + MAX_PAYLOAD + " bytes (64 MiB)");
        }
        out.writeInt((int) length);
        out.writeByte(type);
        out.writeLong(id);
        for (byte[] p : parts) {
            out.write(p);
        }
    }

    static byte[][] request(String method, long deadlineMillis, boolean stream, int credit, byte[] body) {
        ObjectNode h = JSON.createObjectNode().put("m", method).put("d", deadlineMillis).put("s", stream).put("c", credit);
        byte[] header = json(h);
        byte[] length = ByteBuffer.allocate(4).putInt(header.length).array();
        return new byte[][] {length, header, body};
    }

    static Request parseRequest(byte[] payload) throws ProtocolException {
        if (payload.length < 4) {
            throw new ProtocolException("a request frame of " + payload.length + " bytes has no header");
        }
        int headerLength = ByteBuffer.wrap(payload, 0, 4).getInt();
        if (headerLength < 2 || headerLength > payload.length - 4) {
            throw new ProtocolException("a request frame announces a header of " + headerLength + " bytes in " + payload.length);
        }
        JsonNode h = parse(Arrays.copyOfRange(payload, 4, 4 + headerLength));
        String method = h.path("m").asText("");
        if (method.isEmpty() || !h.path("d").canConvertToLong()) {
            throw new ProtocolException("a request header lacks the method or the deadline: " + h);
        }
        byte[] body = Arrays.copyOfRange(payload, 4 + headerLength, payload.length);
        return new Request(method, h.path("d").asLong(), h.path("s").asBoolean(false), h.path("c").asInt(0), body);
    }

    static byte[] error(RpcException.Reason reason, ErrorCode code, String message) {
        return json(JSON.createObjectNode().put("reason", reason.name()).put("code", code.name()).put("message", message));
    }

    /** The exception an ERROR frame stands for, as the caller sees it. */
    static RpcException toException(byte[] payload, String where, String method) {
        JsonNode n;
        try {
            n = parse(payload);
        } catch (ProtocolException e) {
            return new RpcException(RpcException.Reason.REMOTE, "controller at " + where + " answered " + method
                    + " with an unreadable error: " + e.getMessage());
        }
        RpcException.Reason reason = switch (n.path("reason").asText("")) {
            case "NO_SUCH_METHOD" -> RpcException.Reason.NO_SUCH_METHOD;
            case "UNAUTHENTICATED" -> RpcException.Reason.UNAUTHENTICATED;
            case "DEADLINE_EXCEEDED" -> RpcException.Reason.DEADLINE_EXCEEDED;
            case "CANCELLED" -> RpcException.Reason.CANCELLED;
            default -> RpcException.Reason.REMOTE;
        };
        ErrorCode code;
        try {
            code = ErrorCode.valueOf(n.path("code").asText(""));
        } catch (IllegalArgumentException e) {
            code = reason.code();
        }
        String message = n.path("message").asText("");
        if (message.isBlank()) {
            message = method + " failed on " + where + " (" + code + ")";
        }
        return new RpcException(reason, code, message, null);
    }

    static byte[] hello(boolean clustered, String node) {
        return json(JSON.createObjectNode().put("v", VERSION).put("mode", clustered ? "cluster" : "factory").put("node", node));
    }

    static JsonNode parse(byte[] json) throws ProtocolException {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                throw new ProtocolException("expected a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new ProtocolException("malformed JSON: " + e.getMessage());
        }
    }

    static byte[] credit(int n) {
        return ByteBuffer.allocate(4).putInt(n).array();
    }

    static int parseCredit(byte[] payload) throws ProtocolException {
        if (payload.length != 4) {
            throw new ProtocolException("a credit frame must carry 4 bytes, got " + payload.length);
        }
        return ByteBuffer.wrap(payload).getInt();
    }

    private static byte[] json(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A peer address: {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}. */
    record Endpoint(String host, int port) {

        static Endpoint parse(String address) {
            if (address == null || address.isBlank()) {
                throw CairnException.invalid("an rpc address is 'host' or 'host:port', got '" + address + "'");
            }
            String a = address.strip();
            String host = a;
            String port = null;
            if (a.startsWith("[")) {
                int end = a.indexOf(']');
                if (end < 0) {
                    throw CairnException.invalid("'" + address + "' opens '[' without closing it");
                }
                host = a.substring(1, end);
                if (end + 1 < a.length()) {
                    if (a.charAt(end + 1) != ':') {
                        throw CairnException.invalid("'" + address + "' is not host:port");
                    }
                    port = a.substring(end + 2);
                }
            } else if (a.indexOf(':') >= 0 && a.indexOf(':') == a.lastIndexOf(':')) {
                host = a.substring(0, a.indexOf(':'));
                port = a.substring(a.indexOf(':') + 1);
            }
            int p = Rpc.DEFAULT_PORT;
            if (port != null) {
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    p = -1;
                }
                if (p < 1 || p > 65535) {
                    throw CairnException.invalid("'" + address + "' has no valid port (1-65535)");
                }
            }
            if (host.isEmpty()) {
                throw CairnException.invalid("'" + address + "' has no host");
            }
            return new Endpoint(host, p);
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
