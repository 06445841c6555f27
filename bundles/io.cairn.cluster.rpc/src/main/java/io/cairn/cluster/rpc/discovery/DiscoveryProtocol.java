package io.cairn.cluster.rpc.discovery;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The discovery wire format. A datagram is {@code "CAIRNDSC" | version (1) | type | long queryId | payload}
 * (big-endian): type {@link #QUERY} has no payload, type {@link #REPLY} carries the {@link NodeAdvert} as
 * UTF-8 JSON. A querier sends a QUERY to {@code [ff02::ca1:d15c%if]:2110} on each link; every factory
 * node on that link answers with one REPLY by unicast to the query's source address and port, echoing
 * the query id. A datagram is at most {@link #MAX_DATAGRAM} bytes (fits the IPv6 minimum MTU). Anything
 * else (short, wrong magic or version, unknown type, bad JSON, oversized) is dropped: {@link #decode}
 * returns empty and never throws.
 */
public final class DiscoveryProtocol {

    /** The IPv6 link-local-scope multicast group factory nodes listen on. */
    public static final String GROUP = "ff02::ca1:d15c";
    /** The UDP port of the group (not 5353: avahi owns mDNS). */
    public static final int PORT = 2110;
    public static final byte VERSION = 1;
    public static final byte QUERY = 1;
    public static final byte REPLY = 2;
    /** 1280 (IPv6 minimum MTU) − 40 (IPv6 header) − 8 (UDP header). */
    public static final int MAX_DATAGRAM = 1232;
    static final byte[] MAGIC = "CAIRNDSC".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = MAGIC.length + 1 + 1 + 8;
    static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private DiscoveryProtocol() {
    }

    /** A decoded datagram: a query (advert {@code null}) or a reply. */
    public record Message(byte type, long queryId, NodeAdvert advert) {
    }

    public static byte[] query(long queryId) {
        return header(QUERY, queryId, 0).array();
    }

    /** A reply datagram; refuses an advert whose JSON would not fit {@link #MAX_DATAGRAM}. */
    public static byte[] reply(long queryId, NodeAdvert advert) {
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(advert);
        } catch (IOException e) {
            throw new IllegalArgumentException("advert cannot be written as JSON: " + e.getMessage(), e);
        }
        if (HEADER + json.length > MAX_DATAGRAM) {
            throw new IllegalArgumentException("advert of node " + advert.uuid() + " is " + (HEADER + json.length)
                    + " bytes, more than the " + MAX_DATAGRAM + " a discovery datagram may carry; list fewer addresses");
        }
        return header(REPLY, queryId, json.length).put(json).array();
    }

    private static ByteBuffer header(byte type, long queryId, int payload) {
        return ByteBuffer.allocate(HEADER + payload).put(MAGIC).put(VERSION).put(type).putLong(queryId);
    }

    /** Decodes one datagram; empty for anything that is not a well-formed query or reply. */
    public static Optional<Message> decode(byte[] data, int offset, int length) {
        try {
            if (data == null || offset < 0 || length < HEADER || length > MAX_DATAGRAM || offset + length > data.length) {
                return Optional.empty();
            }
            ByteBuffer b = ByteBuffer.wrap(data, offset, length);
            byte[] magic = new byte[MAGIC.length];
            b.get(magic);
            if (!Arrays.equals(magic, MAGIC) || b.get() != VERSION) {
                return Optional.empty();
            }
            byte type = b.get();
            long id = b.getLong();
            if (type == QUERY) {
                return b.hasRemaining() ? Optional.empty() : Optional.of(new Message(QUERY, id, null));
            }
            if (type != REPLY || !b.hasRemaining()) {
                return Optional.empty();
            }
            NodeAdvert a = MAPPER.readValue(data, offset + HEADER, length - HEADER, NodeAdvert.class);
            if (a == null || a.uuid().isBlank()) {
                return Optional.empty();
            }
            return Optional.of(new Message(REPLY, id, a));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The group address scoped to one interface. */
    public static Inet6Address group(NetworkInterface nif) {
        try {
            return Inet6Address.getByAddress(null, InetAddress.getByName(GROUP).getAddress(), nif);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The interface's IPv6 link-local address, if it has one. */
    public static Optional<Inet6Address> linkLocal(NetworkInterface nif) {
        return Collections.list(nif.getInetAddresses()).stream().filter(a -> a instanceof Inet6Address && a.isLinkLocalAddress())
                .map(a -> (Inet6Address) a).findFirst();
    }

    /** {@code fe80::…%ifname}: the address in RFC 5952 form, the zone the interface name. */
    public static String format(Inet6Address address, NetworkInterface nif) {
        return text(address.getAddress()) + "%" + nif.getName();
    }

    /** RFC 5952 text of 16 address bytes: lower case, no leading zeros, the longest run (≥ 2) of zero groups as {@code ::}. */
    static String text(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int best = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                best = i;
                bestLen = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == best) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /**
     * Interfaces discovery runs on: up, multicast-capable, not loopback, with an IPv6 link-local
     * address; only those named in {@code names} when that is not empty.
     */
    public static List<NetworkInterface> interfaces(List<String> names) throws SocketException {
        List<NetworkInterface> out = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!names.isEmpty() && !names.contains(nif.getName())) {
                continue;
            }
            if (nif.isUp() && nif.supportsMulticast() && !nif.isLoopback() && linkLocal(nif).isPresent()) {
                out.add(nif);
            }
        }
        return out;
    }
}
