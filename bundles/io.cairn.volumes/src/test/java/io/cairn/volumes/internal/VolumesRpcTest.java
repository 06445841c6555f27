package io.cairn.volumes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.annotation.Annotation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.ClusterConfig;
import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.api.ServicePresence;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcStream;
import io.cairn.common.clock.ManualClock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** The RPC contract on a one-node cluster (no portals: {@code volumes_port} 0, so no remote calls). */
class VolumesRpcTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String X = "iqn.1991-05.com.microsoft:desktop-foo";

    private final FakeZeus zeus = new FakeZeus();
    private final FakeStargate stargate = new FakeStargate();
    private final NodeIdentity self = FakeCluster.node("127.0.1.141");
    private final VolumesRpc rpc;

    VolumesRpcTest() throws Exception {
        zeus.config = new ClusterConfig(UUID.randomUUID(), "c", 1, 1, List.of(self), List.of(self.uuid()));
        zeus.presences = List.of(new ServicePresence(self.uuid(), VolumesPortals.PRESENCE, Map.of()));
        ClusterJoin join = new ClusterJoin() {
            @Override
            public ClusterConfig config() {
                return zeus.config;
            }

            @Override
            public NodeIdentity self() {
                return self;
            }
        };
        VolumesPortals portals = new VolumesPortals(zeus, join, (a, c, o) -> {
            throw new AssertionError("no portal with volumes_port=0");
        }, new VolumesIscsiToolsTest.MemoryReservations(), stargate, new ManualClock(), new io.cairn.cluster.api.vip.VirtualIps() {
            @Override
            public io.cairn.cluster.api.vip.VirtualIp open(io.cairn.cluster.api.vip.VirtualIpSpec spec) {
                throw new AssertionError("no data services IP with volumes_port=0");
            }

            @Override
            public void checkInterface(String interfaceName) {
                throw new AssertionError("loopback mode checks no interface");
            }
        }, new VolumesConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return VolumesConfig.class;
            }

            @Override
            public int volumes__port() {
                return 0;
            }

            @Override
            public long volumes__failback__stable__secs() {
                return 120;
            }

            @Override
            public long volumes__quiesce__timeout__secs() {
                return 30;
            }

            @Override
            public String volumes__dsip__interface() {
                return "";
            }

            @Override
            public int volumes__dsip__prefix__length() {
                return 32;
            }
        });
        rpc = new VolumesRpc(new VolumeService(zeus, stargate), portals, new NoRemotes(), zeus);
    }

    /** An RPC client for a cluster without other nodes: never called. */
    static final class NoRemotes implements RpcClient {
        @Override
        public byte[] call(String address, String method, byte[] request, Duration deadline) {
            throw new AssertionError("no other node to call");
        }

        @Override
        public CompletableFuture<byte[]> callAsync(String address, String method, byte[] request, Duration deadline) {
            throw new AssertionError("no other node to call");
        }

        @Override
        public RpcStream stream(String address, String method, byte[] request, Duration deadline) {
            throw new AssertionError("no other node to call");
        }

        @Override
        public void close() {
        }
    }

    private JsonNode call(String method, Map<String, Object> body) throws Exception {
        return JSON.readTree(rpc.handle(new RpcCall(method, JSON.writeValueAsBytes(body), "admin", "test", Instant.now().plusSeconds(10))));
    }

    private ErrorCode refusal(String method, Map<String, Object> body) {
        try {
            call(method, body);
        } catch (CairnException e) {
            return e.code();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError(method + " " + body + " was not refused");
    }

    @Test
    void givenTheCliSteps_whenCalled_thenVgGetRendersAttachmentsDisksAndTargetsAsTheSpecShows() throws Exception {
        assertThat(call(VolumesRpc.DSIP_SET, Map.of("ip", "127.0.1.140")).path("ip").asText()).isEqualTo("127.0.1.140");
        JsonNode created = call(VolumesRpc.VG_CREATE, Map.of("name", "vg1", "shared", "false"));
        call(VolumesRpc.DISK_CREATE, Map.of("name", "vg1", "container", FakeStargate.CONTAINER, "create_size", "500G"));
        call(VolumesRpc.DISK_CREATE, Map.of("name", "vg1", "container", FakeStargate.CONTAINER, "create_size", 1048576));
        call(VolumesRpc.ATTACH, Map.of("name", "vg1", "iqn", X));

        JsonNode vg = call(VolumesRpc.VG_GET, Map.of("name", "vg1"));

        assertThat(created.path("text").asText()).contains("vg1", created.path("uuid").asText());
        assertThat(vg.path("text").asText()).contains("attachment_list { external_initiator_name: \"" + X
                + "\" target_params { num_virtual_targets: 32 } }", "index: 0 vmdisk_size: " + (500L << 30), "index: 1 vmdisk_size: 1048576",
                "-tgt0\" initiator: \"" + X + "\" disk_indexes: [0] affinity_node: \"127.0.1.141\"",
                "serving_node: \"none (a login now goes to 127.0.1.141)\"");
        assertThat(vg.path("disks")).hasSize(2);
        assertThat(vg.path("targets").get(1).path("name").asText()).endsWith("-" + created.path("uuid").asText() + "-tgt1");
        assertThat(vg.path("attachments").get(0).path("num_virtual_targets").asInt()).isEqualTo(32);
        assertThat(call(VolumesRpc.VG_LIST, Map.of()).path("text").asText()).contains("vg1", created.path("uuid").asText());
        JsonNode status = call(VolumesRpc.STATUS, Map.of());
        assertThat(status.path("dsip").asText()).isEqualTo("127.0.1.140");
        assertThat(status.path("text").asText()).contains("Node 127.0.1.141", "Volumes up");
    }

    @Test
    void givenBadRequests_whenCalled_thenEachIsRefusedWithItsCode() throws Exception {
        call(VolumesRpc.VG_CREATE, Map.of("name", "vg1"));
        call(VolumesRpc.DISK_CREATE, Map.of("name", "vg1", "container", FakeStargate.CONTAINER, "create_size", "2M"));
        call(VolumesRpc.ATTACH, Map.of("name", "vg1", "iqn", X));

        assertThat(refusal(VolumesRpc.VG_CREATE, Map.of())).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(VolumesRpc.VG_CREATE, Map.of("name", "vg2", "shared", "maybe"))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(VolumesRpc.VG_GET, Map.of("name", "nope"))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusal(VolumesRpc.DISK_RESIZE, Map.of("name", "vg1", "index", "zero", "new_size", "4M"))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(VolumesRpc.DISK_RESIZE, Map.of("name", "vg1", "index", 0, "new_size", "1M"))).isEqualTo(ErrorCode.FAILED_PRECONDITION);
        assertThat(refusal(VolumesRpc.ATTACH, Map.of("name", "vg1", "iqn", "iqn.2026-01.org.example:y"))).isEqualTo(ErrorCode.FAILED_PRECONDITION);
        assertThat(refusal(VolumesRpc.VG_DELETE, Map.of("name", "vg1"))).isEqualTo(ErrorCode.FAILED_PRECONDITION);
        assertThat(call(VolumesRpc.DISK_RESIZE, Map.of("name", "vg1", "index", "0", "new_size", "4M")).path("size_bytes").asLong())
                .isEqualTo(4L << 20);
        assertThat(call(VolumesRpc.DETACH, Map.of("name", "vg1", "iqn", X)).path("text").asText()).contains("detached");
        assertThat(call(VolumesRpc.VG_DELETE, Map.of("name", "vg1")).path("disks_deleted").asInt()).isEqualTo(1);
        assertThatThrownBy(() -> call("volumes.nope", Map.of())).isInstanceOf(CairnException.class);
    }
}
