package io.cairn.common.internal;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;

/** Pure judgement of whether a controller is ready, from snapshots of bundles and components. */
final class ReadinessEvaluator {

    /** {@code lazy}: activation policy lazy, so STARTING (waiting for its first class load) is fine. */
    record BundleState(String symbolicName, int state, boolean fragment, boolean lazy) {
    }

    /** One component configuration: its DTO state and, when unsatisfied, what it waits for. */
    record ComponentState(String bundle, String component, int state, String detail) {
    }

    record Report(boolean ready, int bundles, int components, List<String> waitingFor) {
    }

    private ReadinessEvaluator() {
    }

    static Report evaluate(List<BundleState> bundles, List<ComponentState> components) {
        List<String> waiting = new ArrayList<>();
        for (BundleState b : bundles) {
            int expected = b.fragment() ? Bundle.RESOLVED : Bundle.ACTIVE;
            boolean lazyWaiting = b.lazy() && b.state() == Bundle.STARTING;
            if (b.state() != expected && !lazyWaiting) {
                waiting.add("bundle " + b.symbolicName() + " is " + bundleState(b.state()) + ", expected "
                        + bundleState(expected));
            }
        }
        for (ComponentState c : components) {
            switch (c.state()) {
                case ComponentConfigurationDTO.ACTIVE, ComponentConfigurationDTO.SATISFIED -> {
                }
                case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> waiting.add("component " + c.component()
                        + " (" + c.bundle() + ") waits for references " + c.detail());
                case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> waiting.add("component " + c.component()
                        + " (" + c.bundle() + ") waits for its configuration");
                case ComponentConfigurationDTO.FAILED_ACTIVATION -> waiting.add("component " + c.component()
                        + " (" + c.bundle() + ") failed to activate: " + c.detail());
                default -> waiting.add("component " + c.component() + " (" + c.bundle() + ") is in state " + c.state());
            }
        }
        return new Report(waiting.isEmpty(), bundles.size(), components.size(), List.copyOf(waiting));
    }

    static String bundleState(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "state " + state;
        };
    }
}
