package io.cairn.cluster.api.vip;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Opens {@link VirtualIp} handles. The caller decides when this node holds the address (usually
 * while it leads a Zeus election) and calls {@link VirtualIp#acquire()} / {@link VirtualIp#release()}.
 */
@ProviderType
public interface VirtualIps {

    /**
     * Checks the spec and returns a handle that does not hold the address yet. In layer-2 mode the
     * interface must exist, and a copy of the address left on it by an earlier run of this node (one
     * that ended without releasing, e.g. killed) is removed now.
     *
     * @throws VirtualIpException on a malformed address, a missing interface, missing tools or
     *         permissions, with what to do
     */
    VirtualIp open(VirtualIpSpec spec);

    /**
     * Checks that {@code interfaceName} can carry a layer-2 virtual IP on this node (it exists and
     * has an Ethernet address), for callers that validate configuration before any address is known.
     *
     * @throws VirtualIpException when it cannot, with what to do
     */
    void checkInterface(String interfaceName);
}
