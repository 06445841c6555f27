package io.cairn.cluster.rpc.discovery;

import java.util.List;
import java.util.Objects;

/**
 * What a node says about itself in discovery.
 *
 * @param uuid the node UUID (the key of {@code ncli cluster add-node node-uuid=})
 * @param state {@code factory} (an image installed, unconfigured: the only state that is offered) or {@code configured}
 * @param addresses the node's IP addresses (its controller address first)
 * @param linkLocal the IPv6 link-local address on the link the advert went out on ({@code fe80::…%if}), empty in the registry
 * @param blockSerial the block (chassis) serial number
 * @param position the node's position in its block
 * @param hostType the hypervisor type, e.g. {@code KVM}
 * @param hostVersion the hypervisor (host kernel) version
 * @param version the Cairn version installed
 * @param rpcPort the TCP port of the node's bootstrap RPC (genesis.hello / genesis.join)
 */
public record NodeAdvert(String uuid, String state, List<String> addresses, String linkLocal, String blockSerial, String position,
        String hostType, String hostVersion, String version, int rpcPort) {

    /** The state of a node that answers discovery. */
    public static final String FACTORY = "factory";
    /** The state of a node in a cluster; never offered. */
    public static final String CONFIGURED = "configured";

    public NodeAdvert {
        Objects.requireNonNull(uuid, "uuid");
        state = state == null ? "" : state;
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        linkLocal = linkLocal == null ? "" : linkLocal;
        blockSerial = blockSerial == null ? "" : blockSerial;
        position = position == null ? "" : position;
        hostType = hostType == null ? "" : hostType;
        hostVersion = hostVersion == null ? "" : hostVersion;
        version = version == null ? "" : version;
    }

    /** Whether the node is in factory state, so it may be offered. */
    public boolean factory() {
        return FACTORY.equals(state);
    }

    public NodeAdvert withLinkLocal(String address) {
        return new NodeAdvert(uuid, state, addresses, address, blockSerial, position, hostType, hostVersion, version, rpcPort);
    }
}
