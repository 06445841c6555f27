package io.cairn.storage.api.iscsi;

import java.io.IOException;
import java.net.InetSocketAddress;

import org.osgi.annotation.versioning.ProviderType;

/** The iSCSI engine's service: opens portals (listening sockets) that serve a catalog's targets. */
@ProviderType
public interface IscsiPortals {

    /**
     * Listens on {@code address} (port 0: any free port) and serves logins and discovery for
     * {@code catalog} until the portal is closed.
     *
     * @throws IOException when the address cannot be bound (the message names it)
     */
    Portal open(InetSocketAddress address, TargetCatalog catalog, PortalOptions options) throws IOException;
}
