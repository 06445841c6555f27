package io.cairn.prism.gateway.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Per-node Prism gateway settings (PID {@value #PID}); the cluster virtual IP lives in Zeus ({@value PrismLeader#VIP_DOCUMENT}). */
@ObjectClassDefinition(name = "Cairn Prism gateway", description = "HTTPS front door, leader redirects, cluster virtual IP")
public @interface GatewayConfig {

    String PID = "io.cairn.prism.gateway";

    @AttributeDefinition(description = "HTTPS port of the UI and REST API (spec 10 §8: 9440), on this node's address and, on the "
            + "Prism leader, on the cluster virtual IP; every node must use the same (redirects name it)", min = "1", max = "65535")
    int prism__port() default 9440;

    @AttributeDefinition(description = "Plain HTTP port answering every request with a 301 to the HTTPS port (spec 10 §8: 80); not "
            + "opened when it cannot be bound; 0 turns it off", min = "0", max = "65535")
    int prism__http__port() default 80;

    @AttributeDefinition(description = "Node-local port of GET /prism/leader (spec 10 §8: 2019); answers only clients on this node",
            min = "1", max = "65535")
    int prism__local__port() default 2019;

    @AttributeDefinition(description = "Interface that carries the cluster virtual IP on this node in layer-2 mode (the leader adds the "
            + "address and sends 3 gratuitous ARPs); empty: loopback mode, where the leader only binds the address")
    String prism__vip__interface() default "";

    @AttributeDefinition(description = "Prefix length of the cluster virtual IP on prism_vip_interface", min = "1", max = "128")
    int prism__vip__prefix__length() default 32;
}
