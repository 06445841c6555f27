package io.cairn.common.alerts;

/**
 * Whiteboard subscriber (X-Play, alert sinks, plugins): told of every new or acknowledged alert on
 * the node it runs on, in order. Called with a timeout; a slow or failing listener is skipped.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface AlertListener {

    void alert(Alert alert);
}
