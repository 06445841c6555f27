package io.cairn.hal.ovs.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OVSDB JSON-RPC 1.0 (RFC 7047) over a unix socket: {@code transact}, {@code list_dbs}, and answers
 * to the server's {@code echo} keep-alives. Messages are concatenated JSON objects (no framing).
 */
final class OvsdbClient implements AutoCloseable {

    static final String DB = "Open_vSwitch";
    private static final ObjectMapper JSON = new ObjectMapper().configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, false);
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final SocketChannel channel;
    private final Duration timeout;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread reader;
    private final String where;

    OvsdbClient(Path socket, Duration timeout) throws IOException {
        this.where = socket.toString();
        this.timeout = timeout;
        try {
            this.channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("cannot reach ovsdb-server at " + socket + " (" + e.getMessage()
                    + "); is Open vSwitch running? (OvsDaemons starts a private one)", e);
        }
        InputStream in = Channels.newInputStream(channel);
        this.reader = Thread.ofVirtual().name("ovsdb-" + socket.getFileName()).start(() -> readLoop(in));
    }

    List<String> listDbs() throws IOException {
        List<String> out = new ArrayList<>();
        call("list_dbs", F.arrayNode()).forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Runs operations as one transaction; an error in any operation fails it with that operation's error. */
    ArrayNode transact(List<ObjectNode> operations) throws IOException {
        ArrayNode params = F.arrayNode().add(DB);
        operations.forEach(params::add);
        JsonNode result = call("transact", params);
        for (int i = 0; i < result.size(); i++) {
            JsonNode r = result.get(i);
            if (r != null && r.has("error")) {
                String op = i < operations.size() ? operations.get(i).path("op").asText() + " " + operations.get(i).path("table").asText()
                        : "commit";
                throw new IOException("OVSDB rejected " + op + ": " + r.get("error").asText() + " (" + r.path("details").asText() + ")");
            }
        }
        return (ArrayNode) result;
    }

    private JsonNode call(String method, ArrayNode params) throws IOException {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode msg = F.objectNode().put("method", method).put("id", id);
        msg.set("params", params);
        send(msg);
        try {
            JsonNode reply = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.hasNonNull("error")) {
                throw new IOException("OVSDB " + method + " failed: " + reply.get("error"));
            }
            return reply.get("result");
        } catch (TimeoutException e) {
            throw new IOException("OVSDB " + method + " on " + where + " got no answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for OVSDB " + method);
        } finally {
            pending.remove(id);
        }
    }

    private void send(JsonNode msg) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(JSON.writeValueAsBytes(msg));
        synchronized (channel) {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }
    }

    /** Handles one message from the server: a reply, or an {@code echo} request to answer. */
    void dispatch(JsonNode msg) throws IOException {
        if ("echo".equals(msg.path("method").asText())) {
            ObjectNode reply = F.objectNode();
            reply.set("result", msg.get("params"));
            reply.putNull("error");
            reply.set("id", msg.get("id"));
            send(reply);
            return;
        }
        JsonNode id = msg.get("id");
        if (id != null && id.canConvertToLong()) {
            CompletableFuture<JsonNode> f = pending.get(id.asLong());
            if (f != null) {
                f.complete(msg);
            }
        }
    }

    private void readLoop(InputStream in) {
        try (JsonParser parser = JSON.getFactory().createParser(in)) {
            while (parser.nextToken() != null) {
                dispatch(JSON.readTree(parser));
            }
        } catch (IOException e) {
            // closed
        }
        IOException gone = new IOException("connection to ovsdb-server " + where + " closed");
        pending.values().forEach(f -> f.completeExceptionally(gone));
    }

    @Override
    public void close() throws IOException {
        channel.close();
        reader.interrupt();
    }

    // --- small builders for RFC 7047 values and operations ---

    static ArrayNode namedUuid(String name) {
        return F.arrayNode().add("named-uuid").add(name);
    }

    static ArrayNode uuid(String uuid) {
        return F.arrayNode().add("uuid").add(uuid);
    }

    static ArrayNode set(List<? extends JsonNode> members) {
        ArrayNode inner = F.arrayNode();
        members.forEach(inner::add);
        return F.arrayNode().add("set").add(inner);
    }

    static ArrayNode map(Map<String, String> entries) {
        ArrayNode pairs = F.arrayNode();
        entries.forEach((k, v) -> pairs.add(F.arrayNode().add(k).add(v)));
        return F.arrayNode().add("map").add(pairs);
    }

    static ArrayNode where(String column, String value) {
        return F.arrayNode().add(F.arrayNode().add(column).add("==").add(value));
    }

    static ObjectNode insert(String table, String uuidName, ObjectNode row) {
        ObjectNode op = F.objectNode().put("op", "insert").put("table", table).put("uuid-name", uuidName);
        op.set("row", row);
        return op;
    }

    static ObjectNode select(String table, ArrayNode where, String... columns) {
        ObjectNode op = F.objectNode().put("op", "select").put("table", table);
        op.set("where", where);
        ArrayNode cols = op.putArray("columns");
        for (String c : columns) {
            cols.add(c);
        }
        return op;
    }

    static ObjectNode mutate(String table, ArrayNode where, String column, String mutator, JsonNode value) {
        ObjectNode op = F.objectNode().put("op", "mutate").put("table", table);
        op.set("where", where);
        op.set("mutations", F.arrayNode().add(F.arrayNode().add(column).add(mutator).add(value)));
        return op;
    }

    static ObjectNode update(String table, ArrayNode where, ObjectNode row) {
        ObjectNode op = F.objectNode().put("op", "update").put("table", table);
        op.set("where", where);
        op.set("row", row);
        return op;
    }
}
