package io.cairn.prism.gateway.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import org.apache.felix.http.jetty.ConnectorFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.vip.VirtualIp;
import io.cairn.cluster.api.vip.VirtualIpException;
import io.cairn.cluster.api.vip.VirtualIpSpec;
import io.cairn.cluster.api.vip.VirtualIps;
import io.cairn.cluster.rpc.ClusterCa;
import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.common.ready.ReadyMarker;

/**
 * The gateway's listeners, added to Felix HTTP's Jetty server as {@link ConnectorFactory} services:
 * HTTPS on {@code <node-ip>:prism_port} with the node's certificate from the cluster CA (TLS 1.2 and
 * 1.3 only), plain HTTP on {@code <node-ip>:prism_http_port} (redirects only) when that port can be
 * bound, and, while this node leads Prism and a cluster virtual IP is set, HTTPS on
 * {@code <vip>:prism_port}: the address is taken through the shared {@link VirtualIps} holder
 * (loopback mode by default; layer 2 with 3 gratuitous ARPs when {@code prism_vip_interface} is
 * set) before the listener opens, and given up after it closes. Felix HTTP's own connector is configured here to
 * {@code <node-ip>:prism_local_port}, the node-local {@code /prism/leader}; the image keeps it off
 * until then ({@code org.apache.felix.http.enable=false}), so a node never listens on Felix's
 * default 8080.
 */
