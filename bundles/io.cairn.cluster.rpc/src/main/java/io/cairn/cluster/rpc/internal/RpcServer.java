package io.cairn.cluster.rpc.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.cluster.rpc.RpcStreamHandler;
import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * The controller's transport: serves the whiteboard {@link RpcHandler}s and
 * {@link RpcStreamHandler}s over TLS 1.3 on {@code cairn.node.ip}, and registers the node's
 * {@link NodeTrust} and its own {@link RpcClient}. Keys live in {@code <cairn.home>/data/pki}.
 */
@Component(immediate = true, service = {}, configurationPid = RpcServer.PID)
@Designate(ocd = RpcServer.Config.class)
public final class RpcServer {

    static final String PID = "io.cairn.cluster.rpc";
    static final String HOME_PROPERTY = "cairn.home";
    static final String IP_PROPERTY = "cairn.node.ip";

    @ObjectClassDefinition(name = "Cairn inter-node transport", description = "Mutual-TLS rpc between controllers")
    public @interface Config {
        @AttributeDefinition(description = "TCP port of the transport on cairn.node.ip", min = "1", max = "65535")
        int port() default Rpc.DEFAULT_PORT;

        @AttributeDefinition(description = "Calls running at once per connection; further requests wait unread (TCP back-pressure)", min = "1")
        int maxConcurrentCallsPerConnection() default 64;

        @AttributeDefinition(description = "Stream messages sent before the caller grants credit, when the caller names none", min = "1")
        int initialStreamCredit() default 16;
    }

    /** One registered handler for one method name. */
    private record Entry(TlsServer.Method method, Object service, int ranking, long serviceId) {
    }

    private static final Comparator<Entry> BEST_FIRST = Comparator.comparingInt(Entry::ranking).reversed()
            .thenComparingLong(Entry::serviceId);

    private final Logger logger = LoggerFactory.getLogger(RpcServer.class);
    private final Object handlersLock = new Object();
    private final List<Entry> entries = new ArrayList<>();
    private volatile Map<String, TlsServer.Method> table = Map.of();
    private final NodeTrustImpl trust;
    private final TlsServer server;
    private final NodeRpcClient client;
    private final ServiceRegistration<NodeTrust> trustRegistration;
    private final ServiceRegistration<RpcClient> clientRegistration;
    private final Runnable revokedListener = this::revoked;

