package io.cairn.storage.stargate.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.stargate.internal.vdisk.DataRpc;

/** Serves Stargate's node-to-node data RPC ({@link DataRpc}) on this node. */
@Component(service = RpcHandler.class, property = {ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE,
        RpcHandler.METHOD + "=" + DataRpc.OPLOG_APPEND, RpcHandler.METHOD + "=" + DataRpc.OPLOG_TAKE,
        RpcHandler.METHOD + "=" + DataRpc.OPLOG_RELEASE, RpcHandler.METHOD + "=" + DataRpc.EGROUP_READ,
        RpcHandler.METHOD + "=" + DataRpc.EGROUP_WRITE, RpcHandler.METHOD + "=" + DataRpc.EGROUP_REPAIR,
        RpcHandler.METHOD + "=" + DataRpc.EGROUP_DELETE, RpcHandler.METHOD + "=" + DataRpc.VDISK_IO,
        RpcHandler.METHOD + "=" + DataRpc.VDISK_ADOPT, RpcHandler.METHOD + "=" + DataRpc.EGROUP_LIST,
        RpcHandler.METHOD + "=" + DataRpc.EGROUP_HAS, RpcHandler.METHOD + "=" + DataRpc.EGROUP_COPY,
        RpcHandler.METHOD + "=" + DataRpc.EGROUP_SCRUB, RpcHandler.METHOD + "=" + DataRpc.VDISK_HANDOVER})
public final class StargateDataRpc implements RpcHandler {

    private final DataRpc rpc;

    @Activate
    public StargateDataRpc(@Reference StargateService stargate) {
        this.rpc = new DataRpc(stargate.data());
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        return rpc.handle(call);
    }
}
