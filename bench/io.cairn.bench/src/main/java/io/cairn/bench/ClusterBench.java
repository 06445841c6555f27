package io.cairn.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;

/**
 * Configuration read and compare-and-set latency through Cairn (CLI path: mutual-TLS call to a
 * controller, Zeus, Zookeeper) against the baseline, a raw ZooKeeper client doing the same
 * getData / setData(version) on the same ensemble in the same run.
 *
 * <p>Both sides use TLS 1.3 with the admin certificate, as the cluster requires.
 *
 * <p>Usage: {@code ClusterBench ADMIN_DIR NODE_IP ZK_CONNECT OPS}
 */
public final class ClusterBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        Path admin = Path.of(args[0]);
        String node = args[1];
        String zk = args[2];
        int ops = Integer.parseInt(args[3]);
        byte[] value = "{\"bench\":\"0123456789abcdef0123456789abcdef\"}".getBytes(StandardCharsets.UTF_8);

        try (RpcClient client = Rpc.client(Credentials.load(admin))) {
            String doc = "bench/cas";
            call(client, node, "zeus.write", "{\"document\":\"" + doc + "\",\"expectedVersion\":-1,\"data\":\"x\"}");
            long[] reads = new long[ops];
            long[] writes = new long[ops];
            int version = 0;
            for (int i = 0; i < ops + 200; i++) { // 200 warm-up rounds
                long t = System.nanoTime();
                JsonNode r = call(client, node, "zeus.read", "{\"document\":\"" + doc + "\"}");
                long t2 = System.nanoTime();
                version = r.get("version").asInt();
                call(client, node, "zeus.write", "{\"document\":\"" + doc + "\",\"expectedVersion\":" + version + ",\"data\":"
                        + JSON.writeValueAsString(new String(value, StandardCharsets.UTF_8)) + "}");
                long t3 = System.nanoTime();
                if (i >= 200) {
                    reads[i - 200] = t2 - t;
                    writes[i - 200] = t3 - t2;
                }
            }
            long[] zr = new long[ops];
            long[] zw = new long[ops];
            CountDownLatch connected = new CountDownLatch(1);
            ZooKeeper z = new ZooKeeper(zk, 6000, e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }, tlsClient(Credentials.load(admin)));
            try {
                if (!connected.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("cannot connect to " + zk);
                }
                String path = "/bench-raw";
                try {
                    z.create(path, value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                } catch (KeeperException.NodeExistsException e) {
                    // from an earlier run
                }
                for (int i = 0; i < ops + 200; i++) {
                    Stat stat = new Stat();
                    long t = System.nanoTime();
                    z.getData(path, false, stat);
                    long t2 = System.nanoTime();
                    z.setData(path, value, stat.getVersion());
                    long t3 = System.nanoTime();
                    if (i >= 200) {
                        zr[i - 200] = t2 - t;
                        zw[i - 200] = t3 - t2;
                    }
                }
            } finally {
                z.close();
            }
            row("config read", reads, zr);
            row("config compare-and-set", writes, zw);
        }
    }

    /** The same TLS 1.3 client setup a controller uses (admin certificate, cluster CA). */
    private static org.apache.zookeeper.client.ZKClientConfig tlsClient(Credentials c) throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("cairn-bench-zk");
        Path key = dir.resolve("admin.pem");
        Path ca = dir.resolve("ca.pem");
        java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'});
        java.nio.file.Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(c.key().getEncoded())
                + "\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(c.certificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        java.nio.file.Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(c.ca().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        key.toFile().deleteOnExit();
        ca.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        org.apache.zookeeper.client.ZKClientConfig cfg = new org.apache.zookeeper.client.ZKClientConfig();
        cfg.setProperty(org.apache.zookeeper.client.ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        cfg.setProperty(org.apache.zookeeper.client.ZKClientConfig.SECURE_CLIENT, "true");
        cfg.setProperty("zookeeper.ssl.keyStore.location", key.toString());
        cfg.setProperty("zookeeper.ssl.keyStore.type", "PEM");
        cfg.setProperty("zookeeper.ssl.trustStore.location", ca.toString());
        cfg.setProperty("zookeeper.ssl.trustStore.type", "PEM");
        cfg.setProperty("zookeeper.ssl.protocol", "TLSv1.3");
        cfg.setProperty("zookeeper.ssl.enabledProtocols", "TLSv1.3");
        return cfg;
    }

    private static JsonNode call(RpcClient c, String node, String method, String body) throws Exception {
        return JSON.readTree(c.call(node, method, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10)));
    }

    private static void row(String what, long[] cairn, long[] raw) {
        Arrays.sort(cairn);
        Arrays.sort(raw);
        double c50 = cairn[cairn.length / 2] / 1e3, c99 = cairn[(int) (cairn.length * 0.99)] / 1e3;
        double r50 = raw[raw.length / 2] / 1e3, r99 = raw[(int) (raw.length * 0.99)] / 1e3;
        System.out.printf("| %s | %.0f | %.0f | %.0f | %.0f | %.2f× | %.2f× |%n", what, r50, r99, c50, c99, c50 / r50, c99 / r99);
    }
}
