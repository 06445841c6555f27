package io.cairn.iscsi.internal.redirector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.cairn.iscsi.internal.TestStargates;

class PortalProbeTest {

    private final PortalProbe probe = new PortalProbe("iqn.2010-06.org.cairn:iscsi-redirector", 1000);

    @Test
    void givenAServingPortal_whenProbed_thenLoginPingAndLogoutSucceedAndNoSessionIsLeft() throws Exception {
        try (TestStargates s = new TestStargates(1, "iqn.2010-06.org.cairn:vmdisk-a")) {
            for (int i = 0; i < 3; i++) {
                PortalProbe.Result r = probe.probe(s.address(0));
                assertThat(r.outcome()).as(r.detail()).isEqualTo(PortalProbe.Outcome.OK);
            }
            Await.until("probe sessions ended", Duration.ofSeconds(5), () -> s.portal(0).sessions().isEmpty());
        }
    }

    @Test
    void givenNothingListening_whenProbed_thenRefused() throws Exception {
        InetSocketAddress closed;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = new InetSocketAddress("127.0.0.1", ss.getLocalPort());
        }
        assertThat(probe.probe(closed).outcome()).isEqualTo(PortalProbe.Outcome.REFUSED);
    }

    @Test
    void givenAPortalThatAcceptsButNeverAnswers_whenProbed_thenAMissWithinTheTimeout() throws Exception {
        try (ServerSocket hung = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            long t0 = System.nanoTime();
            PortalProbe.Result r = new PortalProbe("iqn.x:y", 300).probe(new InetSocketAddress("127.0.0.1", hung.getLocalPort()));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.outcome()).isEqualTo(PortalProbe.Outcome.MISS);
            assertThat(r.detail()).contains("no answer within 300 ms");
            assertThat(ms).isBetween(250L, 2000L);
        }
    }
}
