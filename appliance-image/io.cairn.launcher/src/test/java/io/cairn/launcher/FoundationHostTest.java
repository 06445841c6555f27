package io.cairn.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FoundationHostTest {

    @TempDir
    Path tmp;

    @Test
    void givenToolsAndAList_whenClassPathBuilt_thenOwnJarsThenTheNamedBundles() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tools/foundation"));
        Path bundles = Files.createDirectories(tmp.resolve("bundles"));
        Files.writeString(dir.resolve("io.cairn.foundation.jar"), "");
        Files.writeString(dir.resolve("from-bundles.list"), "# comment\nslf4j-api-\njackson-core-\n");
        for (String n : new String[] {"slf4j-api-2.0.17.jar", "slf4j-simple-2.0.17.jar", "jackson-core-2.22.4.jar", "jackson-core-extra-1.jar"}) {
            Files.writeString(bundles.resolve(n), "");
        }
        assertThat(FoundationHost.classPath(dir, bundles)).containsExactly(dir.resolve("io.cairn.foundation.jar"),
                bundles.resolve("slf4j-api-2.0.17.jar"), bundles.resolve("jackson-core-2.22.4.jar"));
    }

    @Test
    void givenAListedJarMissing_whenClassPathBuilt_thenTheErrorNamesIt() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tools/foundation"));
        Files.writeString(dir.resolve("from-bundles.list"), "bcprov-jdk18on-\n");
        assertThatThrownBy(() -> FoundationHost.classPath(dir, Files.createDirectories(tmp.resolve("bundles"))))
                .hasMessageContaining("bcprov-jdk18on-<version>.jar").hasMessageContaining("holds none");
    }

    @Test
    void givenNoFoundationInTheImage_whenClassPathBuilt_thenEmpty() throws IOException {
        assertThat(FoundationHost.classPath(tmp.resolve("tools/foundation"), tmp.resolve("bundles"))).isEmpty();
    }
}
