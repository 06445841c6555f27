package io.cairn.prism.gateway.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.ClusterJoin;
import io.cairn.cluster.api.LeaderInfo;
import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.ready.ReadyMarker;

/**
 * Who leads Prism (Zeus role {@value #ROLE}) and the cluster virtual IP (Zeus document
 * {@value #VIP_DOCUMENT}, {@code {"ip": "..."}}). Every node takes part in the election while its
 * gateway runs; the winner serves, the others redirect to it (spec 10 §8). Listeners hear, on a
 * Zeus thread, whenever this node's leadership or the virtual IP changes.
 */
@Component(service = PrismLeader.class, immediate = true, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class PrismLeader {

    static final String ROLE = "prism";
    static final String VIP_DOCUMENT = "prism/vip";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What this node holds now: leadership (its epoch, or -1) and the configured virtual IP. */
    record State(long epoch, Optional<String> vip) {

        boolean leader() {
            return epoch >= 0;
        }
    }

    private final Logger logger = LoggerFactory.getLogger(PrismLeader.class);
    private final Zeus zeus;
    private final String self;
    private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
    private final Registration election;
    private final Registration vipWatch;
    private volatile Leadership leadership;
    private volatile Optional<String> vip = Optional.empty();

    @Activate
    public PrismLeader(@Reference Zeus zeus, @Reference ClusterJoin join) {
        this.zeus = zeus;
        this.self = join.self().address();
        this.vipWatch = zeus.watch(VIP_DOCUMENT, doc -> {
            vip = doc.flatMap(PrismLeader::vipOf);
            fire();
        });
        this.election = zeus.elect(ROLE, new LeadershipListener() {
            @Override
            public void acquired(Leadership l) {
                leadership = l;
                logger.info("this node ({}) is the Prism leader (epoch {})", self, l.epoch());
                fire();
            }

            @Override
            public void lost(Leadership l) {
                if (leadership == l) {
                    leadership = null;
                    logger.info("this node ({}) is no longer the Prism leader (epoch {})", self, l.epoch());
                    fire();
                }
            }
        });
    }

    @Deactivate
    void deactivate() {
        election.close();
        vipWatch.close();
    }

    static Optional<String> vipOf(VersionedDocument doc) {
        try {
            JsonNode n = JSON.readTree(new String(doc.data(), StandardCharsets.UTF_8));
            String ip = n.path("ip").asText("");
            return ip.isBlank() ? Optional.empty() : Optional.of(ip);
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** The configured cluster virtual IP, if any. */
    public Optional<String> vip() {
        return vip;
    }

    /**
     * Sets the cluster virtual IP (compare-and-set on {@value #VIP_DOCUMENT}); the leader takes it and
     * every node re-issues its Prism certificate to name it.
     *
     * @return the address in canonical form
     * @throws CairnException INVALID_ARGUMENT for something that is not an IP address literal
     */
    public String setVip(String ip) {
        String literal = literal(ip);
        for (int attempt = 0; ; attempt++) {
            Optional<VersionedDocument> now = zeus.read(VIP_DOCUMENT);
            try {
                zeus.write(VIP_DOCUMENT, JSON.writeValueAsBytes(java.util.Map.of("ip", literal)),
                        now.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
                return literal;
            } catch (CairnException e) {
                if (e.code() != io.cairn.common.error.ErrorCode.CONFLICT || attempt >= 5) {
                    throw e;
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The virtual IP as Zeus holds it now ({@code zeusVersion} {@link VersionedDocument#ABSENT} when never set). */
    public record VipState(Optional<String> ip, int zeusVersion) {
    }

    /** Reads {@value #VIP_DOCUMENT} from Zeus (not the watched copy, which may lag behind a change made elsewhere). */
    public VipState vipState() {
        Optional<VersionedDocument> now = zeus.read(VIP_DOCUMENT);
        return new VipState(now.flatMap(PrismLeader::vipOf), now.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
    }

    /**
     * Sets the cluster virtual IP only if {@value #VIP_DOCUMENT} is still at {@code expected} (one compare-and-set, no
     * retry), so an update computed from an older state never overwrites a concurrent change.
     *
     * @return the address in canonical form
     * @throws CairnException INVALID_ARGUMENT for something that is not an IP address literal, CONFLICT when the
     *         virtual IP changed since {@code expected} was read
     */
    public String setVip(String ip, VipState expected) {
        String literal = literal(ip);
        try {
            zeus.write(VIP_DOCUMENT, JSON.writeValueAsBytes(java.util.Map.of("ip", literal)), expected.zeusVersion());
            return literal;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String literal(String ip) {
        if (ip == null || ip.isBlank() || !(ip.matches("[0-9.]+") || ip.contains(":"))) {
            throw CairnException.invalid("external-ip-address='" + ip + "' is not an IP address; give one like 10.0.0.40");
        }
        try {
            return java.net.InetAddress.getByName(ip).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw CairnException.invalid("external-ip-address='" + ip + "' is not an IP address; give one like 10.0.0.40");
        }
    }

    /** This node's own address. */
    String self() {
        return self;
    }

    State state() {
        Leadership l = leadership;
        return new State(l != null && l.valid() ? l.epoch() : -1, vip);
    }

    /** The leader's address as Zeus records it (this node's own when it leads). */
    Optional<String> leaderAddress() {
        Leadership l = leadership;
        if (l != null && l.valid()) {
            return Optional.of(self);
        }
        return zeus.leader(ROLE).map(LeaderInfo::address);
    }

    /** Adds a listener and calls it once with the current state. */
    void listen(Consumer<State> listener) {
        listeners.add(listener);
        listener.accept(state());
    }

    void unlisten(Consumer<State> listener) {
        listeners.remove(listener);
    }

    private void fire() {
        State s = state();
        for (Consumer<State> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                logger.warn("a Prism leadership listener failed: {}", e.toString(), e);
            }
        }
    }
}