    @Activate
    public RpcServer(BundleContext context, Config config, @Reference(name = "clock") Clock clock) {
        String home = required(context, HOME_PROPERTY);
        String ip = required(context, IP_PROPERTY);
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException e) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "framework property " + IP_PROPERTY + " is '" + ip
                    + "', not an IP address; the launcher sets it to the controller's address");
        }
        InstantSource time = clock.asJavaClock();
        this.trust = new NodeTrustImpl(Path.of(home, "data", "pki"), ip, time, this::installed);
        TlsServer.Limits limits = new TlsServer.Limits(config.maxConcurrentCallsPerConnection(), config.initialStreamCredit());
        try {
            this.server = new TlsServer(new InetSocketAddress(address, config.port()), trust.setup(), this::method, limits, time, ip);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "cannot listen on " + ip + ":" + config.port() + ": " + e.getMessage()
                    + "; is another controller or program using the port? (configuration " + PID + ", property port)", e);
        }
        this.client = new NodeRpcClient(time, trust.revocations());
        trust.credentials().ifPresent(c -> client.use(trust::current));
        trust.revocations().listen(revokedListener);
        this.trustRegistration = context.registerService(NodeTrust.class, trust, new Hashtable<>());
        this.clientRegistration = context.registerService(RpcClient.class, client, new Hashtable<>());
    }

    /** The port the transport listens on (tests configure port 0). */
    int port() {
        return server.port();
    }

    @Deactivate
    void deactivate() {
        trust.revocations().unlisten(revokedListener);
        unregister(clientRegistration);
        unregister(trustRegistration);
        server.close();
        client.shutdown();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeHandler")
    void addHandler(RpcHandler handler, Map<String, Object> properties) {
        add(handler, properties, name -> new TlsServer.Method(name, handler, null, bootstrap(properties)));
    }

    void removeHandler(RpcHandler handler, Map<String, Object> properties) {
        remove(handler);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeStreamHandler")
    void addStreamHandler(RpcStreamHandler handler, Map<String, Object> properties) {
        add(handler, properties, name -> new TlsServer.Method(name, null, handler, bootstrap(properties)));
    }

    void removeStreamHandler(RpcStreamHandler handler, Map<String, Object> properties) {
        remove(handler);
    }

    /** The cluster CRL revoked more serials: open connections of those peers close (new ones are refused at the handshake). */
    private void revoked() {
        int closed = server.closeRevoked(trust.revocations()) + client.closeRevoked();
        if (closed > 0) {
            logger.info("closed {} connection(s) of peers whose certificate the cluster CRL revokes", closed);
        }
    }

    /** Installed through {@link NodeTrust#install}: new connections need cluster certificates, the node client uses them. */
    private void installed(Credentials credentials) {
        server.use(trust.setup());
        client.use(trust::current);
    }

    private TlsServer.Method method(String name) {
        return table.get(name);
    }

    private void add(Object service, Map<String, Object> properties, java.util.function.Function<String, TlsServer.Method> method) {
        List<String> names = names(properties.get(RpcHandler.METHOD));
        if (names.isEmpty()) {
            logger.warn("rpc handler {} (service {}) has no {} property; it serves nothing", service.getClass().getName(),
                    properties.get(Constants.SERVICE_ID), RpcHandler.METHOD);
            return;
        }
        int ranking = properties.get(Constants.SERVICE_RANKING) instanceof Integer r ? r : 0;
        long id = properties.get(Constants.SERVICE_ID) instanceof Long l ? l : Long.MAX_VALUE;
        synchronized (handlersLock) {
            for (String name : names) {
                entries.add(new Entry(method.apply(name), service, ranking, id));
            }
            rebuild();
        }
    }

    private void remove(Object service) {
        synchronized (handlersLock) {
            entries.removeIf(e -> e.service() == service);
            rebuild();
        }
    }

    private void rebuild() {
        Map<String, List<Entry>> byName = new HashMap<>();
        for (Entry e : entries) {
            byName.computeIfAbsent(e.method().name(), k -> new ArrayList<>()).add(e);
        }
        Map<String, TlsServer.Method> next = new HashMap<>();
        byName.forEach((name, list) -> {
            list.sort(BEST_FIRST);
            if (list.size() > 1) {
                logger.warn("rpc method '{}' is served by {} handlers; using {} (service.ranking {})", name, list.size(),
                        list.get(0).service().getClass().getName(), list.get(0).ranking());
            }
            next.put(name, list.get(0).method());
        });
        table = Map.copyOf(next);
    }

    static List<String> names(Object property) {
        List<String> names = new ArrayList<>();
        if (property instanceof String s) {
            names.add(s);
        } else if (property instanceof String[] a) {
            names.addAll(List.of(a));
        } else if (property instanceof Collection<?> c) {
            c.forEach(o -> names.add(String.valueOf(o)));
        }
        names.removeIf(n -> n == null || n.isBlank());
        return names;
    }

    static boolean bootstrap(Map<String, Object> properties) {
        Object b = properties.get(RpcHandler.BOOTSTRAP);
        return Boolean.TRUE.equals(b) || "true".equalsIgnoreCase(String.valueOf(b));
    }

    private static String required(BundleContext context, String property) {
        String value = context.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "framework property " + property
                    + " is not set; the launcher sets it (start the controller with the cairn launcher, or add -D" + property + "=...)");
        }
        return value.strip();
    }

    private static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
    }
}
