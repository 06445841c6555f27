package io.cairn.storage.stargate.internal.vdisk;

import java.nio.ByteBuffer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StargateException.Reason;
import io.cairn.storage.stargate.internal.oplog.ByteRange;
import io.cairn.storage.stargate.internal.oplog.OpLogRecord;
import io.cairn.storage.stargate.internal.oplog.RecordKind;
import io.cairn.storage.stargate.internal.oplog.StaleEpochException;

/**
 * Stargate's data RPC between nodes (over the cluster RPC: TLS 1.3, mutual certificates): peer
 * OpLog copies, extent-group replicas and I/O forwarded to a vDisk's owner. Bodies are {@link Wire}
 * frames. Served by {@link #handle} on every node.
 */
public final class DataRpc {

    public static final String OPLOG_APPEND = "stargate.oplog.append";
    public static final String OPLOG_TAKE = "stargate.oplog.take";
    public static final String OPLOG_RELEASE = "stargate.oplog.release";
    public static final String EGROUP_READ = "stargate.egroup.read";
    public static final String EGROUP_WRITE = "stargate.egroup.write";
    public static final String EGROUP_REPAIR = "stargate.egroup.repair";
    public static final String EGROUP_DELETE = "stargate.egroup.delete";
    public static final String VDISK_IO = "stargate.vdisk.io";
    /**
     * Every extent group this node holds, each as [id, milliseconds since it was last written (-1:
     * unknown), 1 if its scrubber found it failing its checksum and it is not repaired yet, else 0].
     */
    public static final String EGROUP_LIST = "stargate.egroup.list";
    /** Whether this node holds a replica of an extent group. */
    public static final String EGROUP_HAS = "stargate.egroup.has";
    /** Verify every local extent group now, unpaced (on demand; the scrubber does it in the background); replies with the count and the failing ones. */
    public static final String EGROUP_SCRUB = "stargate.egroup.scrub";
    /** Copy an extent group's used bytes from other replicas into this node (a vDisk owner restoring its replication factor). */
    public static final String EGROUP_COPY = "stargate.egroup.copy";
    /** Serve the vDisk (take it if its recorded owner is this node or not alive), so its OpLog data drains. */
    public static final String VDISK_ADOPT = "stargate.vdisk.adopt";
    /**
     * Give the vDisk to the node {@code to} now (spec 20, ownership follows the VM: that node's front end serves the VM);
     * replies with the owner the record names afterwards.
     */
    public static final String VDISK_HANDOVER = "stargate.vdisk.handover";
    public static final List<String> METHODS = List.of(OPLOG_APPEND, OPLOG_TAKE, OPLOG_RELEASE, EGROUP_READ, EGROUP_WRITE, EGROUP_REPAIR,
            EGROUP_DELETE, VDISK_IO, VDISK_ADOPT, EGROUP_LIST, EGROUP_HAS, EGROUP_COPY, EGROUP_SCRUB, VDISK_HANDOVER);

    /** In an error message: the peer's OpLog has seen a newer owner epoch for the vDisk. */
    static final String STALE_EPOCH_MARK = "newer owner epoch";
    /** In an error message: the called node does not own the vDisk (any more). */
    static final String NOT_OWNER_MARK = "not the owner";

    private final DataPath path;

    public DataRpc(DataPath path) {
        this.path = path;
    }

