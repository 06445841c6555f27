package io.cairn.storage.api.iscsi;

import java.net.InetSocketAddress;

/**
 * How iSCSI portal addresses are written in {@code TargetAddress} keys and log lines: {@code ip:port}
 * ({@code [ip6]:port} for IPv6), and with the portal group tag {@code ip:port,tpgt} (RFC 7143 §13.8).
 */
public final class PortalAddresses {

    private PortalAddresses() {
    }

    /** {@code ip:port} ({@code [ip6]:port}); an unresolved address keeps its host string. */
    public static String hostPort(InetSocketAddress a) {
        String host = a.isUnresolved() || a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** {@code host:port,tpgt}, the value of a {@code TargetAddress} key. */
    public static String targetAddress(InetSocketAddress a, int portalGroupTag) {
        return hostPort(a) + "," + portalGroupTag;
    }
}
