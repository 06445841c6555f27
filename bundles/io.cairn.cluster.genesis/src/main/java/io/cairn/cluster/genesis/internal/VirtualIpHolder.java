package io.cairn.cluster.genesis.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.vip.VirtualIp;
import io.cairn.cluster.api.vip.VirtualIpException;
import io.cairn.cluster.api.vip.VirtualIpSpec;
import io.cairn.cluster.api.vip.VirtualIps;
import io.cairn.hal.api.net.InterfaceAddresses;
import io.cairn.hal.api.net.NetworkException;

/**
 * The node's virtual IP holder (spec 50 §1 DSIP takeover; the Prism cluster VIP): loopback mode binds
 * nothing itself; layer-2 mode adds the address to an interface and announces it with gratuitous ARPs
 * through the HAL's {@link InterfaceAddresses}, and removes it on release and, as a stale copy, on open.
 */
@Component(configurationPid = VirtualIpHolder.PID)
@Designate(ocd = VirtualIpHolder.Config.class)
public final class VirtualIpHolder implements VirtualIps {

    static final String PID = "io.cairn.cluster.genesis.vip";

    @ObjectClassDefinition(name = "Cairn virtual IP holder", description = "Layer-2 takeover of virtual IPs: gratuitous ARPs")
    public @interface Config {
        @AttributeDefinition(description = "Gratuitous ARPs sent when this node takes a layer-2 virtual IP (spec 50 §1: 3)", min = "1", max = "100")
        int vip__garp__count() default 3;

        @AttributeDefinition(description = "Gap between those gratuitous ARPs, milliseconds (the first goes out at once)", min = "0", max = "10000")
        long vip__garp__interval__millis() default 1000;
    }

    private static final Pattern DOTTED_QUAD = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private final Logger logger = LoggerFactory.getLogger(VirtualIpHolder.class);
    private final InterfaceAddresses net;
    private final int garpCount;
    private final Duration garpInterval;
    private final ExecutorService announcers = Executors.newVirtualThreadPerTaskExecutor();

    @Activate
    public VirtualIpHolder(@Reference InterfaceAddresses net, Config config) {
        this(net, config.vip__garp__count(), Duration.ofMillis(config.vip__garp__interval__millis()));
    }

    public VirtualIpHolder(InterfaceAddresses net, int garpCount, Duration garpInterval) {
        if (garpCount < 1 || garpCount > 100) {
            throw new IllegalArgumentException("vip_garp_count " + garpCount + " is not 1..100 (PID " + PID + ")");
        }
        if (garpInterval.isNegative() || garpInterval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("vip_garp_interval_millis " + garpInterval.toMillis() + " is not 0..10000 (PID " + PID + ")");
        }
        this.net = net;
        this.garpCount = garpCount;
        this.garpInterval = garpInterval;
    }

    @Deactivate
    void deactivate() {
        announcers.shutdownNow();
    }

    @Override
    public void checkInterface(String interfaceName) {
        try {
            if (!net.exists(interfaceName)) {
                throw new VirtualIpException("network interface '" + interfaceName + "' does not exist on this node ('ip link' lists "
                        + "them); name an existing Ethernet interface, or none for loopback mode");
            }
            net.hardwareAddress(interfaceName);
        } catch (NetworkException e) {
            throw new VirtualIpException("interface '" + interfaceName + "' cannot carry a virtual IP: " + e.getMessage(), e);
        }
    }

