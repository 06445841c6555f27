package io.cairn.common.alerts;

import java.time.Instant;
import java.util.Objects;

/**
 * An alert or event on the cluster-wide bus.
 *
 * @param id             cluster-unique, increasing
 * @param source         what raised it, e.g. {@code genesis} or a role name
 * @param node           the node it concerns (address), or empty for the cluster
 * @param acknowledgedBy who acknowledged it, or empty while unacknowledged
 */
public record Alert(String id, String source, String node, Severity severity, String title, String message,
        Instant raised, String acknowledgedBy, Instant acknowledged) {

    public Alert {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(title, "title");
        node = node == null ? "" : node;
        message = message == null ? "" : message;
        acknowledgedBy = acknowledgedBy == null ? "" : acknowledgedBy;
    }

    public boolean isAcknowledged() {
        return !acknowledgedBy.isEmpty();
    }
}
