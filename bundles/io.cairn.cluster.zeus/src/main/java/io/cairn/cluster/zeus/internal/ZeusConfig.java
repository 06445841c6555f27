package io.cairn.cluster.zeus.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code io.cairn.cluster.zeus}: ports and timers of the embedded ensemble and its clients. */
@ObjectClassDefinition(name = "Cairn Zeus", description = "Embedded Zookeeper ensemble and Zeus client")
public @interface ZeusConfig {

    String PID = "io.cairn.cluster.zeus";

    @AttributeDefinition(description = "Zookeeper client port on the node address")
    int clientPort() default 9876;

    /**
     * ZooKeeper's reconfiguration format requires a plain-text client address in every member's
     * line, so each member listens on this port too; it is useless: every request on it is refused
     * because the ensemble enforces x509 authentication, which only TLS connections have.
     */
    @AttributeDefinition(description = "Closed plain-text client port (every request refused)")
    int closedClientPort() default 9875;

    @AttributeDefinition(description = "Zookeeper quorum (follower) port")
    int quorumPort() default 2888;

    @AttributeDefinition(description = "Zookeeper leader-election port")
    int electionPort() default 3888;

    @AttributeDefinition(description = "Zookeeper tick in milliseconds; hung-leader detection is tick x syncLimit")
    int tickTimeMillis() default 500;

    @AttributeDefinition(description = "Ticks a follower may take to connect and sync to the leader")
    int initLimit() default 20;

    @AttributeDefinition(description = "Ticks a follower may lag behind the leader")
    int syncLimit() default 5;

    /**
     * {@code zeus_session_timeout_secs}: how long a silent node keeps its presence and leaderships.
     * Spec 10 §2 says 20 s; issue #4 asks for failover under 10 s, so the default is 6 s (the
     * ensemble caps sessions at 20 ticks = 10 s).
     */
    @AttributeDefinition(name = "zeus_session_timeout_secs", description = "Session timeout in seconds")
    int zeus__session__timeout__secs() default 6;

    @AttributeDefinition(description = "Seconds a Zookeeper member's node may be down before its member role moves")
    int zookeeper__member__replace__secs() default 20;
}
