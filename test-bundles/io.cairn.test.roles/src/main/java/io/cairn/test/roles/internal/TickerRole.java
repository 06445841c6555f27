package io.cairn.test.roles.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.Registration;
import io.cairn.cluster.api.Role;
import io.cairn.cluster.api.RoleContext;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** An elected role whose leader appends ticks through fenced writes. */
@Component(service = Role.class, property = {Role.NAME + "=Ticker", ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE})
public final class TickerRole implements Role, LeadershipListener {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DOC = "test/ticker";

    record Tick(long epoch, String node, long n) {
    }

    record Ticks(List<Tick> ticks) {
    }

    private final Logger logger = LoggerFactory.getLogger(TickerRole.class);
    private final Zeus zeus;
    private final String address;
    private volatile Registration candidacy;
    private volatile Leadership leading;

    @Activate
    public TickerRole(@Reference Zeus zeus, @Reference io.cairn.cluster.api.LocalNode node) {
        this.zeus = zeus;
        this.address = node.identity().address();
    }

    @Override
    public void start(RoleContext context) {
        candidacy = zeus.elect("Ticker", this);
    }

    @Override
    public void stop() {
        Registration r = candidacy;
        candidacy = null;
        leading = null;
        if (r != null) {
            r.close();
        }
    }

    @Override
    public void acquired(Leadership leadership) {
        leading = leadership;
        Thread.ofVirtual().name("ticker-" + leadership.epoch()).start(() -> tick(leadership));
    }

    @Override
    public void lost(Leadership leadership) {
        if (leading == leadership) {
            leading = null;
        }
    }

    private void tick(Leadership l) {
        long n = 0;
        while (leading == l) {
            try {
                Optional<VersionedDocument> cur = zeus.read(DOC);
                List<Tick> ticks = new ArrayList<>(cur.isPresent() ? JSON.readValue(cur.get().data(), Ticks.class).ticks() : List.of());
                ticks.add(new Tick(l.epoch(), address, ++n));
                if (ticks.size() > 400) {
                    ticks = new ArrayList<>(ticks.subList(ticks.size() - 400, ticks.size()));
                }
                l.write(DOC, JSON.writeValueAsBytes(new Ticks(ticks)), cur.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
            } catch (CairnException e) {
                if (e.code() == ErrorCode.FAILED_PRECONDITION) {
                    logger.info("Ticker fenced at epoch {}: {}", l.epoch(), e.getMessage());
                    return;
                }
                logger.info("Ticker epoch {}: {}", l.epoch(), e.getMessage());
            } catch (Exception e) {
                logger.info("Ticker epoch {}: {}", l.epoch(), e.toString());
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
        }
        logger.info("Ticker epoch {} stops ticking", l.epoch());
    }
}
