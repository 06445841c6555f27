package io.cairn.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherArgumentsTest {

    @TempDir
    Path tmp;

    @Test
    void givenUnknownOrIncompleteArguments_thenUsageError() {
        assertThatThrownBy(() -> Launcher.run(new String[] {"--hmoe", "/x"}))
                .isInstanceOf(LaunchException.class).hasMessageContaining("unknown argument '--hmoe'")
                .satisfies(e -> assertThat(((LaunchException) e).exitCode()).isEqualTo(2));
        assertThatThrownBy(() -> Launcher.run(new String[] {"--home"})).hasMessageContaining("--home needs a value");
        assertThatThrownBy(() -> Launcher.run(new String[] {"--ip", "127.0.1.1"})).hasMessageContaining("--home is required");
    }

    @Test
    void givenBadAddress_thenSaysWhatAnAddressLooksLike() {
        assertThatThrownBy(() -> Launcher.validateAddress("node1"))
                .hasMessageContaining("'node1' is not an IP address").hasMessageContaining("127.0.1.1");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> assertThat(Launcher.validateAddress("127.0.1.7")).isEqualTo("127.0.1.7"))).isNull();
    }

    @Test
    void givenHomeWithoutImage_thenSaysToInstallOne() throws Exception {
        assertThatThrownBy(() -> NodeHome.open(tmp)).hasMessageContaining("has no boot pointer");
        Files.writeString(tmp.resolve("boot"), "C\n");
        assertThatThrownBy(() -> NodeHome.open(tmp)).hasMessageContaining("names slot 'C'; it must be A or B");
        Files.writeString(tmp.resolve("boot"), "A\n");
        assertThatThrownBy(() -> NodeHome.open(tmp)).hasMessageContaining("slot A").hasMessageContaining("version is missing");
        assertThatThrownBy(() -> NodeHome.open(tmp.resolve("nope"))).hasMessageContaining("does not exist");
    }

    @Test
    void givenBundleListEscapingTheSlot_thenRefused() throws Exception {
        Path slot = Files.createDirectories(tmp.resolve("slots/A/config"));
        Files.createDirectories(tmp.resolve("slots/A/framework"));
        Files.writeString(tmp.resolve("boot"), "A");
        Files.writeString(tmp.resolve("slots/A/version"), "1.0.0");
        Files.writeString(tmp.resolve("slots/A/config/framework.properties"), "");
        Files.writeString(tmp.resolve("slots/A/framework/felix.jar"), "");
        Files.writeString(tmp.resolve("slots/A/bundles.list"), "# comment\n../../../etc/passwd\n");
        NodeHome home = NodeHome.open(tmp);
        assertThat(home.slotDir()).isEqualTo(slot.getParent());
        assertThatThrownBy(home::bundles).hasMessageContaining("not a file in the slot");
    }
}
