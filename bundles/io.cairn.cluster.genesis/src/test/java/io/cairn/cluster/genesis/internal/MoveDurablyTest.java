package io.cairn.cluster.genesis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file's replacement: an atomic rename followed by an fsync of its directory. */
class MoveDurablyTest {

    @TempDir
    Path tmp;

    @Test
    void givenAnOldConfiguration_whenReplaced_thenTheNewOneIsInPlaceAndTheTemporaryFileIsGone() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/cluster"));
        Path target = Files.writeString(dir.resolve("cluster.json"), "{\"old\": true}");
        Path next = Files.writeString(dir.resolve("cluster.json.tmp"), "{\"new\": true}");

        Bootstrap.moveDurably(next, target);

        assertThat(target).hasContent("{\"new\": true}");
        assertThat(next).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("cluster.json");
        }
    }

    @Test
    void givenNoTemporaryFile_whenMoved_thenItFailsAndTheConfigurationIsUnchanged() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/cluster"));
        Path target = Files.writeString(dir.resolve("cluster.json"), "{\"old\": true}");

        assertThatThrownBy(() -> Bootstrap.moveDurably(dir.resolve("cluster.json.tmp"), target)).isInstanceOf(NoSuchFileException.class);
        assertThat(target).hasContent("{\"old\": true}");
    }
}
