package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalOptions;

class IscsiPortalsImplTest {

    @Test
    void givenTheServiceAsDsMakesIt_whenAPortalServesALun_thenTheRealScsiLayerAnswers() throws Exception {
        try (PortalFixture f = PortalFixture.sbc()) {
            Tools.Result r = Tools.run(java.time.Duration.ofSeconds(60), "iscsi-inq", "-i", PortalFixture.INITIATOR,
                    f.url(PortalFixture.TARGET, 0));
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).contains("CAIRN");
        }
    }

    @Test
    void givenAnAddressInUse_whenOpened_thenTheIoExceptionNamesIt_andDeactivateClosesOpenPortals() throws Exception {
        IscsiPortalsImpl portals = new IscsiPortalsImpl(new RamDiskTarget.Engine());
        Portal first = portals.open(new InetSocketAddress("127.0.0.1", 0), new TestCatalog(), PortalOptions.defaults(TestCatalog.NO_RESERVATIONS));

        assertThatThrownBy(() -> portals.open(first.address(), new TestCatalog(), PortalOptions.defaults(TestCatalog.NO_RESERVATIONS)))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining(first.address().toString());
        portals.deactivate();
        try (java.nio.channels.ServerSocketChannel again = java.nio.channels.ServerSocketChannel.open()) {
            again.bind(first.address());
            assertThat(again.getLocalAddress()).isEqualTo(first.address());
        }
    }
}
