package io.cairn.common.ready;

import java.util.Objects;

/**
 * Registered as a service once something is ready; its service properties repeat the
 * {@link #type()} and {@link #identifier()} under {@link #TYPE} and {@link #IDENTIFIER} so that
 * dependants can target it, e.g. {@code (cairn.ready.type=node)}.
 */
public record ReadyMarker(String type, String identifier) {

    /** Service property naming what kind of thing is ready ({@code node}, {@code storage}, ...). */
    public static final String TYPE = "cairn.ready.type";

    /** Service property naming which one is ready. */
    public static final String IDENTIFIER = "cairn.ready.id";

    /** The marker type a controller publishes once all its bundles and components are up. */
    public static final String NODE = "node";

    /**
     * Component property: {@value #CLUSTER_SCOPE} marks a component that can only be satisfied once
     * the node belongs to a reachable cluster (it needs Zeus); node readiness does not wait for it.
     */
    public static final String SCOPE = "cairn.ready.scope";

    /** The value of {@link #SCOPE} for components that run only in a cluster. */
    public static final String CLUSTER_SCOPE = "cluster";

    public ReadyMarker {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(identifier, "identifier");
    }

    /** The LDAP filter that matches this marker's service. */
    public String filter() {
        return "(&(" + TYPE + "=" + type + ")(" + IDENTIFIER + "=" + identifier + "))";
    }
}
