package io.cairn.storage.medusa.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Per-node Medusa settings (PID {@value #PID}). Cluster-wide rules live in the Zeus document {@code medusa.settings}. */
@ObjectClassDefinition(name = "Cairn Medusa", description = "Sharded storage metadata on Raft")
public @interface MedusaConfig {

    String PID = "io.cairn.storage.medusa";

    @AttributeDefinition(description = "TCP port of this node's Raft server (gRPC over mutual TLS)")
    int medusa__port() default 2120;

    @AttributeDefinition(description = "Deadline of one metadata operation, seconds; past it the caller gets TIMEOUT")
    int medusa__op__timeout__secs() default 8;

    @AttributeDefinition(description = "Raft election timeout range, milliseconds (lower bound; the upper is twice it)")
    int medusa__election__timeout__ms() default 1000;

    @AttributeDefinition(description = "Raft log entries between automatic snapshots of a shard replica")
    int medusa__snapshot__every() default 100000;
}
