package io.cairn.cluster.api;

/** Told when this node wins or loses a role's leadership. Callbacks must return quickly. */
@org.osgi.annotation.versioning.ConsumerType
public interface LeadershipListener {

    void acquired(Leadership leadership);

    /** Leadership of that epoch is over (lost session, stepped down, or a newer epoch exists). */
    void lost(Leadership leadership);
}
