package io.cairn.common.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.Clock;
import io.cairn.common.clock.Timer;
import io.cairn.common.ready.ReadyMarker;

/**
 * Publishes {@code ReadyMarker(node, controller)} once every bundle is active and every enabled
 * DS component is satisfied, and withdraws it if that stops being true. Judged after the framework
 * has been quiet for {@code settle.millis}; what it still waits for is logged whenever it changes.
 */
@Component(immediate = true, service = {}, configurationPid = NodeReadiness.PID)
@Designate(ocd = NodeReadiness.Config.class)
public final class NodeReadiness implements BundleListener, ServiceListener {

    static final String PID = "io.cairn.common.ready";

    @ObjectClassDefinition(name = "Cairn node readiness")
    public @interface Config {
        @AttributeDefinition(description = "Quiet period after the last bundle or service event before readiness is judged (ms)")
        long settle_millis() default 200;
    }

    private static final ReadyMarker MARKER = new ReadyMarker(ReadyMarker.NODE, "controller");

    private final Logger logger = LoggerFactory.getLogger(NodeReadiness.class);
    private final BundleContext context;
    private final ServiceComponentRuntime scr;
    private final Clock clock;
    private final Duration settle;
    private final Object lock = new Object();
    private Timer pending;
    private ServiceRegistration<ReadyMarker> registration;
    private List<String> lastWaiting = List.of();
    private boolean closed;

    @Activate
    public NodeReadiness(BundleContext context, @Reference ServiceComponentRuntime scr, @Reference Clock clock,
            Config config) {
        this.context = context;
        this.scr = scr;
        this.clock = clock;
        this.settle = Duration.ofMillis(Math.max(0, config.settle_millis()));
        context.addBundleListener(this);
        context.addServiceListener(this);
        scheduleCheck();
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(this);
        context.removeBundleListener(this);
        synchronized (lock) {
            closed = true;
            if (pending != null) {
                pending.cancel();
            }
            unregister();
        }
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        scheduleCheck();
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
        Object[] classes = (Object[]) event.getServiceReference().getProperty("objectClass");
        if (classes != null && Arrays.asList(classes).contains(ReadyMarker.class.getName())) {
            return; // our own (or another) marker: not a reason to re-judge
        }
        scheduleCheck();
    }

    private void scheduleCheck() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (pending != null) {
                pending.cancel();
            }
            pending = clock.schedule(settle, this::check);
        }
    }

    void check() {
        ReadinessEvaluator.Report report = ReadinessEvaluator.evaluate(bundles(), components());
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (report.ready() && registration == null) {
                Dictionary<String, Object> props = new Hashtable<>();
                props.put(ReadyMarker.TYPE, MARKER.type());
                props.put(ReadyMarker.IDENTIFIER, MARKER.identifier());
                registration = context.registerService(ReadyMarker.class, MARKER, props);
                logger.info("Node ready: {} bundles active, {} component configurations satisfied", report.bundles(),
                        report.components());
            } else if (!report.ready()) {
                if (registration != null) {
                    logger.warn("Node no longer ready");
                    unregister();
                }
                if (!report.waitingFor().equals(lastWaiting)) {
                    logger.info("Node not ready yet, waiting for: {}", String.join("; ", report.waitingFor()));
                }
            }
            lastWaiting = report.waitingFor();
        }
    }

    private void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework is stopping this bundle
            }
            registration = null;
        }
    }

    private List<ReadinessEvaluator.BundleState> bundles() {
        List<ReadinessEvaluator.BundleState> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() == 0) {
                continue;
            }
            BundleRevision rev = b.adapt(BundleRevision.class);
            boolean fragment = rev != null && (rev.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            String policy = b.getHeaders("").get(org.osgi.framework.Constants.BUNDLE_ACTIVATIONPOLICY);
            boolean lazy = policy != null && policy.strip().startsWith(org.osgi.framework.Constants.ACTIVATION_LAZY);
            out.add(new ReadinessEvaluator.BundleState(b.getSymbolicName(), b.getState(), fragment, lazy));
        }
        return out;
    }

    private List<ReadinessEvaluator.ComponentState> components() {
        List<ReadinessEvaluator.ComponentState> out = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (!scr.isComponentEnabled(d)) {
                continue;
            }
            boolean clusterScoped = ReadyMarker.CLUSTER_SCOPE.equals(d.properties.get(ReadyMarker.SCOPE));
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (clusterScoped && c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
                    continue; // waits for the cluster (factory state, or Zookeeper not reached yet): not a node fault
                }
                String detail = switch (c.state) {
                    case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> Arrays
                            .stream(c.unsatisfiedReferences == null ? new UnsatisfiedReferenceDTO[0] : c.unsatisfiedReferences)
                            .map(r -> r.target == null ? r.name : r.name + " " + r.target)
                            .collect(Collectors.joining(", ", "[", "]"));
                    case ComponentConfigurationDTO.FAILED_ACTIVATION -> c.failure;
                    default -> "";
                };
                out.add(new ReadinessEvaluator.ComponentState(d.bundle.symbolicName, d.name, c.state, detail));
            }
        }
        return out;
    }
}
