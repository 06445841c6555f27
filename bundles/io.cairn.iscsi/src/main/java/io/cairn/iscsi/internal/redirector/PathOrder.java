package io.cairn.iscsi.internal.redirector;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;

import io.cairn.storage.api.iscsi.PortalAddresses;
import io.cairn.storage.api.iscsi.Rendezvous;

/**
 * The stable hash order of remote Stargates for a target (spec 40 §7, rendezvous hashing as in spec
 * 50 §1, {@link Rendezvous}): each portal scores {@code SHA-256(iqn "|" host:port)} and the highest
 * scores come first. Every host computes the same order, so one vDisk goes to one remote
 * Stargate; removing a portal only moves the targets it ranked first.
 */
public final class PathOrder {

    private PathOrder() {
    }

    /** The first {@code count} of {@code remotes} in the hash order of {@code iqn}. */
    public static List<InetSocketAddress> remotePaths(String iqn, Collection<InetSocketAddress> remotes, int count) {
        return Rendezvous.rank(iqn, remotes, PortalAddresses::hostPort).stream().limit(count).toList();
    }
}
