package io.cairn.test.roles.internal;

import java.nio.charset.StandardCharsets;

import org.osgi.service.component.annotations.Component;

import io.cairn.cluster.api.Role;
import io.cairn.cluster.api.RoleContext;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** A role that dies when {@code test.crash} is called on its node. */
@Component(service = {Role.class, RpcHandler.class}, property = {Role.NAME + "=Crashy", RpcHandler.METHOD + "=test.crash"})
public final class CrashyRole implements Role, RpcHandler {

    private volatile RoleContext context;

    @Override
    public void start(RoleContext ctx) {
        context = ctx;
    }

    @Override
    public void stop() {
        context = null;
    }

    @Override
    public byte[] handle(RpcCall call) {
        RoleContext c = context;
        if (c == null) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "Crashy is not running on this node");
        }
        c.failed(new IllegalStateException("crash requested by " + call.principal()));
        return ("{\"crashed\":" + c.pid() + "}").getBytes(StandardCharsets.UTF_8);
    }
}
