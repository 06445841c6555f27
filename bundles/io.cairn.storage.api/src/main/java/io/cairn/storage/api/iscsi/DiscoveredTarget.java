package io.cairn.storage.api.iscsi;

import java.util.List;
import java.util.Objects;

/**
 * One target of a SendTargets answer.
 *
 * @param name      the target's iSCSI name
 * @param addresses its {@code TargetAddress} values, {@code host:port,tpgt} (IPv6 hosts in brackets)
 */
public record DiscoveredTarget(String name, List<String> addresses) {

    public DiscoveredTarget {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
    }
}
