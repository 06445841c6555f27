package io.cairn.storage.curator.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Per-node Curator settings (PID {@value #PID}); cluster-wide scan settings live in the Zeus document {@code curator.settings}. */
@ObjectClassDefinition(name = "Cairn Curator", description = "Background scans, the 2010 Curator pages and the 2011 Chronos page")
public @interface CuratorConfig {

    String PID = "io.cairn.storage.curator";

    @AttributeDefinition(description = "TCP port of the Curator pages (spec 20 §21) on this node's address; every node should use the same, "
            + "since non-leaders redirect to the leader's address on it", min = "1", max = "65535")
    int http__port() default 2010;

    @AttributeDefinition(description = "TCP port of the Chronos page (spec 10 §20.3, 2011) on this node's address; every node should use "
            + "the same, since the page links to the leader's address on it", min = "1", max = "65535")
    int chronos__http__port() default 2011;
}
