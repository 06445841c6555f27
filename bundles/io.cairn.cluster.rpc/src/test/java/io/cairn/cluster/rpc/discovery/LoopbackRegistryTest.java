package io.cairn.cluster.rpc.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopbackRegistryTest {

    @TempDir
    Path dir;

    final AtomicLong now = new AtomicLong(1_000_000);
    final InstantSource clock = () -> Instant.ofEpochMilli(now.get());

    static NodeAdvert advert(String uuid, String state) {
        return new NodeAdvert(uuid, state, List.of("127.0.1.222"), "", "b1", "A", "KVM", "6.8", "0.1.0", 2100);
    }

    @Test
    void givenEntries_whenListed_thenFreshFactoryOnesOnly() throws Exception {
        LoopbackRegistry reg = new LoopbackRegistry(dir.resolve("sub"), clock);
        assertThat(reg.list()).isEmpty(); // no directory yet
        String a = "00000000-0000-0000-0000-00000000000a";
        String b = "00000000-0000-0000-0000-00000000000b";
        String c = "00000000-0000-0000-0000-00000000000c";
        reg.publish(advert(b, NodeAdvert.FACTORY));
        reg.publish(advert(a, NodeAdvert.FACTORY));
        reg.publish(advert(c, NodeAdvert.CONFIGURED));
        Files.writeString(reg.dir().resolve("junk.json"), "{not json");
        Files.writeString(reg.dir().resolve("00000000-0000-0000-0000-00000000000d.json"), "{\"uuid\":\"x\",\"state\":\"factory\",\"refreshed\":1000000}");
        Files.writeString(reg.dir().resolve("notes.txt"), "hello");
        assertThat(reg.list()).extracting(NodeAdvert::uuid).containsExactly(a, b);
        assertThat(Files.list(reg.dir()).filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();

        now.addAndGet(LoopbackRegistry.STALE_AFTER.toMillis() - 1);
        reg.publish(advert(a, NodeAdvert.FACTORY)); // a refreshes, b does not
        now.addAndGet(2);
        assertThat(reg.list()).extracting(NodeAdvert::uuid).containsExactly(a);

        reg.remove(a);
        reg.remove(a); // twice is fine
        assertThat(reg.list()).isEmpty();
    }

    @Test
    void givenNotAUuid_whenPublished_thenRefused() {
        LoopbackRegistry reg = new LoopbackRegistry(dir, clock);
        assertThatThrownBy(() -> reg.publish(advert("../../etc/passwd", NodeAdvert.FACTORY))).isInstanceOf(IllegalArgumentException.class);
    }
}
