package io.cairn.iscsi.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

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

    static final String SBC_ENGINE = "io.cairn.iscsi.internal.scsi.SbcEngine";

    private final Supplier<ScsiEngine> engine;
    private final Set<PortalImpl> open = ConcurrentHashMap.newKeySet();

    public IscsiPortalsImpl() {
        this(IscsiPortalsImpl::sbcEngine);
    }

    /** With another SCSI layer (tests). */
    IscsiPortalsImpl(ScsiEngine engine) {
        this(() -> engine);
        Objects.requireNonNull(engine, "engine");
    }

    private IscsiPortalsImpl(Supplier<ScsiEngine> engine) {
        this.engine = engine;
    }

    @Override
    public Portal open(InetSocketAddress address, TargetCatalog catalog, PortalOptions options) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(options, "options");
        PortalImpl portal = new PortalImpl(address, catalog, options, engine.get(), open::remove);
        open.add(portal);
        return portal;
    }

    /** Portals still open when the bundle stops are closed with it. */
    @Deactivate
    void deactivate() {
        List.copyOf(open).forEach(PortalImpl::close);
    }

    private static ScsiEngine sbcEngine() {
        // TODO(merge iscsi-scsi): replace this method's body with `return new io.cairn.iscsi.internal.scsi.SbcEngine();`
        try {
            return (ScsiEngine) Class.forName(SBC_ENGINE).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("the iSCSI SCSI layer (" + SBC_ENGINE + ") is not part of this build of io.cairn.iscsi; "
                    + "no portal can serve LUNs until it is merged", e);
        }
    }
}
