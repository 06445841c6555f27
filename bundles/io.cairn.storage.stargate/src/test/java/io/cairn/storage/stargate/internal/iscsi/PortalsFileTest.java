package io.cairn.storage.stargate.internal.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The portal list Stargate leaves for the host's iSCSI redirector. */
class PortalsFileTest {

    @TempDir
    Path home;

    @Test
    void givenTheMembers_thenTheLocalPortalComesFirst_andTheOthersAreRemoteInSortedOrder() {
        String text = PortalsFile.render("127.0.1.2:3261", Set.of("127.0.1.3:3261", "127.0.1.2:3261", "127.0.1.1:3261"));
        assertThat(text.lines().filter(l -> !l.startsWith("#")).toList()).containsExactly("local 127.0.1.2:3261", "remote 127.0.1.1:3261",
                "remote 127.0.1.3:3261");
        assertThat(PortalsFile.remotes(text)).containsExactly("127.0.1.1:3261", "127.0.1.3:3261");
    }

    @Test
    void givenAnOldList_whenWritten_thenItIsReplacedWhole_andNoTemporaryFileIsLeft() throws Exception {
        Path file = home.resolve(PortalsFile.PATH);
        PortalsFile.write(file, PortalsFile.render("127.0.1.1:3261", List.of("127.0.1.2:3261")));
        PortalsFile.write(file, PortalsFile.render("127.0.1.1:3261", List.of("127.0.1.3:3261")));
        assertThat(PortalsFile.remotes(Files.readString(file))).containsExactly("127.0.1.3:3261");
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("stargate-portals");
        }
    }
}
