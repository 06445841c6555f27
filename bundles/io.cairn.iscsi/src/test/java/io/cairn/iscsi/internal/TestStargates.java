package io.cairn.iscsi.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import io.cairn.iscsi.internal.scsi.Nexus;
import io.cairn.iscsi.internal.scsi.ScsiResult;
import io.cairn.iscsi.internal.scsi.ScsiTarget;
import io.cairn.storage.api.iscsi.Chap;
import io.cairn.storage.api.iscsi.DiscoveredTarget;
import io.cairn.storage.api.iscsi.IscsiPortals;
import io.cairn.storage.api.iscsi.LoginDecision;
import io.cairn.storage.api.iscsi.Portal;
import io.cairn.storage.api.iscsi.PortalOptions;
import io.cairn.storage.api.iscsi.TargetCatalog;

/**
 * Test-only, public for other test packages (the redirector's): several "Stargate" portals on
 * 127.0.0.1 (any ports) over one RAM-disk store, so a vDisk written through one portal reads back
 * through another, each recording the logins it served. A node can be stopped and started again on
 * its port.
 */
public final class TestStargates implements AutoCloseable {

    private final RamDiskTarget.Engine engine = new RamDiskTarget.Engine();
    /** Set: the next READ blocks until the latch opens ({@link #holdNextRead}). */
    private final AtomicReference<CountDownLatch> readGate = new AtomicReference<>();
    private volatile CountDownLatch heldRead = new CountDownLatch(1);
    /** The RAM-disk engine, with the read gate in front. */
    private final IscsiPortalsImpl portals = new IscsiPortalsImpl((name, luns, reservations) -> {
        ScsiTarget t = engine.target(name, luns, reservations);
        return new ScsiTarget() {
            @Override
            public ScsiResult execute(Nexus nexus, int lun, byte[] cdb, ByteBuffer dataOut, int edtl) {
                int op = cdb[0] & 0xff;
                if (op == 0x28 || op == 0x88) {
                    CountDownLatch gate = readGate.getAndSet(null);
                    if (gate != null) {
                        heldRead.countDown();
                        try {
                            gate.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
                return t.execute(nexus, lun, cdb, dataOut, edtl);
            }

            @Override
            public void reset(Nexus nexus, int lun) {
                t.reset(nexus, lun);
            }

            @Override
            public void nexusEnded(Nexus nexus) {
                t.nexusEnded(nexus);
            }

            @Override
            public void close() {
                t.close();
            }
        };
    });
    private final TestCatalog storage = new TestCatalog();
    private final List<Node> nodes = new ArrayList<>();

    private final class Node implements TargetCatalog {
        final List<String> served = new CopyOnWriteArrayList<>();
        volatile Portal portal;
        InetSocketAddress address;

        @Override
        public List<DiscoveredTarget> discover(String initiatorName, InetSocketAddress on) {
            return storage.targets.keySet().stream().sorted().map(n -> new DiscoveredTarget(n, List.of("127.0.0.1:" + address.getPort() + ",1")))
                    .toList();
        }

        @Override
        public Optional<Chap> discoveryChap(String initiatorName) {
            return Optional.empty();
        }

        @Override
        public LoginDecision login(String initiatorName, String targetName, InetSocketAddress on) {
            LoginDecision d = storage.login(initiatorName, targetName, on);
            if (d instanceof LoginDecision.Serve) {
                served.add(initiatorName + " " + targetName);
            }
            return d;
        }
    }

    /** {@code count} portals serving {@code targets}, each with one 64 MiB LUN 0. */
    public TestStargates(int count, String... targets) throws IOException {
        for (String t : targets) {
            storage.add(t, Optional.empty(), 64 << 20);
        }
        try {
            for (int i = 0; i < count; i++) {
                Node n = new Node();
                n.portal = portals.open(new InetSocketAddress("127.0.0.1", 0), n, PortalOptions.defaults(TestCatalog.NO_RESERVATIONS));
                n.address = n.portal.address();
                nodes.add(n);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The next READ(10/16) on any node blocks (in flight, unanswered) until {@code release} opens;
     * returns a latch that opens when that read has arrived.
     */
    public CountDownLatch holdNextRead(CountDownLatch release) {
        CountDownLatch arrived = new CountDownLatch(1);
        heldRead = arrived;
        readGate.set(release);
        return arrived;
    }

    /** The engine service the portals come from (a redirector can open its portal with it). */
    public IscsiPortals portals() {
        return portals;
    }

    public InetSocketAddress address(int node) {
        return nodes.get(node).address;
    }

    public List<InetSocketAddress> addresses() {
        return nodes.stream().map(n -> n.address).toList();
    }

    /** The node's portal, null while stopped. */
    public Portal portal(int node) {
        return nodes.get(node).portal;
    }

    /** {@code "<initiator> <target>"} of every login the node served. */
    public List<String> served(int node) {
        return List.copyOf(nodes.get(node).served);
    }

    public int nodeOf(InetSocketAddress address) {
        return addresses().indexOf(address);
    }

    /** Closes the node's portal: its sessions end, its port refuses connections. */
    public void stop(int node) {
        Node n = nodes.get(node);
        Portal p = n.portal;
        n.portal = null;
        if (p != null) {
            p.close();
        }
    }

    /** Opens the node's portal again on its port. */
    public void start(int node) throws IOException {
        Node n = nodes.get(node);
        if (n.portal == null) {
            n.portal = portals.open(n.address, n, PortalOptions.defaults(TestCatalog.NO_RESERVATIONS));
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < nodes.size(); i++) {
            stop(i);
        }
        portals.deactivate();
    }
}
