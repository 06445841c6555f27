package io.cairn.iscsi.internal.redirector;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The stable hash order of remote Stargates for a target (spec 40 §7, rendezvous hashing as in spec
 * 50 §1): each portal scores {@code SHA-256(iqn "|" host:port)} (first 8 bytes, unsigned) and the
 * highest scores come first. Every host computes the same order, so one vDisk goes to one remote
 * Stargate; removing a portal only moves the targets it ranked first.
 */
public final class PathOrder {

    private PathOrder() {
    }

    /** The first {@code count} of {@code remotes} in the hash order of {@code iqn}. */
    public static List<InetSocketAddress> remotePaths(String iqn, Collection<InetSocketAddress> remotes, int count) {
        record Scored(InetSocketAddress portal, String key, long score) {
        }
        return remotes.stream().distinct().map(p -> new Scored(p, hostPort(p), score(iqn, hostPort(p))))
                .sorted(Comparator.comparing(Scored::score, Long::compareUnsigned).reversed().thenComparing(Scored::key))
                .limit(count).map(Scored::portal).toList();
    }

    static long score(String iqn, String hostPort) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(iqn.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '|');
            sha.update(hostPort.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** {@code ip:port} ({@code [ip6]:port}) as in log lines and TargetAddress. */
    public static String hostPort(InetSocketAddress a) {
        String host = a.isUnresolved() || a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