@Component(service = Connectors.class, immediate = true, configurationPid = GatewayConfig.PID,
        property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class Connectors {

    static final String FELIX_HTTP_PID = "org.apache.felix.http";
    /** Prism's certificate is re-issued at every start and virtual-IP change, well within this. */
    static final java.time.Duration CERTIFICATE_VALIDITY = java.time.Duration.ofDays(730);

    private final Logger logger = LoggerFactory.getLogger(Connectors.class);
    private final BundleContext context;
    private final PrismLeader leader;
    private final NodeTrust trust;
    /** What the HTTPS listeners present now: Prism's certificate (node address and virtual IP) or the node's. */
    private volatile SSLContext tls;
    /** The virtual IP the current certificate names ("" for none); guarded by this. */
    private String certificateVip;
    /** The TLS factories of the listeners made so far, by host, to re-key them when the certificate changes. */
    private final java.util.Map<String, SslContextFactory.Server> factories = new java.util.concurrent.ConcurrentHashMap<>();
    private final String self;
    private final int port;
    private final ServiceRegistration<ConnectorFactory> https;
    private final Optional<ServiceRegistration<ConnectorFactory>> http;
    private final Consumer<PrismLeader.State> vipFollower = this::followVip;
    /** The virtual IP listener while this node leads and one is set; guarded by this. */
    private ServiceRegistration<ConnectorFactory> vipConnector;
    private String vipBound;
    private VirtualIp vipHandle;
    /** Set by deactivate under this monitor: a leadership callback already under way must not take the address again. */
    private boolean closed;
    private final VirtualIps virtualIps;
    private final String vipInterface;
    private final int vipPrefix;
    private final io.cairn.common.clock.Clock clock;
    static final java.time.Duration RENEWAL_CHECK = java.time.Duration.ofMinutes(1);
    private final io.cairn.cluster.rpc.LeafRenewal renewal = new io.cairn.cluster.rpc.LeafRenewal(
            java.time.Duration.ofDays(io.cairn.cluster.rpc.LeafRenewal.RENEW_BEFORE_DAYS));
    /** Prism's own credentials when this member issued them, else null (Prism presents the node certificate). */
    private Credentials prism;
    /** The certificate the listeners present. */
    private java.security.cert.X509Certificate presented;
    private io.cairn.common.clock.Timer renewalTimer;

    @Activate
    public Connectors(BundleContext context, @Reference ConfigurationAdmin cm, @Reference NodeTrust trust, @Reference PrismLeader leader,
            @Reference VirtualIps virtualIps, GatewayConfig config, @Reference io.cairn.common.clock.Clock clock) throws Exception {
        this.context = context;
        this.clock = clock;
        this.virtualIps = virtualIps;
        this.vipInterface = config.prism__vip__interface().strip();
        this.vipPrefix = config.prism__vip__prefix__length();
        if (!vipInterface.isEmpty()) {
            virtualIps.checkInterface(vipInterface); // fail activation now, with what to do, rather than at the first takeover
        }
        this.leader = leader;
        this.self = leader.self();
        this.port = config.prism__port();
        this.trust = trust;
        trust.credentials().orElseThrow(() -> new IllegalStateException(
                "this node belongs to a cluster but holds no cluster certificate (data/pki): Prism cannot serve HTTPS"));
        Optional<String> vip = leader.state().vip();
        this.tls = certificate(vip);
        this.certificateVip = vip.orElse("");
        configureFelix(cm, self, config.prism__local__port());
        this.https = register("prism-https " + self + ":" + port, () -> tlsConnector(self, port));
        int httpPort = config.prism__http__port();
        if (httpPort > 0 && bindable(self, httpPort)) {
            this.http = Optional.of(register("prism-http " + self + ":" + httpPort, () -> plainConnector(self, httpPort)));
        } else {
            this.http = Optional.empty();
            logger.info("Prism: no plain HTTP redirect listener ({})", httpPort == 0 ? "prism_http_port=0"
                    : self + ":" + httpPort + " cannot be bound by this process");
        }
        logger.info("Prism gateway: HTTPS on {}:{} (cluster CA certificate, TLS 1.2/1.3), node-local /prism/leader on {}:{}", self, port,
                self, config.prism__local__port());
        leader.listen(vipFollower);
        scheduleRenewal();
    }

    /** Every minute of the cluster clock: renew Prism's certificate when due (spec 30 §2), hourly retry after a failure. */
    private synchronized void scheduleRenewal() {
        if (closed) {
            return;
        }
        renewalTimer = clock.schedule(RENEWAL_CHECK, () -> {
            try {
                renewIfDue();
            } catch (RuntimeException e) {
                logger.warn("Prism certificate renewal check failed: {}", e.toString());
            }
            scheduleRenewal();
        });
    }

    /**
     * Renews what Prism presents when fewer than 30 days remain: its own certificate (a fresh key, same names, from this
     * member's CA copy) or, without one, the node certificate genesis renews; every listener switches at its next
     * handshake (Jetty's SslContextFactory reload), open connections keep theirs.
     */
    synchronized void renewIfDue() {
        if (closed) {
            return;
        }
        java.time.Instant now = clock.now();
        if (prism == null) {
            java.security.cert.X509Certificate node = trust.credentials().orElseThrow().certificate();
            if (!node.equals(presented)) {
                reloadAll(trust.credentials().orElseThrow().tlsContext(), node);
            }
            return;
        }
        if (!renewal.attempt(prism.certificate(), now)) {
            return;
        }
        try {
            ClusterCa ca = trust.authority().orElseThrow(() -> new IllegalStateException("this member no longer holds the cluster CA key"));
            Credentials next = ca.renewCredentials(prism.certificate(), now, CERTIFICATE_VALIDITY);
            renewal.succeeded();
            logger.info("Prism certificate renewed: serial {} (until {}) replaces {} (until {}, not revoked)",
                    next.certificate().getSerialNumber().toString(16), next.certificate().getNotAfter().toInstant(),
                    prism.certificate().getSerialNumber().toString(16), prism.certificate().getNotAfter().toInstant());
            prism = next;
            reloadAll(next.tlsContext(), next.certificate());
        } catch (RuntimeException e) {
            renewal.failed(now);
            logger.warn("renewing Prism's certificate (expires {}) failed: {}; retrying at {}", prism.certificate().getNotAfter().toInstant(),
                    e.getMessage(), renewal.retryAt());
        }
    }

    private void reloadAll(SSLContext next, java.security.cert.X509Certificate certificate) {
        tls = next;
        presented = certificate;
        factories.forEach((host, f) -> {
            try {
                f.reload(x -> x.setSslContext(next));
            } catch (Exception e) {
                logger.warn("Prism: the listener on {} keeps its old certificate: {}", host, e.toString());
            }
        });
    }

    @Deactivate
    void deactivate() {
        leader.unlisten(vipFollower);
        synchronized (this) {
            closed = true;
            if (renewalTimer != null) {
                renewalTimer.cancel();
            }
            dropVip();
        }
        http.ifPresent(ServiceRegistration::unregister);
        https.unregister();
    }

    /** Felix HTTP's own connector: the node-local port on the node's address, virtual threads, no server banner. */
    static void configureFelix(ConfigurationAdmin cm, String host, int localPort) throws IOException {
        Configuration felix = cm.getConfiguration(FELIX_HTTP_PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("org.apache.felix.http.enable", true);
        props.put("org.apache.felix.https.enable", false);
        props.put("org.apache.felix.http.host", host);
        props.put("org.osgi.service.http.port", localPort);
        props.put("org.apache.felix.http.jetty.virtualthreads.enable", true);
        props.put("org.apache.felix.http.jetty.sendServerHeader", false);
        props.put("org.apache.felix.http.name", "prism");
        felix.updateIfDifferent(props);
    }

    private synchronized void followVip(PrismLeader.State s) {
        if (closed) {
            return;
        }
        renewCertificate(s.vip()); // before the virtual IP's listener is made, so that it presents the new one
        String want = s.leader() ? s.vip().orElse(null) : null;
        if (java.util.Objects.equals(want, vipBound)) {
            return;
        }
        dropVip();
        if (want != null) {
            String vip = want;
            try {
                vipHandle = virtualIps.open(vipInterface.isEmpty() ? VirtualIpSpec.loopback(vip) : VirtualIpSpec.layer2(vip, vipInterface, vipPrefix));
                vipHandle.acquire().whenComplete((sent, failure) -> {
                    if (failure != null) {
                        logger.warn("Prism leader: gratuitous ARPs for the cluster virtual IP {} failed: {}", vip, failure.toString());
                    }
                });
            } catch (VirtualIpException e) {
                logger.error("Prism leader: cannot take the cluster virtual IP {} ({}); Prism stays reachable on the node addresses", vip,
                        e.getMessage());
                closeHandle();
                return;
            }
            vipConnector = register("prism-vip " + vip + ":" + port, () -> tlsConnector(vip, port));
            vipBound = vip;
            logger.info("Prism leader: serving the cluster virtual IP {}:{} ({})", vip, port, vipHandle.spec().mode());
        }
    }

    /**
     * Prism's TLS context (spec 30 §2): a certificate the cluster CA issues on this node for a fresh
     * key, naming the node's address and the cluster virtual IP, so clients of either can check the
     * host name; the node's own certificate when this member does not hold the CA key (a cluster
     * created before members kept it).
     */
    private SSLContext certificate(Optional<String> vip) {
        Credentials node = trust.credentials().orElseThrow();
        Optional<ClusterCa> ca;
        try {
            ca = trust.authority();
        } catch (RuntimeException e) {
            logger.error("Prism presents the node certificate (it names {} only): the cluster CA key cannot be read: {}", self, e.getMessage());
            return nodeContext(node);
        }
        if (ca.isEmpty()) {
            logger.info("Prism presents the node certificate (it names {} only): this member holds no cluster CA key", self);
            return nodeContext(node);
        }
        List<String> names = new ArrayList<>(List.of(self));
        vip.filter(v -> !v.equals(self)).ifPresent(names::add);
        try {
            java.time.Instant now = clock.now();
            Credentials issued = ca.get().issueServerCredentials("prism:" + self, names, CERTIFICATE_VALIDITY);
            if (renewal.due(issued.certificate(), now)) {
                // the cluster clock is ahead of this JVM's (issueServerCredentials dates from the latter): renew at once
                issued = ca.get().renewCredentials(issued.certificate(), now, CERTIFICATE_VALIDITY);
            }
            logger.info("Prism certificate issued by the cluster CA for {} (serial {})", names, issued.certificate().getSerialNumber().toString(16));
            prism = issued;
            presented = issued.certificate();
            return issued.tlsContext();
        } catch (RuntimeException e) {
            logger.error("Prism presents the node certificate (it names {} only): issuing Prism's failed: {}", self, e.toString());
            return nodeContext(node);
        }
    }

    private SSLContext nodeContext(Credentials node) {
        prism = null;
        presented = node.certificate();
        return node.tlsContext();
    }

    /** Re-keys every listener when the virtual IP the certificate names changed. */
    private void renewCertificate(Optional<String> vip) {
        String want = vip.orElse("");
        if (want.equals(certificateVip)) {
            return;
        }
        SSLContext next = certificate(vip);
        tls = next;
        certificateVip = want;
        factories.forEach((host, f) -> {
            try {
                f.reload(x -> x.setSslContext(next));
            } catch (Exception e) {
                logger.warn("Prism: the listener on {} keeps its old certificate: {}", host, e.toString());
            }
        });
    }

    private void closeHandle() {
        if (vipHandle != null) {
            try {
                vipHandle.close();
            } catch (RuntimeException e) {
                logger.warn("Prism: releasing the cluster virtual IP failed: {}", e.toString());
            }
            vipHandle = null;
        }
    }

    private void dropVip() {
        if (vipConnector != null) {
            try {
                vipConnector.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            factories.remove(vipBound);
            logger.info("Prism: released the cluster virtual IP {}:{}", vipBound, port);
            vipConnector = null;
            vipBound = null;
        }
        closeHandle();
    }

    private interface Maker {
        ServerConnector make(org.eclipse.jetty.server.Server server);
    }

    private ServiceRegistration<ConnectorFactory> register(String name, java.util.function.Supplier<Maker> maker) {
        Maker m = maker.get();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("cairn.connector", name);
        return context.registerService(ConnectorFactory.class, m::make, props);
    }

    private Maker tlsConnector(String host, int port) {
        return server -> {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            synchronized (this) { // with renewCertificate: a listener made during a re-key gets the new context or is re-keyed
                ssl.setSslContext(tls);
                factories.put(host, ssl);
            }
            ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
            ssl.setSniRequired(false);
            ssl.setWantClientAuth(true); // an admin client certificate from the cluster CA authenticates (the REST API decides what it may do)
            HttpConfiguration conf = new HttpConfiguration();
            conf.setSendServerVersion(false);
            conf.setSecureScheme("https");
            conf.setSecurePort(port);
            SecureRequestCustomizer secure = new SecureRequestCustomizer(false);
            conf.addCustomizer(secure);
            ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(conf));
            c.setHost(host);
            c.setPort(port);
            c.setName("prism-https-" + host);
            return c;
        };
    }

    private Maker plainConnector(String host, int port) {
        return server -> {
            HttpConfiguration conf = new HttpConfiguration();
            conf.setSendServerVersion(false);
            ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(conf));
            c.setHost(host);
            c.setPort(port);
            c.setName("prism-http-" + host);
            return c;
        };
    }

    static boolean bindable(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

}
