package io.cairn.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalOptions;

class IscsiPortalsImplTest {

    @Test
    void givenTheScsiLayerIsNotInTheBuild_whenAPortalIsOpened_thenTheErrorNamesIt() {
        org.junit.jupiter.api.Assumptions.assumeTrue(!classPresent(IscsiPortalsImpl.SBC_ENGINE), "the SCSI layer is merged");

        assertThatThrownBy(() -> new IscsiPortalsImpl().open(new InetSocketAddress("127.0.0.1", 0), new TestCatalog(),
                PortalOptions.defaults(TestCatalog.NO_RESERVATIONS))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(IscsiPortalsImpl.SBC_ENGINE);
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

    private static boolean classPresent(String name) {
        try {
            Class.forName(name);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
