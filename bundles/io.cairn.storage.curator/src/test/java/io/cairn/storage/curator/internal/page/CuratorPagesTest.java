package io.cairn.storage.curator.internal.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import io.cairn.common.pages.PageHandler;
import io.cairn.common.pages.PageResponse;

/** How the component starts and stops its two page servers (2010 and 2011). */
class CuratorPagesTest {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final PageHandler NOTHING = r -> PageResponse.notFound(r.path());

    /** A port free on 127.0.0.1 a moment ago. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void givenTheChronosPortInUse_whenTheServersStart_thenItFailsAndTheCuratorPortIsReleased() throws Exception {
        int curatorPort = freePort();
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
            int chronosPort = taken.getLocalPort();
            assertThatThrownBy(() -> CuratorPages.Servers.start(LOOPBACK, curatorPort, NOTHING, chronosPort, NOTHING))
                    .isInstanceOf(IOException.class).hasMessageContaining("chronos").hasMessageContaining(Integer.toString(chronosPort));
            assertThat(bindable(curatorPort)).as("the Curator pages' port is closed again").isTrue();
        }
    }

    @Test
    void givenBothPortsFree_whenTheServersStartAndClose_thenBothListenAndBothAreReleased() throws Exception {
        int curatorPort = freePort();
        int chronosPort = freePort();
        CuratorPages.Servers servers = CuratorPages.Servers.start(LOOPBACK, curatorPort, NOTHING, chronosPort, NOTHING);
        assertThat(servers.curator().addresses().getFirst().getPort()).isEqualTo(curatorPort);
        assertThat(servers.chronos().addresses().getFirst().getPort()).isEqualTo(chronosPort);
        assertThat(bindable(curatorPort)).isFalse();
        assertThat(bindable(chronosPort)).isFalse();
        servers.close();
        assertThat(bindable(curatorPort)).isTrue();
        assertThat(bindable(chronosPort)).isTrue();
    }
}
