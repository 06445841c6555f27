package io.cairn.prism.api;

/**
 * Who is calling, as the gateway authenticated them, and what they may do.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Caller {

    /** The user name (e.g. {@code admin}, {@code u1@example.org}). */
    String name();

    /** How they proved it: {@code certificate}, {@code local}, {@code ldap}, {@code session}. */
    String provider();

    /** Whether the caller's roles allow {@code action} on entities of {@code entityType}. */
    boolean permits(String entityType, Action action);
}
