package io.cairn.cluster.genesis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.hal.api.faults.Fault;
import io.cairn.hal.api.faults.Fault.Op;
import io.cairn.hal.api.faults.FaultInjector;

class HalFaultsTest {

    /** Records faults per device like hal.sim's injector. */
    static final class FakeInjector implements FaultInjector {
        final Map<String, List<Fault>> faults = new TreeMap<>();

        FakeInjector(String... devices) {
            for (String d : devices) {
                faults.put(d, new ArrayList<>());
            }
        }

        @Override
        public Set<String> devices() {
            return Set.copyOf(faults.keySet());
        }

        @Override
        public void inject(String deviceId, Fault fault) {
            get(deviceId).add(fault);
        }

        @Override
        public void clear(String deviceId) {
            get(deviceId).clear();
        }

        @Override
        public List<Fault> active(String deviceId) {
            return List.copyOf(get(deviceId));
        }

        private List<Fault> get(String id) {
            List<Fault> l = faults.get(id);
            if (l == null) {
                throw new IllegalArgumentException("no simulated disk '" + id + "'");
            }
            return l;
        }
    }

    private static final LocalNode NODE = new LocalNode() {
        @Override
        public NodeIdentity identity() {
            return new NodeIdentity(UUID.randomUUID(), "127.0.1.1", new FaultDomain("r", "b", "n"), "0.1.0");
        }

        @Override
        public Path home() {
            return Path.of("/nonexistent");
        }
    };

    private final FakeInjector injector = new FakeInjector("n1-d0", "n1-d1");
    private final HalFaults faults = handler(injector);

    private static HalFaults handler(FaultInjector injector) {
        HalFaults h = new HalFaults(NODE);
        if (injector != null) {
            h.setInjector(injector);
        }
        return h;
    }

    private static JsonNode json(String text) throws Exception {
        return Codec.MAPPER.readTree(text);
    }

    private JsonNode call(String method, String body) throws Exception {
        byte[] reply = faults.handle(new RpcCall(method, body.getBytes(StandardCharsets.UTF_8), "admin", "test", Instant.now().plusSeconds(5)));
        return Codec.MAPPER.readTree(reply);
    }

    @Test
    void givenEachFaultKind_whenParsed_thenTheMatchingFaultAndItRendersBackTheSame() throws Exception {
        Map<String, Fault> cases = Map.of(
                "{\"fault\":\"eio\",\"op\":\"read\",\"offset\":4096,\"length\":8192}", new Fault.IoError(Op.READ, 4096, 8192),
                "{\"fault\":\"eio\"}", new Fault.IoError(Op.ANY, 0, 0),
                "{\"fault\":\"latency\",\"op\":\"write\",\"millis\":250}", new Fault.Latency(Op.WRITE, Duration.ofMillis(250)),
                "{\"fault\":\"disappear\"}", new Fault.Disappear(),
                "{\"fault\":\"full\"}", new Fault.Full(),
                "{\"fault\":\"bitflip\",\"offset\":\"4096\",\"length\":\"4096\"}", new Fault.BitFlip(4096, 4096),
                "{\"fault\":\"SMART_FAIL\"}", new Fault.SmartFailure());
        for (var c : cases.entrySet()) {
            Fault f = HalFaults.parse(json(c.getKey()));
            assertThat(f).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(HalFaults.parse(Codec.MAPPER.valueToTree(HalFaults.render(f)))).isEqualTo(f);
        }
    }

