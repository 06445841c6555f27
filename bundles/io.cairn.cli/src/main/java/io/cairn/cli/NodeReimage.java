package io.cairn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.rpc.RpcClient;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * Brings factory nodes on another version to the version the cluster runs before they join (spec 10 §6: "a node on
 * a different AOS is brought to the cluster version ... before joining"). The image comes from the installer store of
 * the cluster member the CLI talks to ({@code genesis.image.running}, {@code genesis.image.read} over mutual TLS) and
 * goes, chunk by chunk and never onto this machine's disk, to the factory node's Foundation ({@code PUT
 * /foundation/v1/images/FILE}); the node verifies it with its own trusted keys, installs it into its passive slot and
 * restarts into it ({@code POST /foundation/v1/node/reimage}), and is back once {@code genesis.hello} answers in
 * factory state with the cluster's version. Several nodes are brought in parallel; the joins stay one at a time.
 */
final class NodeReimage {

    static final int FOUNDATION_PORT = 8000;
    static final int CHUNK = 4 << 20;
    private static final Duration BACK = Duration.ofSeconds(Long.getLong("cairn.cli.reimage.timeout.seconds", 300));

    private final PrintStream out;
    private final RpcClient client;
    private final String via;
    private final RpcClient boot;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    NodeReimage(PrintStream out, RpcClient client, String via, RpcClient boot) {
        this.out = out;
        this.client = client;
        this.via = via;
        this.boot = boot;
    }

    /** The result per node: its new {@code genesis.hello} answer, or why it could not be brought to the version. */
    record Result(Map<String, JsonNode> back, Map<String, String> failed) {
    }

    /** Brings {@code ips} (running {@code versions.get(ip)}) to {@code version} in parallel. */
    Result bring(List<String> ips, Map<String, String> versions, String version) {
        Map<String, JsonNode> back = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        JsonNode image;
        try {
            image = Commands.JSON.readTree(client.call(via, "genesis.image.running", Commands.write(Map.of()), Duration.ofSeconds(30)));
        } catch (CairnException | IOException e) {
            ips.forEach(ip -> failed.put(ip, "the cluster's image is not available from " + via + ": " + e.getMessage()));
            return new Result(back, failed);
        }
        if (!image.path("version").asText().equals(version)) {
            ips.forEach(ip -> failed.put(ip, via + " runs " + image.path("version").asText() + ", not the cluster's version " + version));
            return new Result(back, failed);
        }
        Map<String, Future<JsonNode>> running = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String ip : ips) {
                out.println(ip + " runs " + versions.get(ip) + " and the cluster runs " + version + "; bringing it to " + version
                        + " (" + image.path("archive").asText() + " from the installer store of " + via + ")");
                running.put(ip, pool.submit(() -> one(ip, image, version)));
            }
            for (var e : running.entrySet()) {
                try {
                    back.put(e.getKey(), e.getValue().get());
                } catch (java.util.concurrent.ExecutionException ex) {
                    Throwable c = ex.getCause();
                    failed.put(e.getKey(), c.getMessage() == null ? c.toString() : c.getMessage());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    failed.put(e.getKey(), "interrupted");
                }
            }
        }
        return new Result(back, failed);
    }

    private JsonNode one(String ip, JsonNode image, String version) throws Exception {
        String archive = image.path("archive").asText();
        String base = archive.substring(0, archive.length() - ".tar.gz".length());
        String foundation = "http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + FOUNDATION_PORT + "/foundation/v1/";
        put(ip, foundation + "images/" + base + ".metadata.json",
                HttpRequest.BodyPublishers.ofByteArray(Base64.getDecoder().decode(image.path("metadata").asText())));
        put(ip, foundation + "images/" + base + ".metadata.json.sig",
                HttpRequest.BodyPublishers.ofByteArray(Base64.getDecoder().decode(image.path("signature").asText())));
        long size = image.path("size").asLong();
        put(ip, foundation + "images/" + archive, HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> new Chunks(archive, size)), size));
        HttpResponse<String> r = send(ip, HttpRequest.newBuilder(URI.create(foundation + "node/reimage"))
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(5))
                .POST(HttpRequest.BodyPublishers.ofByteArray(Commands.write(Map.of("archive", archive)))));
        if (r.statusCode() != 202) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, ip + " refused the image: " + message(r));
        }
        JsonNode done = Commands.JSON.readTree(r.body());
        out.println(ip + ": " + version + " verified and installed into slot " + done.path("slot").asText() + "; restarting into it");
        long deadline = System.nanoTime() + BACK.toNanos();
        String last = "no answer yet";
        Thread.sleep(1000);
        while (System.nanoTime() < deadline) {
            try {
                JsonNode h = Commands.JSON.readTree(boot.call(ip, "genesis.hello", new byte[0], Duration.ofSeconds(10)));
                String v = h.path("version").asText();
                if (v.equals(version) && !h.path("clustered").asBoolean()) {
                    out.println(ip + " is back in factory state on " + version);
                    return h;
                }
                last = "it answers on " + v;
            } catch (RuntimeException e) {
                last = e.getMessage();
            }
            Thread.sleep(1000);
        }
        throw new CairnException(ErrorCode.TIMEOUT, ip + " did not come back on " + version + " within " + BACK.toSeconds() + " s (last: "
                + last + "); see its logs/controller.log");
    }

    private void put(String ip, String url, HttpRequest.BodyPublisher body) throws Exception {
        HttpResponse<String> r = send(ip, HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(10)).PUT(body));
        if (r.statusCode() != 201) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, ip + " did not take " + url.substring(url.lastIndexOf('/') + 1)
                    + ": " + message(r));
        }
    }

    private HttpResponse<String> send(String ip, HttpRequest.Builder b) throws Exception {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "cannot reach Foundation on " + ip + ":" + FOUNDATION_PORT + " (a factory"
                    + " node serves it unless cairn.foundation.listen=off); bring the node to the cluster's version with foundation"
                    + " image --config FILE instead");
        } catch (IOException e) {
            Throwable c = e.getCause() instanceof CairnException ce ? ce : e;
            throw new CairnException(c instanceof CairnException ce ? ce.code() : ErrorCode.UNAVAILABLE, "sending to Foundation on "
                    + ip + ":" + FOUNDATION_PORT + " failed: " + c.getMessage());
        }
    }

    private static String message(HttpResponse<String> r) {
        try {
            JsonNode e = Commands.JSON.readTree(r.body());
            return e.path("message").asText(r.body());
        } catch (IOException ex) {
            return "HTTP " + r.statusCode() + " " + r.body();
        }
    }

    /** The archive of the member's installer store, read in chunks as the upload consumes it. */
    private final class Chunks extends InputStream {
        private final String file;
        private final long size;
        private long offset;
        private byte[] buf = new byte[0];
        private int pos;

        Chunks(String file, long size) {
            this.file = file;
            this.size = size;
        }

        private boolean fill() {
            if (pos < buf.length) {
                return true;
            }
            if (offset >= size) {
                return false;
            }
            buf = client.call(via, "genesis.image.read", Commands.write(Map.of("file", file, "offset", offset, "length",
                    (int) Math.min(CHUNK, size - offset))), Duration.ofSeconds(60));
            if (buf.length == 0) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, file + " on " + via + " ended at " + offset + " of " + size
                        + " bytes");
            }
            pos = 0;
            offset += buf.length;
            return true;
        }

        @Override
        public int read() {
            return fill() ? buf[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, buf.length - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
