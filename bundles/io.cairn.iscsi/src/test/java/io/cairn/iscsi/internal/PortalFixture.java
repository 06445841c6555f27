package io.cairn.iscsi.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;

import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalOptions;

/** Test-only: a portal on 127.0.0.1 (any port) over the RAM-disk SCSI layer and a {@link TestCatalog}. */
final class PortalFixture implements AutoCloseable {

    static final String TARGET = "iqn.2010-06.org.cairn:test-tgt0";
    static final String INITIATOR = "iqn.2026-01.org.cairn:test-initiator";

    final RamDiskTarget.Engine engine = new RamDiskTarget.Engine();
    final TestCatalog catalog = new TestCatalog();
    final Portal portal;

    PortalFixture() throws IOException {
        this(PortalOptions.defaults(TestCatalog.NO_RESERVATIONS));
    }

    PortalFixture(PortalOptions options) throws IOException {
        catalog.add(TARGET, Optional.empty(), 64 << 20);
        portal = new IscsiPortalsImpl(engine).open(new InetSocketAddress("127.0.0.1", 0), catalog, options);
        catalog.advertised = "127.0.0.1:" + port() + ",1";
    }

    int port() {
        return portal.address().getPort();
    }

    String url(String target, int lun) {
        return "iscsi://127.0.0.1:" + port() + "/" + target + "/" + lun;
    }

    String portalUrl() {
        return "iscsi://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        portal.close();
    }
}