    public byte[] handle(RpcCall call) throws Exception {
        Wire w = Wire.decode(call.body());
        return switch (call.method()) {
            case OPLOG_APPEND -> append(w);
            case OPLOG_TAKE -> take(w);
            case OPLOG_RELEASE -> release(w);
            case EGROUP_READ -> {
                ByteBuffer b = path.estore().read(w.longField("eg"), (int) w.longField("offset"), (int) w.longField("length"));
                yield Wire.encode(Map.of(), b);
            }
            case EGROUP_WRITE -> {
                try {
                    path.checkEpoch(w.longField("vdisk"), w.longField("epoch"));
                } catch (io.cairn.storage.api.stargate.StargateException e) {
                    throw new CairnException(ErrorCode.CONFLICT, e.getMessage());
                }
                path.estore().write(w.longField("eg"), (int) w.longField("offset"), w.dataBuffer());
                yield Wire.encode(Map.of(), null);
            }
            case EGROUP_COPY -> {
                try {
                    path.checkEpoch(w.longField("vdisk"), w.longField("epoch"));
                } catch (io.cairn.storage.api.stargate.StargateException e) {
                    throw new CairnException(ErrorCode.CONFLICT, e.getMessage());
                }
                List<UUID> sources = new ArrayList<>();
                w.header().path("sources").forEach(n -> sources.add(UUID.fromString(n.asText())));
                long vdisk = w.longField("vdisk");
                long epoch = w.longField("epoch");
                try {
                    path.copyIn(w.longField("eg"), w.longField("bytes"), sources, () -> path.checkEpoch(vdisk, epoch));
                } catch (io.cairn.storage.api.stargate.StargateException e) {
                    if (e.reason() == io.cairn.storage.api.stargate.StargateException.Reason.STALE_OWNER) {
                        throw new CairnException(ErrorCode.CONFLICT, e.getMessage());
                    }
                    throw e;
                }
                yield Wire.encode(Map.of(), null);
            }
            case EGROUP_REPAIR -> {
                path.estore().repair(w.longField("eg"), (int) w.longField("offset"), w.dataBuffer());
                path.repaired(w.longField("eg"));
                yield Wire.encode(Map.of(), null);
            }
            case EGROUP_DELETE -> {
                // "unwritten_since" (epoch ms, from 1.3): delete only if not written since; older callers send none
                boolean deleted = w.header().has("unwritten_since")
                        ? path.estore().deleteIfUnwrittenSince(w.longField("eg"), java.time.Instant.ofEpochMilli(w.longField("unwritten_since")))
                        : path.estore().delete(w.longField("eg"));
                yield Wire.encode(Map.of("deleted", deleted), null);
            }
            case EGROUP_LIST -> Wire.encode(Map.of("egroups", path.localInventory()), null);
            case EGROUP_HAS -> Wire.encode(Map.of("has", path.holds(w.longField("eg")), "bad", path.suspect(w.longField("eg"))), null);
            case EGROUP_SCRUB -> {
                var r = path.scrubLocal();
                yield Wire.encode(Map.of("verified", r.verified(), "bad", r.bad()), null);
            }
            case VDISK_ADOPT -> {
                path.adopt(path.catalog().requireVDisk(UUID.fromString(w.textField("vdisk"))));
                yield Wire.encode(Map.of(), null);
            }
            case VDISK_IO -> {
                UUID id = UUID.fromString(w.textField("vdisk"));
                var r = path.catalog().requireVDisk(id);
                yield path.serve(r, w.textField("op"), w.longField("offset"), w.longField("length"), w, caller(call));
            }
            case VDISK_HANDOVER -> {
                var r = path.catalog().requireVDisk(UUID.fromString(w.textField("vdisk")));
                UUID to = UUID.fromString(w.textField("to"));
                try {
                    Optional<UUID> owner = path.handOverTo(r, to);
                    yield Wire.encode(Map.of("owner", owner.map(UUID::toString).orElse("")), null);
                } catch (StargateException e) {
                    throw new CairnException(e.reason() == Reason.FAILED_PRECONDITION ? ErrorCode.FAILED_PRECONDITION : ErrorCode.UNAVAILABLE,
                            e.getMessage());
                }
            }
            default -> throw CairnException.notFound("no method " + call.method());
        };
    }

