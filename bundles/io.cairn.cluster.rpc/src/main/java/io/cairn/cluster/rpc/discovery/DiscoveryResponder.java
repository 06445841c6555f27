package io.cairn.cluster.rpc.discovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node side of multicast discovery: joins {@link DiscoveryProtocol#GROUP} on every eligible
 * interface (up, multicast, not loopback, with an IPv6 link-local address; rescanned every
 * {@link #RESCAN_MILLIS} ms, so links that come up later are joined) and answers each query with the
 * advert by unicast, its {@code linkLocal} set to this node's address on the link the query came in
 * on. It answers only while the supplier returns a {@linkplain NodeAdvert#factory() factory} advert:
 * a configured node never answers. One virtual thread; {@link #close()} stops it.
 */
public final class DiscoveryResponder implements AutoCloseable {

    static final int RESCAN_MILLIS = 5_000;
    private final Logger logger = LoggerFactory.getLogger(DiscoveryResponder.class);
    private final Supplier<Optional<NodeAdvert>> advert;
    private final List<String> names;
    private final MulticastSocket socket;
    private final Set<String> joined = new HashSet<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile long answered;

    /**
     * Binds {@code [::]:port} and starts answering.
     *
     * @param advert what to answer; empty or not in factory state → no answer
     * @param port the UDP port ({@link DiscoveryProtocol#PORT})
     * @param interfaces the interface names to serve; empty = every eligible interface
     */
    public DiscoveryResponder(Supplier<Optional<NodeAdvert>> advert, int port, List<String> interfaces) throws IOException {
        this.advert = advert;
        this.names = List.copyOf(interfaces);
        this.socket = new MulticastSocket(new InetSocketAddress(port)); // wildcard, SO_REUSEADDR: several nodes per host
        socket.setSoTimeout(1000);
        rescan();
        this.thread = Thread.ofVirtual().name("cairn-discovery-responder").start(this::loop);
    }

    /** The interfaces the group is joined on now. */
    public synchronized List<String> interfaces() {
        return List.copyOf(joined);
    }

    /** Queries answered so far. */
    public long answered() {
        return answered;
    }

    private synchronized void rescan() {
        List<NetworkInterface> now;
        try {
            now = DiscoveryProtocol.interfaces(names);
        } catch (SocketException e) {
            logger.info("discovery: cannot list network interfaces: {}", e.getMessage());
            return;
        }
        Set<String> seen = new HashSet<>();
        for (NetworkInterface nif : now) {
            seen.add(nif.getName());
            if (!joined.contains(nif.getName())) {
                try {
                    socket.joinGroup(new InetSocketAddress(DiscoveryProtocol.group(nif), 0), nif);
                    joined.add(nif.getName());
                    logger.info("discovery: answering on {} ({})", nif.getName(), DiscoveryProtocol.GROUP);
                } catch (IOException e) {
                    logger.info("discovery: cannot join {} on {}: {}", DiscoveryProtocol.GROUP, nif.getName(), e.getMessage());
                }
            }
        }
        joined.retainAll(seen); // a vanished interface drops its membership with it
    }

    private void loop() {
        byte[] buf = new byte[DiscoveryProtocol.MAX_DATAGRAM + 1];
        long nextScan = System.nanoTime() + RESCAN_MILLIS * 1_000_000L;
        while (!closed) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                    answer(p);
                } catch (SocketTimeoutException e) {
                    // fall through to the rescan check
                }
                if (System.nanoTime() - nextScan > 0) {
                    rescan();
                    nextScan = System.nanoTime() + RESCAN_MILLIS * 1_000_000L;
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    logger.info("discovery: {}", e.toString());
                }
            }
        }
    }

    private void answer(DatagramPacket p) throws IOException {
        Optional<DiscoveryProtocol.Message> m = DiscoveryProtocol.decode(p.getData(), p.getOffset(), p.getLength());
        if (m.isEmpty() || m.get().type() != DiscoveryProtocol.QUERY || !(p.getAddress() instanceof Inet6Address from)) {
            return;
        }
        Optional<NodeAdvert> a = advert.get();
        if (a.isEmpty() || !a.get().factory()) {
            return;
        }
        NetworkInterface nif = from.getScopedInterface() != null ? from.getScopedInterface()
                : from.getScopeId() > 0 ? NetworkInterface.getByIndex(from.getScopeId()) : null;
        if (nif == null) {
            return; // not link-local: discovery answers only on the link
        }
        String ll = DiscoveryProtocol.linkLocal(nif).map(x -> DiscoveryProtocol.format(x, nif)).orElse("");
        byte[] reply = DiscoveryProtocol.reply(m.get().queryId(), a.get().withLinkLocal(ll));
        socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
        answered++;
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A stand-alone responder (tests run it in network namespaces): {@code --uuid U --ip A ... --block B
     * --position P --version V [--port N] [--interface IF]...}. Prints {@code ready IF...} once it has
     * joined the group, answers until stdin ends; a line {@code configured} on stdin turns it configured
     * (it stops answering), {@code factory} turns it back.
     */
    public static void main(String[] args) throws IOException {
        String uuid = UUID.randomUUID().toString();
        List<String> ips = new ArrayList<>();
        List<String> ifs = new ArrayList<>();
        String block = "";
        String position = "A";
        String version = "";
        int port = DiscoveryProtocol.PORT;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) {
                System.err.println("discovery responder: " + args[i] + " needs a value");
                System.exit(2);
            }
            switch (args[i++]) {
                case "--uuid" -> uuid = v;
                case "--ip" -> ips.add(v);
                case "--interface" -> ifs.add(v);
                case "--block" -> block = v;
                case "--position" -> position = v;
                case "--version" -> version = v;
                case "--port" -> port = Integer.parseInt(v);
                default -> {
                    System.err.println("discovery responder: unknown option " + args[i - 1]);
                    System.exit(2);
                }
            }
        }
        AtomicReference<NodeAdvert> state = new AtomicReference<>(new NodeAdvert(uuid, NodeAdvert.FACTORY, ips, "", block, position,
                "KVM", System.getProperty("os.version"), version, 2100));
        try (DiscoveryResponder r = new DiscoveryResponder(() -> Optional.of(state.get()), port, ifs)) {
            System.out.println("ready " + String.join(" ", r.interfaces()));
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null;) {
                NodeAdvert a = state.get();
                String s = line.trim();
                if (s.equals(NodeAdvert.CONFIGURED) || s.equals(NodeAdvert.FACTORY)) {
                    state.set(new NodeAdvert(a.uuid(), s, a.addresses(), "", a.blockSerial(), a.position(), a.hostType(),
                            a.hostVersion(), a.version(), a.rpcPort()));
                    System.out.println("state " + s);
                    System.out.flush();
                }
            }
        }
    }
}
