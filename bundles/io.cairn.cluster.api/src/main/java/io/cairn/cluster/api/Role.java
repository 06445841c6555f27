package io.cairn.cluster.api;

/**
 * A cluster role (Stargate, Curator, Prism, ...): a whiteboard service Genesis starts and stops
 * according to the cluster configuration, with the service property {@value #NAME}. Genesis calls
 * {@link #start} and {@link #stop} from one thread per role; both must return quickly and run
 * long work on the role's own executor.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Role {

    /** Service property: the role's name as {@code cluster status} shows it, e.g. {@code Curator}. */
    String NAME = "cairn.role";

    void start(RoleContext context) throws Exception;

    void stop();
}