    @Test
    void givenBadInput_whenParsed_thenErrorNamesTheFieldAndTheAllowedValues() {
        assertThatThrownBy(() -> HalFaults.parse(json("{}"))).isInstanceOf(CairnException.class)
                .hasMessageContaining("'fault' is required: one of eio, latency, disappear, full, bitflip, smart_fail");
        assertThatThrownBy(() -> HalFaults.parse(json("{\"fault\":\"melt\"}")))
                .hasMessageContaining("'fault' must be one of eio, latency, disappear, full, bitflip, smart_fail, not 'melt'");
        assertThatThrownBy(() -> HalFaults.parse(json("{\"fault\":\"eio\",\"op\":\"trim\"}")))
                .hasMessageContaining("'op' must be one of read, write, any, not 'trim'");
        assertThatThrownBy(() -> HalFaults.parse(json("{\"fault\":\"eio\",\"offset\":-1}")))
                .hasMessageContaining("'offset' must be a whole number >= 0, not -1");
        assertThatThrownBy(() -> HalFaults.parse(json("{\"fault\":\"bitflip\",\"length\":\"lots\"}")))
                .hasMessageContaining("'length' must be a whole number >= 0, not 'lots'");
        assertThatThrownBy(() -> HalFaults.parse(json("{\"fault\":\"latency\"}"))).hasMessageContaining("'millis' is required");
        assertThatThrownBy(() -> HalFaults.parse(json("{\"fault\":\"latency\",\"millis\":1.5}")))
                .hasMessageContaining("'millis' must be a whole number >= 0");
        assertThatThrownBy(() -> HalFaults.parse(json("{\"fault\":\"eio\",\"millis\":5}")))
                .hasMessageContaining("fault 'eio' does not take 'millis'; it takes length, offset, op");
        assertThatThrownBy(() -> HalFaults.parse(json("{\"fault\":\"full\",\"op\":\"read\"}")))
                .hasMessageContaining("fault 'full' does not take 'op'; it takes no parameters");
    }

    @Test
    void givenInjector_whenInjectListAndClear_thenDispatchedToIt() throws Exception {
        JsonNode r = call(HalFaults.INJECT, "{\"device\":\"n1-d0\",\"fault\":\"eio\",\"op\":\"write\"}");
        assertThat(r.get("injected").get("fault").asText()).isEqualTo("eio");
        call(HalFaults.INJECT, "{\"device\":\"n1-d0\",\"fault\":\"smart_fail\"}");
        call(HalFaults.INJECT, "{\"device\":\"n1-d1\",\"fault\":\"latency\",\"millis\":100}");
        assertThat(injector.faults.get("n1-d0")).containsExactly(Fault.IoError.everywhere(Op.WRITE), new Fault.SmartFailure());

        JsonNode list = call(HalFaults.LIST, "");
        assertThat(list.get("node").asText()).isEqualTo("127.0.1.1");
        assertThat(list.get("devices")).hasSize(2);
        assertThat(list.get("devices").get(0).get("device").asText()).isEqualTo("n1-d0");
        assertThat(list.get("devices").get(0).get("faults").get(1).get("fault").asText()).isEqualTo("smart_fail");
        assertThat(list.get("text").asText()).contains("n1-d0", "eio op=write offset=0 length=0; smart_fail", "latency op=any millis=100");

        call(HalFaults.CLEAR, "{\"device\":\"n1-d0\"}");
        assertThat(injector.faults.get("n1-d0")).isEmpty();
        assertThat(injector.faults.get("n1-d1")).hasSize(1);
        JsonNode all = call(HalFaults.CLEAR, "{\"device\":\"*\"}");
        assertThat(all.get("cleared")).hasSize(2);
        assertThat(injector.faults.get("n1-d1")).isEmpty();
    }

    @Test
    void givenUnknownDeviceOrMissingDevice_thenNotFoundListsTheKnownOnes() {
        assertThatThrownBy(() -> call(HalFaults.INJECT, "{\"device\":\"n9-d0\",\"fault\":\"full\"}"))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("no simulated disk 'n9-d0' on this node; known: n1-d0, n1-d1");
        assertThatThrownBy(() -> call(HalFaults.CLEAR, "{}")).hasMessageContaining("needs the text field 'device'");
        assertThatThrownBy(() -> call(HalFaults.INJECT, "{\"fault\":\"full\"}")).hasMessageContaining("needs the text field 'device'");
        assertThat(injector.faults.get("n1-d0")).isEmpty();
    }

    @Test
    void givenNoFaultInjector_thenEveryCallSaysHalSimIsNotInstalled() {
        HalFaults none = handler(null);
        assertThatThrownBy(() -> none.dispatch(HalFaults.LIST, Codec.MAPPER.createObjectNode(), "admin"))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("this node has no fault injector: hal.sim is not installed (debug image only)");
        HalFaults h = handler(injector);
        h.unsetInjector(injector);
        assertThatThrownBy(() -> h.dispatch(HalFaults.INJECT, Codec.MAPPER.createObjectNode(), "admin"))
                .hasMessageContaining("no fault injector");
    }
}