    /** The node a call comes from ({@code node:<uuid>} principals), or null. */
    static UUID caller(RpcCall call) {
        String p = call.principal();
        if (p == null || !p.startsWith("node:")) {
            return null;
        }
        try {
            return UUID.fromString(p.substring("node:".length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private byte[] append(Wire w) throws Exception {
        long vdisk = w.longField("vdisk");
        List<OpLogRecord> records = decode(w, vdisk);
        try {
            var done = path.oplog().append(records, path.opTimeout());
            done.get(2 * path.opTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (StaleEpochException e) {
            throw new CairnException(ErrorCode.CONFLICT, STALE_EPOCH_MARK + ": " + e.getMessage());
        }
        return Wire.encode(Map.of(), null);
    }

    private byte[] take(Wire w) throws Exception {
        long vdisk = w.longField("vdisk");
        try {
            path.oplog().fence(vdisk, w.longField("epoch"));
        } catch (StaleEpochException e) {
            throw new CairnException(ErrorCode.CONFLICT, STALE_EPOCH_MARK + ": " + e.getMessage());
        }
        return encode(vdisk, path.oplog().records(vdisk));
    }

    private byte[] release(Wire w) throws Exception {
        long vdisk = w.longField("vdisk");
        if (path.oplog().undrainedBytes(vdisk) == 0) {
            return Wire.encode(Map.of(), null); // nothing of it here: no marker to write
        }
        if (w.header().has("beforeEpoch")) {
            path.oplog().dropBefore(vdisk, w.longField("beforeEpoch"));
        } else {
            List<ByteRange> ranges = new ArrayList<>();
            for (JsonNode r : w.header().get("ranges")) {
                ranges.add(new ByteRange(r.get("offset").asLong(), r.get("length").asLong()));
            }
            path.oplog().release(vdisk, w.longField("upToEpoch"), w.longField("upToSequence"), ranges, path.opTimeout());
        }
        return Wire.encode(Map.of(), null);
    }

    /** Records as {@code {"vdisk", "records":[{epoch, seq, offset, length, kind, bytes}]}} and their payloads after the header. */
    static byte[] encode(long vdisk, List<OpLogRecord> records) {
        List<Map<String, Object>> list = new ArrayList<>();
        int total = 0;
        for (OpLogRecord r : records) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("epoch", r.epoch());
            h.put("seq", r.sequence());
            h.put("offset", r.offset());
            h.put("length", r.length());
            h.put("kind", r.kind().name());
            h.put("bytes", r.payload().length);
            list.add(h);
            total += r.payload().length;
        }
        ByteBuffer data = ByteBuffer.allocate(total);
        records.forEach(r -> data.put(r.payload()));
        data.flip();
        return Wire.encode(Map.of("vdisk", vdisk, "records", list), data);
    }

    static List<OpLogRecord> decodeRecords(Wire w, long vdisk) {
        return decode(w, vdisk);
    }

    private static List<OpLogRecord> decode(Wire w, long vdisk) {
        List<OpLogRecord> out = new ArrayList<>();
        ByteBuffer data = w.dataBuffer();
        for (JsonNode h : w.header().get("records")) {
            byte[] payload = new byte[h.get("bytes").asInt()];
            data.get(payload);
            out.add(new OpLogRecord(vdisk, h.get("epoch").asLong(), h.get("seq").asLong(), h.get("offset").asLong(), h.get("length").asInt(),
                    RecordKind.valueOf(h.get("kind").asText()), payload));
        }
        return out;
    }

    /** A remote failure as the Stargate error its code stands for. */
    static StargateException unwrap(RpcException e) {
        Reason r = switch (e.remoteCode()) {
            case INVALID_ARGUMENT -> Reason.INVALID_REQUEST;
            case NOT_FOUND -> Reason.NOT_FOUND;
            case RESOURCE_EXHAUSTED -> Reason.STORAGE_FULL;
            case TIMEOUT -> Reason.TIMEOUT;
            case CONFLICT -> Reason.STALE_OWNER;
            case FAILED_PRECONDITION -> Reason.FAILED_PRECONDITION;
            default -> Reason.UNAVAILABLE;
        };
        return new StargateException(r, e.getMessage(), e);
    }

}