    @Override
    public VirtualIp open(VirtualIpSpec spec) {
        if (spec.mode() == VirtualIpSpec.Mode.LOOPBACK) {
            if (spec.address().isBlank()) {
                throw new VirtualIpException("a virtual IP needs an address");
            }
            return new Loopback(spec); // any literal the caller binds (IPv6 too): nothing is configured
        }
        Inet4Address address = parse(spec.address());
        if (spec.prefixLength() < 1 || spec.prefixLength() > 32) {
            throw new VirtualIpException("prefix length " + spec.prefixLength() + " of virtual IP " + spec.address() + " is not 1..32");
        }
        checkInterface(spec.interfaceName());
        try {
            if (net.remove(spec.interfaceName(), address)) {
                logger.info("removed a stale copy of virtual IP {} from {} (left by an earlier run that did not release it)",
                        spec.address(), spec.interfaceName());
            }
        } catch (NetworkException e) {
            throw new VirtualIpException("virtual IP " + spec + ": a stale copy cannot be removed: " + e.getMessage(), e);
        }
        return new Layer2(spec, address);
    }

    /** Strict dotted-quad IPv4 (no host names: no DNS lookups here). */
    static Inet4Address parse(String address) {
        if (address == null || !DOTTED_QUAD.matcher(address).matches()) {
            throw new VirtualIpException("'" + address + "' is not an IPv4 address (dotted quad, e.g. 198.18.7.100); layer-2 mode "
                    + "(gratuitous ARP) takes IPv4 only");
        }
        for (String part : address.split("\\.")) {
            if (Integer.parseInt(part) > 255) {
                throw new VirtualIpException("'" + address + "' is not an IPv4 address: " + part + " is over 255");
            }
        }
        try {
            return (Inet4Address) InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new VirtualIpException("'" + address + "' is not an IPv4 address", e);
        }
    }

    private static final class Loopback implements VirtualIp {
        private final VirtualIpSpec spec;
        private volatile boolean held;

        Loopback(VirtualIpSpec spec) {
            this.spec = spec;
        }

        @Override
        public VirtualIpSpec spec() {
            return spec;
        }

        @Override
        public CompletionStage<Integer> acquire() {
            held = true;
            return CompletableFuture.completedFuture(0);
        }

        @Override
        public void release() {
            held = false;
        }

        @Override
        public boolean held() {
            return held;
        }

        @Override
        public void close() {
            release();
        }
    }

    private final class Layer2 implements VirtualIp {
        private final VirtualIpSpec spec;
        private final Inet4Address address;
        private boolean held;

        Layer2(VirtualIpSpec spec, Inet4Address address) {
            this.spec = spec;
            this.address = address;
        }

        @Override
        public VirtualIpSpec spec() {
            return spec;
        }

        @Override
        public synchronized CompletionStage<Integer> acquire() {
            try {
                net.add(spec.interfaceName(), address, spec.prefixLength());
            } catch (NetworkException e) {
                throw new VirtualIpException("virtual IP " + spec + " cannot be added: " + e.getMessage(), e);
            }
            held = true;
            logger.info("virtual IP {} is on this node; announcing it with {} gratuitous ARPs", spec, garpCount);
            CompletableFuture<Integer> sent = new CompletableFuture<>();
            try {
                announcers.execute(() -> {
                    try {
                        sent.complete(net.announce(spec.interfaceName(), address, garpCount, garpInterval));
                    } catch (NetworkException e) {
                        logger.warn("virtual IP {}: gratuitous ARPs failed ({}); neighbours learn the move only when their "
                                + "ARP entries expire", spec, e.getMessage());
                        sent.completeExceptionally(new VirtualIpException("gratuitous ARPs for " + spec + " failed: " + e.getMessage(), e));
                    }
                });
            } catch (RejectedExecutionException e) {
                sent.completeExceptionally(new VirtualIpException("the virtual IP holder is stopping"));
            }
            return sent;
        }

        @Override
        public synchronized void release() {
            try {
                if (net.remove(spec.interfaceName(), address)) {
                    logger.info("virtual IP {} released", spec);
                }
            } catch (NetworkException e) {
                throw new VirtualIpException("virtual IP " + spec + " cannot be removed: " + e.getMessage(), e);
            }
            held = false;
        }

        @Override
        public synchronized boolean held() {
            return held;
        }

        @Override
        public void close() {
            release();
        }
    }
}
