package io.cairn.cluster.rpc.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

import io.cairn.cluster.rpc.NodeTrust;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.cluster.rpc.RpcException;
import io.cairn.cluster.rpc.RpcException.Reason;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.internal.SystemClock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** The DS component outside a framework: a stand-in bundle context that records registrations. */
@Timeout(20)
class RpcServerTest {

    @TempDir
    Path home;

    private final Map<Class<?>, Object> registered = new ConcurrentHashMap<>();

    @Test
    void givenNoCairnHome_whenActivating_thenFailsNamingTheProperty() {
        BundleContext context = context(Map.of("cairn.node.ip", "127.0.0.1"));

        assertThatThrownBy(() -> new RpcServer(context, config(0), SystemClock.withDefaults()))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
                .hasMessageContaining("framework property cairn.home is not set");
    }

    @Test
    void givenHomeAndIp_whenActivated_thenServesBootstrapHandlersAndRegistersServices() {
        RpcServer component = new RpcServer(context(Map.of("cairn.home", home.toString(), "cairn.node.ip", "127.0.0.1")), config(0),
                SystemClock.withDefaults());
        try (var client = TlsRpcClient.bootstrap()) {
            RpcHandler hello = call -> ("hello " + call.principal()).getBytes(UTF_8);
            component.addHandler(hello, Map.of(RpcHandler.METHOD, new String[] {"hello", "hi"}, RpcHandler.BOOTSTRAP, true,
                    Constants.SERVICE_ID, 1L));
            component.addHandler(call -> new byte[0], Map.of(RpcHandler.METHOD, "status", Constants.SERVICE_ID, 2L));
            String address = "127.0.0.1:" + component.port();

            assertThat(client.call(address, "hi", new byte[0], Duration.ofSeconds(5))).asString(UTF_8).isEqualTo("hello anonymous");
            assertThatThrownBy(() -> client.call(address, "status", new byte[0], Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED));
            NodeTrust trust = (NodeTrust) registered.get(NodeTrust.class);
            assertThat(trust.clustered()).isFalse();
            assertThat(client.fingerprint(address)).isEqualTo(trust.fingerprint());
            assertThat(home.resolve("data/pki/key.pem")).exists();
            assertThat(registered.get(RpcClient.class)).isNotNull();

            component.removeHandler(hello, Map.of(RpcHandler.METHOD, new String[] {"hello", "hi"}, Constants.SERVICE_ID, 1L));
            assertThatThrownBy(() -> client.call(address, "hi", new byte[0], Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_SUCH_METHOD));
        } finally {
            component.deactivate();
        }
        assertThat(registered).isEmpty();
    }

    private BundleContext context(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class}, (p, m, args) -> {
            switch (m.getName()) {
                case "getProperty":
                    return properties.get((String) args[0]);
                case "registerService":
                    Class<?> type = (Class<?>) args[0];
                    registered.put(type, args[1]);
                    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                            (rp, rm, rargs) -> {
                                if (rm.getName().equals("unregister")) {
                                    registered.remove(type);
                                    return null;
                                }
                                throw new UnsupportedOperationException(rm.getName());
                            });
                default:
                    throw new UnsupportedOperationException(m.getName());
            }
        });
    }

    private static RpcServer.Config config(int port) {
        return new RpcServer.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return RpcServer.Config.class;
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public int maxConcurrentCallsPerConnection() {
                return 64;
            }

            @Override
            public int initialStreamCredit() {
                return 16;
            }
        };
    }

}
