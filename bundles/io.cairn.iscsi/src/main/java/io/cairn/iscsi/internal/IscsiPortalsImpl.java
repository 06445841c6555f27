package io.cairn.iscsi.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import io.cairn.iscsi.internal.scsi.ScsiEngine;
import io.cairn.storage.api.iscsi.IscsiPortals;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalOptions;
import io.cairn.storage.api.iscsi.TargetCatalog;

/** The iSCSI engine's service: portals over this bundle's transport and SCSI layer. */
@Component(service = IscsiPortals.class)
public final class IscsiPortalsImpl implements IscsiPortals {

    /** One SCSI layer for every portal of this node, so all sessions of a logical unit share its locks and unit attentions. */
    private final ScsiEngine engine;
    private final Set<PortalImpl> open = ConcurrentHashMap.newKeySet();

    public IscsiPortalsImpl() {
        this(new io.cairn.iscsi.internal.scsi.SbcEngine());
    }

    /** With another SCSI layer (tests). */
    IscsiPortalsImpl(ScsiEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public Portal open(InetSocketAddress address, TargetCatalog catalog, PortalOptions options) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(options, "options");
        PortalImpl portal = new PortalImpl(address, catalog, options, engine, open::remove);
        open.add(portal);
        return portal;
    }

    /** Portals still open when the bundle stops are closed with it. */
    @Deactivate
    void deactivate() {
        List.copyOf(open).forEach(PortalImpl::close);
    }

}
