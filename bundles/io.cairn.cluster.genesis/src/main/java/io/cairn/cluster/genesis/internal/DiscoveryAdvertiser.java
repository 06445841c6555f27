package io.cairn.cluster.genesis.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.NodeIdentity;
import io.cairn.cluster.rpc.discovery.DiscoveryProtocol;
import io.cairn.cluster.rpc.discovery.DiscoveryResponder;
import io.cairn.cluster.rpc.discovery.LoopbackRegistry;
import io.cairn.cluster.rpc.discovery.NodeAdvert;
import io.cairn.common.clock.Clock;
import io.cairn.common.clock.Timer;

/**
 * Makes a factory-state node discoverable (spec 10 §5, §6): answers multicast discovery queries on
 * every eligible link and keeps {@code <node-uuid>.json} fresh in the loopback registry, only while the
 * node is in no cluster. Both stop the moment it joins ({@link ClusterJoin} appears) and when the
 * node stops; a configured node starts neither.
 */
@Component(immediate = true, configurationPid = DiscoveryAdvertiser.PID)
@Designate(ocd = DiscoveryAdvertiser.Config.class)
public final class DiscoveryAdvertiser {

    static final String PID = "io.cairn.cluster.genesis.discovery";

    @ObjectClassDefinition(name = "Cairn discovery", description = "How a factory-state node answers discovery")
    public @interface Config {
        @AttributeDefinition(description = "Answer IPv6 link-local multicast discovery (group ff02::ca1:d15c)")
        boolean discovery__multicast() default false;

        @AttributeDefinition(description = "UDP port of the discovery group", min = "1", max = "65535")
        int discovery__port() default DiscoveryProtocol.PORT;

        @AttributeDefinition(description = "Interfaces to answer on; empty = every up, multicast interface with an IPv6 link-local address")
        String[] discovery__interfaces() default {};

        @AttributeDefinition(description = "Keep an entry in the loopback registry (nodes sharing one machine)")
        boolean discovery__registry() default true;

        @AttributeDefinition(description = "Loopback registry directory; empty = /tmp/cairn-discovery")
        String discovery__registry__dir() default "";

        @AttributeDefinition(description = "This node's position in its block, as discovery reports it")
        String discovery__position() default "A";
    }

    private final Logger logger = LoggerFactory.getLogger(DiscoveryAdvertiser.class);
    private final LocalNodeImpl local;
    private final Clock clock;
    private final Config config;
    private volatile boolean configured;
    private DiscoveryResponder responder;
    private LoopbackRegistry registry;
    private Timer refresh;
    private boolean stopped;

    @Activate
    public DiscoveryAdvertiser(@Reference LocalNodeImpl local, @Reference Bootstrap bootstrap, @Reference Clock clock, Config config) {
        this.local = local;
        this.bootstrap = bootstrap;
        this.clock = clock;
        this.config = config;
        if (config.discovery__port() < 1 || config.discovery__port() > 65535) {
            throw new IllegalArgumentException("discovery_port " + config.discovery__port() + " is not 1..65535 (PID " + PID + ")");
        }
        if (bootstrap.config().isPresent()) {
            configured = true;
            return;
        }
        if (config.discovery__multicast()) {
            try {
                responder = new DiscoveryResponder(this::advert, config.discovery__port(), List.of(config.discovery__interfaces()));
            } catch (IOException e) {
                logger.info("discovery: cannot answer multicast discovery on UDP port {}: {}", config.discovery__port(), e.getMessage());
            }
        }
        if (config.discovery__registry()) {
            String dir = config.discovery__registry__dir();
            registry = new LoopbackRegistry(dir == null || dir.isBlank() ? LoopbackRegistry.DEFAULT_DIR : Path.of(dir), clock.asJavaClock());
            publish();
            logger.info("discovery: factory node {} listed in {}", local.identity().uuid(), registry.dir());
        }
    }

    private final Bootstrap bootstrap;

    private Optional<NodeAdvert> advert() {
        if (configured || bootstrap.config().isPresent()) { // joined: before ClusterJoin is published too
            return Optional.empty();
        }
        NodeIdentity id = local.identity();
        return Optional.of(new NodeAdvert(id.uuid().toString(), NodeAdvert.FACTORY, List.of(id.address()), "", id.faultDomain().block(),
                config.discovery__position(), "KVM", System.getProperty("os.version"), id.softwareVersion(), 2100));
    }

    private synchronized void publish() {
        if (stopped || registry == null) {
            return;
        }
        Optional<NodeAdvert> a = advert();
        if (a.isEmpty()) {
            return;
        }
        try {
            registry.publish(a.get());
        } catch (IOException | RuntimeException e) {
            logger.info("discovery: cannot write the loopback registry entry in {}: {}", registry.dir(), e.toString());
        }
        refresh = clock.schedule(LoopbackRegistry.REFRESH, this::publish);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindJoin(ClusterJoin join) {
        configured = true;
        stop("joined cluster " + join.config().name());
    }

    void unbindJoin(ClusterJoin join) {
        // a node leaves a cluster only by re-imaging (a restart in factory state)
    }

    private synchronized void stop(String why) {
        if (stopped) {
            return;
        }
        stopped = true;
        if (refresh != null) {
            refresh.cancel();
        }
        if (responder != null) {
            responder.close();
        }
        if (registry != null) {
            try {
                registry.remove(local.identity().uuid().toString());
            } catch (IOException e) {
                logger.info("discovery: cannot remove the loopback registry entry: {}", e.toString());
            }
        }
        if (responder != null || registry != null) {
            logger.info("discovery: no longer discoverable ({})", why);
        }
    }

    @Deactivate
    void deactivate() {
        stop("stopping");
    }
}
