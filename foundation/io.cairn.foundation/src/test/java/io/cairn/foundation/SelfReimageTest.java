package io.cairn.foundation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refusals of {@link SelfReimage}: each leaves the node as it was (boot, slots, no restart). The accepted path (a
 * real signed image installed into the passive slot and the controller restarted into it) and a tampered image are
 * run by the system test {@code AddNodeVersionTest}.
 */
class SelfReimageTest {

    @TempDir
    Path tmp;
    Path home;
    Path store;
    Path trust;
    final AtomicInteger prepared = new AtomicInteger();
    final AtomicInteger restarted = new AtomicInteger();

    @BeforeEach
    void node() throws IOException {
        home = tmp.resolve("n1");
        Files.createDirectories(home.resolve("slots/A"));
        Files.writeString(home.resolve("boot"), "A\n");
        store = Files.createDirectories(home.resolve("data/foundation/store"));
        trust = Files.createDirectories(home.resolve("data/foundation/trust"));
    }

    private SelfReimage reimage(boolean canRestart) {
        return new SelfReimage(home, store, trust, (h, slot) -> {
            prepared.incrementAndGet();
            if (!canRestart) {
                throw new IOException("it was not started with -jar HOME/slots/X/launcher/cairn-launcher.jar");
            }
            return restarted::incrementAndGet;
        });
    }

    private void unchanged() throws IOException {
        assertThat(Files.readString(home.resolve("boot"))).isEqualTo("A\n");
        assertThat(home.resolve("slots/B")).doesNotExist();
        assertThat(restarted).hasValue(0);
    }

    @Test
    void givenBadNamesOrAMissingArchive_whenAsked_thenRefusedAndUnchanged() throws Exception {
        assertThatThrownBy(() -> reimage(true).run("../x.tar.gz")).isInstanceOf(SelfReimage.Refused.class)
                .hasMessageContaining("is not an image archive of the installer store");
        assertThatThrownBy(() -> reimage(true).run(null)).isInstanceOf(SelfReimage.Refused.class);
        assertThatThrownBy(() -> reimage(true).run("cairn-appliance-2.0.tar.gz")).isInstanceOf(SelfReimage.Refused.class)
                .hasMessageContaining("is not in the installer store; upload it first");
        unchanged();
    }

    @Test
    void givenAConfiguredNode_whenAsked_thenRefused() throws Exception {
        Files.createDirectories(home.resolve("data/cluster"));
        Files.writeString(home.resolve("data/cluster/cluster.json"), "{\"name\": \"c1\"}");
        Files.writeString(store.resolve("cairn-appliance-2.0.tar.gz"), "x");
        assertThatThrownBy(() -> reimage(true).run("cairn-appliance-2.0.tar.gz")).isInstanceOf(SelfReimage.Refused.class)
                .hasMessage("this node is a member of cluster c1; only a factory-state node is re-imaged");
        unchanged();
        assertThat(prepared).hasValue(0);
    }

    @Test
    void givenNoTrustedKeyOrNoWayToRestart_whenAsked_thenRefusedBeforeAnythingIsWritten() throws Exception {
        Files.writeString(store.resolve("cairn-appliance-2.0.tar.gz"), "not an image");
        assertThatThrownBy(() -> reimage(false).run("cairn-appliance-2.0.tar.gz")).isInstanceOf(SelfReimage.Refused.class)
                .hasMessageContaining("this node cannot restart itself").hasMessageContaining("nothing was changed");
        unchanged();
        assertThatThrownBy(() -> reimage(true).run("cairn-appliance-2.0.tar.gz")).isInstanceOf(SelfReimage.Refused.class)
                .hasMessageContaining("image cairn-appliance-2.0.tar.gz refused: ").hasMessageContaining("holds no trusted public key")
                .hasMessageEndingWith("the node is unchanged (slot A stays active)");
        unchanged();
    }

    @Test
    void givenThisTestJvm_whenARelaunchIsPrepared_thenRefusedAsItWasNotStartedFromASlot() {
        assertThatThrownBy(() -> SelfReimage.relaunch(home, "B")).isInstanceOf(IOException.class)
                .hasMessageContaining("-jar HOME/slots/X/launcher/cairn-launcher.jar");
    }
}
