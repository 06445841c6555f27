package io.cairn.cluster.rpc.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class DiscoveryProtocolTest {

    static final NodeAdvert ADVERT = new NodeAdvert("5b0c2a4e-94b7-4a50-9d0e-1f6a7c1d2e3f", NodeAdvert.FACTORY,
            List.of("127.0.1.221"), "fe80::1%eth0", "block-5b0c2a4e", "A", "KVM", "6.8.0", "0.1.0", 2100);

    @Test
    void givenQueryAndReply_whenDecoded_thenRoundTrip() {
        var q = DiscoveryProtocol.decode(DiscoveryProtocol.query(42), 0, DiscoveryProtocol.HEADER).orElseThrow();
        assertThat(q.type()).isEqualTo(DiscoveryProtocol.QUERY);
        assertThat(q.queryId()).isEqualTo(42);
        byte[] r = DiscoveryProtocol.reply(-7, ADVERT);
        var m = DiscoveryProtocol.decode(r, 0, r.length).orElseThrow();
        assertThat(m.type()).isEqualTo(DiscoveryProtocol.REPLY);
        assertThat(m.queryId()).isEqualTo(-7);
        assertThat(m.advert()).isEqualTo(ADVERT);
    }

    @Test
    void givenReplyInsideLargerBuffer_whenDecodedWithOffset_thenSame() {
        byte[] r = DiscoveryProtocol.reply(1, ADVERT);
        byte[] big = new byte[r.length + 20];
        System.arraycopy(r, 0, big, 10, r.length);
        assertThat(DiscoveryProtocol.decode(big, 10, r.length).orElseThrow().advert()).isEqualTo(ADVERT);
    }

    @Test
    void givenBadPackets_whenDecoded_thenIgnoredNeverThrown() {
        byte[] good = DiscoveryProtocol.reply(1, ADVERT);
        assertThat(DiscoveryProtocol.decode(null, 0, 0)).isEmpty();
        assertThat(DiscoveryProtocol.decode(new byte[0], 0, 0)).isEmpty();
        assertThat(DiscoveryProtocol.decode(good, 0, DiscoveryProtocol.HEADER - 1)).isEmpty();
        assertThat(DiscoveryProtocol.decode(good, 5, good.length)).isEmpty(); // past the end
        assertThat(DiscoveryProtocol.decode(good, -1, 10)).isEmpty();
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThat(DiscoveryProtocol.decode(magic, 0, magic.length)).isEmpty();
        byte[] version = good.clone();
        version[8] = 2;
        assertThat(DiscoveryProtocol.decode(version, 0, version.length)).isEmpty();
        byte[] type = good.clone();
        type[9] = 9;
        assertThat(DiscoveryProtocol.decode(type, 0, type.length)).isEmpty();
        byte[] queryWithPayload = good.clone();
        queryWithPayload[9] = DiscoveryProtocol.QUERY;
        assertThat(DiscoveryProtocol.decode(queryWithPayload, 0, queryWithPayload.length)).isEmpty();
        assertThat(DiscoveryProtocol.decode(good, 0, good.length - 5)).isEmpty(); // truncated JSON
        byte[] notJson = Arrays.copyOf(good, DiscoveryProtocol.HEADER + 5);
        System.arraycopy("nope!".getBytes(StandardCharsets.US_ASCII), 0, notJson, DiscoveryProtocol.HEADER, 5);
        assertThat(DiscoveryProtocol.decode(notJson, 0, notJson.length)).isEmpty();
        assertThat(decodeReplyJson("[]")).isEmpty();
        assertThat(decodeReplyJson("{}")).isEmpty(); // no uuid
        assertThat(decodeReplyJson("{\"uuid\":\"\"}")).isEmpty();
        assertThat(decodeReplyJson("{\"uuid\":7,\"rpcPort\":\"x\"}")).isEmpty();
        assertThat(decodeReplyJson("null")).isEmpty();
        byte[] huge = new byte[DiscoveryProtocol.MAX_DATAGRAM + 1];
        System.arraycopy(good, 0, huge, 0, good.length);
        assertThat(DiscoveryProtocol.decode(huge, 0, huge.length)).isEmpty();
        // an unknown field from a newer node is tolerated
        assertThat(decodeReplyJson("{\"uuid\":\"u1\",\"state\":\"factory\",\"rack\":\"r9\"}").orElseThrow().advert().uuid())
                .isEqualTo("u1");
    }

    @Test
    void givenRandomBytes_whenDecoded_thenNeverThrows() {
        Random r = new Random(10);
        byte[] good = DiscoveryProtocol.reply(3, ADVERT);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[r.nextInt(DiscoveryProtocol.MAX_DATAGRAM + 50)];
                r.nextBytes(b);
            } else { // mutate a good reply: flip a few bytes
                b = good.clone();
                for (int k = 0; k < 1 + r.nextInt(4); k++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                }
            }
            if (DiscoveryProtocol.decode(b, 0, b.length).isPresent()) {
                decoded++;
            }
        }
        System.out.println("random/mutated datagrams that still decoded: " + decoded + " of 20000");
    }

    @Test
    void givenAddresses_whenFormatted_thenRfc5952() throws Exception {
        assertThat(text("fe80::d415:cff:fe10:ba00")).isEqualTo("fe80::d415:cff:fe10:ba00");
        assertThat(text("fe80:0:0:0:0:0:0:1")).isEqualTo("fe80::1");
        assertThat(text("::")).isEqualTo("::");
        assertThat(text("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1"); // one zero group stays
        assertThat(text("2001:0:0:1:0:0:0:1")).isEqualTo("2001:0:0:1::1"); // the longest run
        assertThat(text("1:0:0:2:0:0:3:4")).isEqualTo("1::2:0:0:3:4"); // the first of equal runs
        assertThat(text("1:2:3:4:5:6:7:0")).isEqualTo("1:2:3:4:5:6:7:0");
        assertThat(text("1:2:3:4:5:6:0:0")).isEqualTo("1:2:3:4:5:6::");
    }

    private static String text(String address) throws Exception {
        return DiscoveryProtocol.text(java.net.InetAddress.getByName(address).getAddress());
    }

    @Test
    void givenAdvertTooLarge_whenEncoded_thenRefused() {
        List<String> ips = java.util.stream.IntStream.range(0, 200).mapToObj(i -> "2001:db8::" + i).toList();
        NodeAdvert big = new NodeAdvert("u", NodeAdvert.FACTORY, ips, "", "", "", "", "", "", 0);
        assertThatThrownBy(() -> DiscoveryProtocol.reply(1, big)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("list fewer addresses");
    }

    private static java.util.Optional<DiscoveryProtocol.Message> decodeReplyJson(String json) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[DiscoveryProtocol.HEADER + j.length];
        System.arraycopy(DiscoveryProtocol.reply(1, ADVERT), 0, b, 0, DiscoveryProtocol.HEADER);
        System.arraycopy(j, 0, b, DiscoveryProtocol.HEADER, j.length);
        return DiscoveryProtocol.decode(b, 0, b.length);
    }
}
