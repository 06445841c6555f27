package io.cairn.volumes.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Per-node Volumes settings (PID {@value #PID}); the volume groups and the data services IP live in Zeus. */
@ObjectClassDefinition(name = "Cairn Volumes", description = "Volume groups over iSCSI: node portals, the data services IP portal, failback")
public @interface VolumesConfig {

    String PID = "io.cairn.volumes";

    @AttributeDefinition(description = "TCP port of the Volumes iSCSI portals (spec 50 §1: 3260), on this node's address and, on the "
            + "iSCSI leader, on the data services IP; every node must use the same (redirects name it); 0 turns the portals off",
            min = "0", max = "65535")
    int volumes__port() default 3260;

    @AttributeDefinition(description = "How long a target's affinity node must have been healthy without interruption before the node "
            + "serving the target in its place ends those sessions (failback), seconds", min = "1")
    long volumes__failback__stable__secs() default 120;

    @AttributeDefinition(description = "How long a session ended for failback or detach may drain its in-flight commands before "
            + "they are aborted and the connection dropped, seconds", min = "0")
    long volumes__quiesce__timeout__secs() default 30;

    @AttributeDefinition(description = "Layer-2 mode for the data services IP: the network interface the iSCSI leader adds the DSIP "
            + "to (with gratuitous ARPs) and removes it from when it loses leadership; empty = loopback mode (the DSIP is already "
            + "local, e.g. a loopback alias, and the leader only binds it). Per node: interface names may differ")
    String volumes__dsip__interface() default "";

    @AttributeDefinition(description = "Prefix length the DSIP is added with in layer-2 mode (32: the interface already has an "
            + "address in the DSIP's subnet; the subnet's length when the DSIP is the interface's only address there)", min = "1", max = "32")
    int volumes__dsip__prefix__length() default 32;
}
