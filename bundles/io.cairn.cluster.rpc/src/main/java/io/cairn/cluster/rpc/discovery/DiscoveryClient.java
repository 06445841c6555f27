package io.cairn.cluster.rpc.discovery;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The querying side of multicast discovery: sends a query on each link (again after a third of the
 * timeout, in case the first was lost), collects unicast replies until the timeout and returns one
 * advert per node UUID (the first reply wins), factory nodes only. An advert's {@code linkLocal} is
 * the reply's source address with this side's interface as its zone ({@code fe80::…%eth0}), the
 * address to reach the node at.
 */
public final class DiscoveryClient {

    private DiscoveryClient() {
    }

    /** A node found, and where: {@code multicast:<if>} or {@code registry}. */
    public record Found(NodeAdvert advert, String via) {

        /**
         * The node in the layout of {@code ncli cluster discover-nodes} (spec 10 §6): lines
         * {@code "    <Key padded> : <value>"}, the first {@code Node Uuid}, so that
         * {@code egrep Uuid | awk '{print $4}'} prints the UUID.
         */
        public String text() {
            NodeAdvert a = advert;
            Map<String, String> lines = new LinkedHashMap<>();
            lines.put("Node Uuid", a.uuid());
            lines.put("Block Serial", a.blockSerial());
            lines.put("Node Position", a.position());
            lines.put("IPv6 Link-Local Address", a.linkLocal());
            lines.put("Hypervisor Type", a.hostType());
            lines.put("Hypervisor Version", a.hostVersion());
            lines.put("Cairn Version", a.version());
            lines.put("Node IP Addresses", String.join(", ", a.addresses()));
            lines.put("Node State", a.state());
            lines.put("Discovered Via", via);
            StringBuilder sb = new StringBuilder();
            lines.forEach((k, v) -> sb.append("    ").append(String.format("%-24s", k)).append(" : ")
                    .append(v == null || v.isBlank() ? "-" : v).append('\n'));
            return sb.toString();
        }
    }

    /** Blocks of {@link Found#text()} separated by empty lines. */
    public static String text(List<Found> nodes) {
        StringBuilder sb = new StringBuilder();
        for (Found f : nodes) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(f.text());
        }
        return sb.toString();
    }

    /**
     * Queries {@code interfaces} (empty list: every eligible interface) on {@code port} and waits {@code timeout}.
     *
     * @throws IOException when no socket can be opened; an interface that cannot send is skipped
     */
    public static List<Found> query(List<NetworkInterface> interfaces, int port, Duration timeout) throws IOException {
        List<NetworkInterface> links = interfaces.isEmpty() ? DiscoveryProtocol.interfaces(List.of()) : interfaces;
        Map<String, Found> found = new LinkedHashMap<>();
        if (links.isEmpty()) {
            return List.of();
        }
        long id = new SecureRandom().nextLong();
        byte[] query = DiscoveryProtocol.query(id);
        try (MulticastSocket s = new MulticastSocket(new InetSocketAddress(0))) {
            s.setTimeToLive(1);
            long start = System.nanoTime();
            long end = start + timeout.toNanos();
            long resend = start + timeout.toNanos() / 3;
            send(s, links, query, port);
            byte[] buf = new byte[DiscoveryProtocol.MAX_DATAGRAM + 1];
            while (true) {
                long now = System.nanoTime();
                if (now - end >= 0) {
                    break;
                }
                if (resend != 0 && now - resend >= 0) {
                    send(s, links, query, port);
                    resend = 0;
                }
                long wait = (resend != 0 ? Math.min(resend, end) : end) - now;
                s.setSoTimeout((int) Math.max(1, wait / 1_000_000));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                Optional<DiscoveryProtocol.Message> m = DiscoveryProtocol.decode(p.getData(), p.getOffset(), p.getLength());
                if (m.isPresent() && m.get().type() == DiscoveryProtocol.REPLY && m.get().queryId() == id && m.get().advert().factory()) {
                    NodeAdvert a = m.get().advert();
                    String via = "multicast";
                    if (p.getAddress() instanceof Inet6Address from && from.isLinkLocalAddress()) {
                        NetworkInterface nif = from.getScopedInterface() != null ? from.getScopedInterface()
                                : from.getScopeId() > 0 ? NetworkInterface.getByIndex(from.getScopeId()) : null;
                        if (nif != null) {
                            // the sender's address as this side reaches it: zone = our interface, not the node's
                            a = a.withLinkLocal(DiscoveryProtocol.format(from, nif));
                            via = "multicast:" + nif.getName();
                        }
                    }
                    found.putIfAbsent(a.uuid(), new Found(a, via));
                }
            }
        }
        return new ArrayList<>(found.values());
    }

    private static void send(MulticastSocket s, List<NetworkInterface> links, byte[] query, int port) {
        for (NetworkInterface nif : links) {
            try {
                s.setNetworkInterface(nif);
                s.send(new DatagramPacket(query, query.length, new InetSocketAddress(DiscoveryProtocol.group(nif), port)));
            } catch (IOException e) {
                // a link that cannot send (went down, no route) finds nothing
            }
        }
    }
}
