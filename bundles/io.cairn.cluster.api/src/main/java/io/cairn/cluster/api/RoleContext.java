package io.cairn.cluster.api;

/** What Genesis gives a running role. */
@org.osgi.annotation.versioning.ProviderType
public interface RoleContext {

    String role();

    /** This run's process-id equivalent: unique on the node, new on every (re)start. */
    long pid();

    /**
     * Reports that the role died: Genesis stops it and starts it again after a back-off
     * (1 s doubling to 60 s).
     */
    void failed(Throwable cause);
}
