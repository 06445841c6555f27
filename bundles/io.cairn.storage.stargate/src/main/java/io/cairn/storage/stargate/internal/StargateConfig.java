package io.cairn.storage.stargate.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Per-node Stargate settings (PID {@value #PID}). */
@ObjectClassDefinition(name = "Cairn Stargate", description = "The data path: vDisks, OpLog, extent store, cache, NBD")
public @interface StargateConfig {

    String PID = "io.cairn.storage.stargate";

    @AttributeDefinition(description = "Capacity of the data disk created on a node that has none (data/disks/d0), bytes")
    long default__disk__bytes() default 16L << 30;

    @AttributeDefinition(description = "OpLog capacity on this node (a ceiling; spec 20 §2 computes it from the drive layout), bytes")
    long oplog__bytes() default 1L << 30;

    @AttributeDefinition(description = "OpLog share of one vDisk before it is throttled first when the OpLog is short of space, bytes")
    long oplog__vdisk__baseline__bytes() default 6L << 30;

    @AttributeDefinition(description = "A write whose vDisk has at least this many bytes outstanding (including it) skips the OpLog")
    long vdisk__distributed__oplog__skip__min__outstanding__write__bytes() default 1572864;

    @AttributeDefinition(description = "Unified cache size, bytes (0: from the spec formula over the controller memory, at least 64 MiB)")
    long unified__cache__bytes() default 0;

    @AttributeDefinition(description = "TCP port of the NBD server on this node's address (TLS with the cluster CA)")
    int nbd__port() default 10809;

    @AttributeDefinition(description = "Whether local clients may use the NBD Unix socket HOME/run/nbd.sock (no TLS; mode 0600, this user only)")
    boolean nbd__unix__socket() default true;

    @AttributeDefinition(description = "TCP port of this node's Stargate iSCSI portal on the node's address (spec 40 §7: 3261, the "
            + "host-internal portal the redirector sends logins to); 0 turns the portal off", min = "0", max = "65535")
    int iscsi__port() default 3261;

    @AttributeDefinition(description = "How long Stargate waits at start for the HAL block devices its data disks name "
            + "(disk.json hal_device) before opening them offline; a device appearing later is attached then, seconds", min = "0")
    long hal__device__wait__secs() default 30;

    @AttributeDefinition(description = "Ownership follows the VM (spec 20): the owning Stargate gives a vDisk to another node after "
            + "this many seconds of only I/O forwarded from that node (0: never); the Zeus document stargate.settings overrides it "
            + "cluster-wide", min = "0")
    long vdisk__ownership__follow__secs() default 300;

    @AttributeDefinition(description = "Deadline of one vDisk operation, seconds")
    int op__timeout__secs() default 30;

    @AttributeDefinition(description = "The scrubber verifies each data disk's used bytes in a full pass within this many seconds "
            + "(spec 20 §9 cairn.scrub.pass_secs); the Zeus document stargate.settings overrides it cluster-wide", min = "1")
    long scrub__pass__secs() default 604800;

    @AttributeDefinition(description = "The scrubber works on a disk only while its reads and writes kept it busy less than this "
            + "percentage of the last second (spec 20 §9 cairn.scrub.max_disk_busy_pct)", min = "1", max = "100")
    int scrub__max__disk__busy__pct() default 30;

    @AttributeDefinition(description = "Extent groups written less than this many seconds ago wait for the scrubber's next pass",
            min = "0")
    long scrub__cold__secs() default 60;
}
