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
        this(options, null);
    }

    /** Over the real SCSI layer ({@code new IscsiPortalsImpl()}: {@code SbcEngine}) when {@code real} is not null. */
    private PortalFixture(PortalOptions options, Boolean real) throws IOException {
        catalog.add(TARGET, Optional.empty(), 64 << 20);
        portal = (real != null ? new IscsiPortalsImpl() : new IscsiPortalsImpl(engine)).open(new InetSocketAddress("127.0.0.1", 0), catalog,
                options);
        catalog.advertised = "127.0.0.1:" + port() + ",1";
    }

    /** A portal over the real SCSI layer and an in-memory reservation store with real compare-and-set. */
    static PortalFixture sbc() throws IOException {
        return new PortalFixture(PortalOptions.defaults(new io.cairn.iscsi.internal.scsi.MemoryReservationStore()), Boolean.TRUE);
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
