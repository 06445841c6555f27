package io.cairn.hal.qemu.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.hal.api.hypervisor.GuestEvent;

/**
 * QEMU Machine Protocol over a unix socket: one JSON object per line; commands carry an {@code id}
 * and are answered by {@code return} or {@code error}; {@code event}s arrive at any time.
 */
final class QmpClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final SocketChannel channel;
    private final Duration timeout;
    private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<GuestEvent>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread reader;
    private final String where;

    QmpClient(Path socket, Duration timeout) throws IOException {
        this.where = socket.toString();
        this.timeout = timeout;
        this.channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        String greeting = in.readLine();
        if (greeting == null || !greeting.contains("\"QMP\"")) {
            channel.close();
            throw new IOException("no QMP greeting on " + socket + " (got: " + greeting + ")");
        }
        this.reader = Thread.ofVirtual().name("qmp-" + socket.getFileName()).start(() -> readLoop(in));
        execute("qmp_capabilities", Map.of());
    }

    void onEvent(Consumer<GuestEvent> listener) {
        listeners.add(listener);
    }

    /** Sends a command and waits for its answer; QEMU's error becomes an IOException with its class and text. */
    Object execute(String command, Map<String, Object> arguments) throws IOException {
        long id = ids.incrementAndGet();
        CompletableFuture<Object> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("execute", command);
        if (!arguments.isEmpty()) {
            msg.put("arguments", arguments);
        }
        msg.put("id", id);
        byte[] line = (JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (channel) {
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("QMP " + command + " on " + where + " got no answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for QMP " + command);
        } finally {
            pending.remove(id);
        }
    }

    /** Decodes one line from QEMU and completes the matching command or delivers the event. */
    void dispatch(String line) throws IOException {
        Map<String, Object> msg = JSON.readValue(line, MAP);
        if (msg.containsKey("event")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> data = (Map<String, Object>) msg.get("data");
            GuestEvent event = new GuestEvent(String.valueOf(msg.get("event")), data);
            listeners.forEach(l -> l.accept(event));
            return;
        }
        Object rawId = msg.get("id");
        CompletableFuture<Object> answer = rawId instanceof Number n ? pending.get(n.longValue()) : null;
        if (answer == null) {
            return;
        }
        if (msg.containsKey("error")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> err = (Map<String, Object>) msg.get("error");
            answer.completeExceptionally(new IOException("QEMU refused: " + err.get("class") + ": " + err.get("desc")));
        } else {
            answer.complete(msg.get("return"));
        }
    }

    private void readLoop(BufferedReader in) {
        try {
            for (String line; (line = in.readLine()) != null;) {
                if (!line.isBlank()) {
                    dispatch(line);
                }
            }
        } catch (IOException e) {
            // socket closed: QEMU exited or we closed it
        }
        IOException gone = new IOException("QMP connection " + where + " closed (QEMU exited)");
        pending.values().forEach(f -> f.completeExceptionally(gone));
    }

    @Override
    public void close() throws IOException {
        channel.close();
        reader.interrupt();
    }

}
